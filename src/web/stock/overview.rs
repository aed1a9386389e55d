//! The rounds of a partnership, at a glance.

use crate::domain::instruments::Instrument;
use crate::domain::model::Id;
use crate::domain::roles::{Action, can};
use crate::domain::stock::*;
use crate::error::AppError;
use crate::web::extract::Member;
use crate::web::{AppState, PageCtx, render};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use std::collections::HashMap;
use std::sync::Arc;

// ---------------------------------------------------------------- overview

pub(super) struct RoundLine {
    round: Round,
    state: RoundState,
    phrase: String,
    mine: &'static str,
    visible: bool,
}

#[derive(Template)]
#[template(path = "stock/index.html")]
pub(super) struct IndexPage {
    c: PageCtx,
    slug: String,
    instruments: Vec<(Arc<Instrument>, bool)>,
    rounds: Vec<RoundLine>,
    can_open: bool,
    can_answer: bool,
}

pub(super) async fn index(State(state): State<AppState>, m: Member) -> Result<Response, AppError> {
    m.require(Action::View)?;
    let today = m.partnership.today();
    let (rounds, mine) = tokio::try_join!(
        state.db.rounds(m.partnership.id),
        state.db.my_answer_sets(m.partnership.id, m.user.id)
    )?;
    let mine: HashMap<Id, Option<i64>> = mine.into_iter().collect();
    let lines: Vec<RoundLine> = rounds
        .into_iter()
        .map(|r| RoundLine {
            state: r.state(&today),
            phrase: r.state_phrase(&today),
            visible: r.results_visible(&today),
            mine: match mine.get(&r.id) {
                Some(Some(_)) => "Sent",
                Some(None) => "Draft saved",
                None => "Not answered",
            },
            round: r,
        })
        .collect();
    let instruments = state
        .instruments
        .latest(state.db.as_ref())
        .await?
        .into_iter()
        .map(|(_, i)| {
            let has_results = lines
                .iter()
                .any(|l| l.visible && l.round.instrument_key == i.key);
            (i, has_results)
        })
        .collect();
    render(&IndexPage {
        c: m.page("Taking stock"),
        slug: m.partnership.slug.clone(),
        instruments,
        rounds: lines,
        can_open: can(m.role(), Action::RunRound),
        can_answer: can(m.role(), Action::EditContent),
    })
}
