//! One round: its page, closing it early and showing results early.

use crate::domain::instruments::Instrument;
use crate::domain::model::Id;
use crate::domain::now;
use crate::domain::roles::{Action, can};
use crate::domain::stock::*;
use crate::error::AppError;
use crate::web::extract::{Member, NoFields, SafeForm};
use crate::web::{AppState, PageCtx, redirect_with_flash, render};
use crate::web::{activity::log, short};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use std::sync::Arc;

use super::*;

// ---------------------------------------------------------------- a round

#[derive(Template)]
#[template(path = "stock/round.html")]
pub(super) struct RoundPage {
    c: PageCtx,
    slug: String,
    r: Round,
    instrument: Arc<Instrument>,
    state: RoundState,
    phrase: String,
    visible: bool,
    mine: Option<AnswerSet>,
    names: Vec<(String, String)>,
    batches: Vec<PaperBatch>,
    can_run: bool,
    can_answer: bool,
    me: Id,
    /// The partnership's time zone, for the times shown.
    zone: String,
}

pub(super) async fn round_page(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    m.require(Action::View)?;
    let (r, instrument) = own_round_with(&state, &m, id).await?;
    let today = m.partnership.today();
    let names = if r.anonymous {
        vec![]
    } else {
        state.db.answered_names(r.id).await?
    };
    render(&RoundPage {
        c: m.page(&r.title),
        slug: m.partnership.slug.clone(),
        state: r.state(&today),
        phrase: r.state_phrase(&today),
        visible: r.results_visible(&today),
        mine: state.db.answer_set(r.id, m.user.id).await?,
        batches: state.db.paper_batches(r.id).await?,
        names,
        instrument,
        r,
        can_run: can(m.role(), Action::RunRound),
        can_answer: can(m.role(), Action::EditContent),
        zone: m.partnership.time_zone.clone(),
        me: m.user.id,
    })
}

pub(super) async fn close(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(_): SafeForm<NoFields>,
) -> Result<Response, AppError> {
    m.require(Action::RunRound)?;
    let r = own_round(&state, &m, id).await?;
    state.db.close_round(r.id, now()).await?;
    let url = round_url(&m.partnership.slug, r.id);
    log(
        &state,
        &m,
        format!("closed the round “{}”", short(&r.title)),
        &url,
    )
    .await?;
    Ok(redirect_with_flash(
        &url,
        "Round closed. Nobody can change their answers now; the results are ready.",
    ))
}

pub(super) async fn reveal(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(_): SafeForm<NoFields>,
) -> Result<Response, AppError> {
    m.require(Action::RunRound)?;
    let r = own_round(&state, &m, id).await?;
    state.db.reveal_round(r.id).await?;
    let url = format!("{}/results", round_url(&m.partnership.slug, r.id));
    log(
        &state,
        &m,
        format!("showed the results of “{}” early", short(&r.title)),
        &url,
    )
    .await?;
    Ok(redirect_with_flash(
        &url,
        "Results are now visible to the partnership. People can still answer until the round closes.",
    ))
}
