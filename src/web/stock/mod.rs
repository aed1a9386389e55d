//! Taking stock: instruments (readiness check, partnership spectrum, health check),
//! rounds a lead opens, answering (drafts, sending, changing until close), paper
//! tallies, results with charts and divergence, suggested cards, trends and exports.

mod answer;
mod open;
mod overview;
mod paper;
mod plan;
mod results;
mod round;
mod trends;

pub use self::results::{day, day_time, latest_scores, score_text, status_label};
use self::{answer::*, open::*, overview::*, paper::*, plan::*, results::*, round::*, trends::*};

use std::sync::Arc;

use crate::domain::instruments::{Instrument, Item, Section};
use crate::domain::model::Id;
use crate::domain::stock::Round;
use crate::error::AppError;
use crate::web::extract::Member;
use crate::web::{AppState, Routes};

pub fn routes(r: Routes) -> Routes {
    r.get("/p/{slug}/stock", index)
        .get("/p/{slug}/stock/new", new_page)
        .post("/p/{slug}/stock", create)
        .get("/p/{slug}/stock/trends/{instrument}", trends)
        .get("/p/{slug}/instruments/{instrument}", instrument_copy)
        .get("/p/{slug}/stock/{round}", round_page)
        .get("/p/{slug}/stock/{round}/answer", answer_page)
        .post_keeping("/p/{slug}/stock/{round}/answer", answer_save)
        .post("/p/{slug}/stock/{round}/close", close)
        .post("/p/{slug}/stock/{round}/reveal", reveal)
        .get("/p/{slug}/stock/{round}/paper", paper_copy)
        .get("/p/{slug}/stock/{round}/tally", tally_page)
        .post_keeping("/p/{slug}/stock/{round}/tally", tally_save)
        .post("/p/{slug}/stock/{round}/tally/{batch}/delete", tally_delete)
        .get("/p/{slug}/stock/{round}/results", results_page)
        .get("/p/{slug}/stock/{round}/results.csv", results_csv)
        .get("/p/{slug}/stock/{round}/results.pdf", results_pdf)
        .get("/p/{slug}/stock/{round}/answers.csv", answers_csv)
        .post("/p/{slug}/stock/{round}/plan", plan_conversation)
}

/// Where a round lives.
pub fn round_url(slug: &str, id: Id) -> String {
    format!("/p/{slug}/stock/{id}")
}

pub(super) async fn own_round(state: &AppState, m: &Member, id: Id) -> Result<Round, AppError> {
    state
        .db
        .round(id)
        .await?
        .filter(|r| r.partnership_id == m.partnership.id)
        .ok_or(AppError::NotFound)
}

/// The round named in the address, with the instrument version it asks.
pub(super) async fn own_round_with(
    state: &AppState,
    m: &Member,
    id: Id,
) -> Result<(Round, Arc<Instrument>), AppError> {
    let r = own_round(state, m, id).await?;
    let i = state
        .instruments
        .get(state.db.as_ref(), r.instrument_id)
        .await?;
    Ok((r, i))
}

/// The member's organisation name (kept with their answers).
pub(super) async fn my_organisation(state: &AppState, m: &Member) -> Result<String, AppError> {
    let d = state
        .directory
        .get(state.db.as_ref(), &m.partnership)
        .await?;
    Ok(d.organisations
        .iter()
        .find(|o| o.id == m.membership.organisation_id)
        .map(|o| o.name.clone())
        .unwrap_or_default())
}

/// Every (section, item) of an instrument, in order.
pub(super) fn all_items(i: &Instrument) -> impl Iterator<Item = (&Section, &Item)> {
    i.sections
        .iter()
        .flat_map(|s| s.items.iter().map(move |it| (s, it)))
}

/// An option's label, or the key if the scale no longer has it.
pub(super) fn option_label(i: &Instrument, item: &Item, option: &str) -> String {
    i.scale(&item.scale)
        .and_then(|s| s.option(option))
        .map(|o| o.label.clone())
        .unwrap_or_else(|| option.to_string())
}
