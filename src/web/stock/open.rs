//! Opening a round: choose the instrument, name, days and whether it is anonymous.

use crate::domain::decks::tidy;
use crate::domain::instruments::Instrument;
use crate::domain::now;
use crate::domain::roles::Action;
use crate::domain::stock::*;
use crate::domain::time::{add_days, parse_day};
use crate::error::AppError;
use crate::web::extract::{Member, SafeForm};
use crate::web::{AppState, Errors, PageCtx, redirect_with_flash, render_status};
use crate::web::{activity::log, short};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use std::sync::Arc;

use super::*;

// ---------------------------------------------------------------- opening a round

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct RoundForm {
    instrument: String,
    title: String,
    opens: String,
    closes: String,
    mode: String,
}

#[derive(Template)]
#[template(path = "stock/new.html")]
pub(super) struct NewPage {
    c: PageCtx,
    slug: String,
    instruments: Vec<Arc<Instrument>>,
    errors: Errors,
    f: RoundForm,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct NewQuery {
    instrument: String,
}

pub(super) async fn new_form(
    state: &AppState,
    m: &Member,
    errors: Errors,
    f: RoundForm,
) -> Result<Response, AppError> {
    let instruments = state
        .instruments
        .latest(state.db.as_ref())
        .await?
        .into_iter()
        .map(|(_, i)| i)
        .collect();
    render_status(
        errors.status(),
        &NewPage {
            c: m.page("Open a round"),
            slug: m.partnership.slug.clone(),
            instruments,
            errors,
            f,
        },
    )
}

pub(super) async fn new_page(
    State(state): State<AppState>,
    m: Member,
    Query(q): Query<NewQuery>,
) -> Result<Response, AppError> {
    m.require(Action::RunRound)?;
    let today = m.partnership.today();
    let f = RoundForm {
        instrument: if q.instrument.is_empty() {
            "health-check".into()
        } else {
            q.instrument
        },
        title: String::new(),
        closes: add_days(&today, 14),
        opens: today,
        mode: "anonymous".into(),
    };
    new_form(&state, &m, Errors::default(), f).await
}

pub(super) async fn create(
    State(state): State<AppState>,
    m: Member,
    SafeForm(f): SafeForm<RoundForm>,
) -> Result<Response, AppError> {
    m.require(Action::RunRound)?;
    let today = m.partnership.today();
    let mut errors = Errors::default();
    let latest = state.instruments.latest(state.db.as_ref()).await?;
    let instrument = latest.iter().find(|(_, i)| i.key == f.instrument);
    if instrument.is_none() {
        errors.add("instrument", "Choose what to ask");
    }
    let mut title = tidy(&f.title);
    if title.chars().count() > 120 {
        errors.add("title", "Keep the name to 120 characters or fewer");
    }
    let opens = parse_day(&f.opens).map(|d| d.to_string());
    let closes = parse_day(&f.closes).map(|d| d.to_string());
    match (&opens, &closes) {
        (Err(e), _) => errors.add("opens", e.clone()),
        (_, Err(e)) => errors.add("closes", e.clone()),
        (Ok(o), Ok(c)) if c < o => errors.add(
            "closes",
            "The closing day must be on or after the opening day",
        ),
        (_, Ok(c)) if c.as_str() < today.as_str() => errors.add(
            "closes",
            "The closing day has already passed; choose today or later",
        ),
        _ => {}
    }
    let anonymous = match f.mode.as_str() {
        "anonymous" => true,
        "named" => false,
        _ => {
            errors.add("mode", "Choose named or anonymous answers");
            false
        }
    };
    let (Some((iid, inst)), Ok(opens), Ok(closes), true) =
        (instrument, opens, closes, errors.is_empty())
    else {
        return new_form(&state, &m, errors, f).await;
    };
    if title.is_empty() {
        title = format!("{} — {}", inst.title, day_words(&opens));
    }
    let id = state
        .db
        .create_round(
            m.partnership.id,
            &RoundFields {
                instrument_id: *iid,
                title: title.clone(),
                opens_on: opens,
                closes_on: closes,
                anonymous,
            },
            m.user.id,
            now(),
        )
        .await?;
    let url = round_url(&m.partnership.slug, id);
    log(
        &state,
        &m,
        format!("opened the round “{}”", short(&title)),
        &url,
    )
    .await?;
    Ok(redirect_with_flash(
        &url,
        "Round opened. Share the link with the partnership so people can answer.",
    ))
}
