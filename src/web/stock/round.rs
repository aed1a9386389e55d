//! One round: its page, closing it early and showing results early.

use crate::domain::instruments::Instrument;
use crate::domain::model::Id;
use crate::domain::now;
use crate::domain::roles::{Action, can};
use crate::domain::stock::*;
use crate::error::AppError;
use crate::web::extract::{Member, NoFields, SafeForm};
use crate::web::{AppState, ConfirmPage, Confirmed, PageCtx, redirect_with_flash, render};
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
    /// The round's address, to send to people.
    link: String,
    /// Of the people in the partnership who can answer: how many there are and how
    /// many have sent their answers.
    can_answer_count: usize,
    sent_count: usize,
    /// In a named round: who can answer and has not yet (name, organisation).
    not_yet: Vec<(String, String)>,
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
    let sent = state.db.sent_by(r.id).await?;
    let dir = state
        .directory
        .get(state.db.as_ref(), &m.partnership)
        .await?;
    let answerers: Vec<_> = dir
        .members
        .iter()
        .filter(|p| can(p.role, Action::EditContent))
        .collect();
    let sent_count = answerers
        .iter()
        .filter(|p| sent.contains(&p.user_id))
        .count();
    let not_yet = if r.anonymous {
        vec![]
    } else {
        answerers
            .iter()
            .filter(|p| !sent.contains(&p.user_id))
            .map(|p| (p.display_name.clone(), p.organisation_name.clone()))
            .collect()
    };
    render(&RoundPage {
        link: format!(
            "{}/p/{}/stock/{}/answer",
            state.public_url, m.partnership.slug, r.id
        ),
        can_answer_count: answerers.len(),
        sent_count,
        not_yet,
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

/// Close a round early, once the lead has said yes on a page that says how many have
/// answered and that nobody can change their answers afterwards.
pub(super) async fn close(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<Confirmed>,
) -> Result<Response, AppError> {
    m.require(Action::RunRound)?;
    let r = own_round(&state, &m, id).await?;
    let url = round_url(&m.partnership.slug, r.id);
    if r.state(&m.partnership.today()) == RoundState::Closed {
        return Ok(redirect_with_flash(&url, "This round has already closed."));
    }
    if !f.yes() {
        return render(&ConfirmPage {
            c: m.page(&format!("Close “{}”?", short(&r.title))),
            heading: format!("Close “{}” now?", r.title),
            lines: vec![
                format!(
                    "It is due to stay open until the end of {}. So far {}.",
                    day_words(&r.closes_on),
                    r.answered_phrase()
                ),
                "Once it is closed nobody can send or change their answers, and the \
                 results are shown to the partnership. A closed round cannot be opened \
                 again; you would need to open a new one."
                    .into(),
            ],
            fields: Vec::new(),
            action: format!("{url}/close"),
            button: "Yes, close the round",
            warning: true,
            back: url,
            back_label: "No, keep it open",
        });
    }
    state.db.close_round(r.id, now()).await?;
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
