//! A conversation's details: plan a new one, edit it.

use crate::db::Saved;
use crate::domain::decks::tidy;
use crate::domain::model::Id;
use crate::domain::now;
use crate::domain::roles::Action;
use crate::domain::{conversations::*, time::*};
use crate::error::AppError;
use crate::web::conflict::{ConflictField, conflict};
use crate::web::extract::{Member, SafeForm};
use crate::web::{AppState, Errors, PageCtx, redirect_with_flash, render_status};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;

use super::*;

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct DetailsForm {
    title: String,
    date: String,
    time: String,
    time_zone: String,
    place: String,
    facilitator: String,
    purpose: String,
    version: i64,
}

#[derive(Template)]
#[template(path = "conversations/details.html")]
pub(super) struct DetailsPage {
    c: PageCtx,
    slug: String,
    /// None when making a new one.
    conv_id: Option<Id>,
    errors: Errors,
    f: DetailsForm,
    people: Vec<(Id, String)>,
    zones: Vec<&'static str>,
}

pub(super) async fn people(state: &AppState, m: &Member) -> Result<Vec<(Id, String)>, AppError> {
    let d = state
        .directory
        .get(state.db.as_ref(), &m.partnership)
        .await?;
    let mut v: Vec<(Id, String)> = d
        .members
        .iter()
        .map(|p| {
            (
                p.user_id,
                format!("{} ({})", p.display_name, p.organisation_name),
            )
        })
        .collect();
    v.sort_by_key(|a| a.1.to_lowercase());
    Ok(v)
}

pub(super) async fn details_page(
    state: &AppState,
    m: &Member,
    conv_id: Option<Id>,
    errors: Errors,
    f: DetailsForm,
) -> Result<Response, AppError> {
    let status = errors.status();
    let title = if conv_id.is_some() {
        "Change the conversation's details"
    } else {
        "Plan a conversation"
    };
    render_status(
        status,
        &DetailsPage {
            c: m.page(title),
            slug: m.partnership.slug.clone(),
            conv_id,
            errors,
            f,
            people: people(state, m).await?,
            zones: TIME_ZONES.to_vec(),
        },
    )
}

pub(super) async fn new_page(
    State(state): State<AppState>,
    m: Member,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let f = DetailsForm {
        time_zone: m.partnership.time_zone.clone(),
        facilitator: m.user.id.to_string(),
        ..Default::default()
    };
    details_page(&state, &m, None, Errors::default(), f).await
}

/// Check the form; the fields to save, and a warning if the date is in the past.
pub(super) async fn check_details(
    state: &AppState,
    m: &Member,
    f: &DetailsForm,
    errors: &mut Errors,
) -> Result<(ConversationFields, Option<String>), AppError> {
    let title = tidy(&f.title);
    if title.is_empty() {
        errors.add("title", "Enter a title, for example \"Autumn review\"");
    } else if title.chars().count() > 200 {
        errors.add("title", "Title must be 200 characters or fewer");
    }
    let time_zone = if valid_time_zone(f.time_zone.trim()) {
        f.time_zone.trim().to_string()
    } else {
        errors.add("time_zone", "Choose a time zone from the list");
        m.partnership.time_zone.clone()
    };
    let mut starts_at = None;
    let mut warning = None;
    match (f.date.trim().is_empty(), f.time.trim().is_empty()) {
        (true, true) => {}
        (true, false) => errors.add("date", "Enter the date as well as the time"),
        (false, _) => {
            let day = parse_day(&f.date);
            let at = if f.time.trim().is_empty() {
                Ok(jiff::civil::Time::midnight())
            } else {
                parse_time(&f.time)
            };
            match (day, at) {
                (Err(e), _) => errors.add("date", e),
                (_, Err(e)) => errors.add("time", e),
                (Ok(d), Ok(t)) => match meeting_start(d, t, &time_zone) {
                    Ok(ts) => {
                        if ts < now() {
                            warning = Some(
                                "The date you gave is in the past. That is fine if you are recording a meeting that has already happened; otherwise, change the date."
                                    .to_string(),
                            );
                        }
                        starts_at = Some(ts);
                    }
                    Err(e) => errors.add("time", e),
                },
            }
        }
    }
    let place = bounded(errors, "place", "Place or link", &f.place, 500);
    let purpose = bounded(errors, "purpose", "Purpose", &f.purpose, 5_000);
    let facilitator_id = match f.facilitator.trim() {
        "" => None,
        s => {
            let id: Option<Id> = s.parse().ok();
            let d = state
                .directory
                .get(state.db.as_ref(), &m.partnership)
                .await?;
            match id.filter(|id| d.members.iter().any(|p| p.user_id == *id)) {
                Some(id) => Some(id),
                None => {
                    errors.add("facilitator", "Choose someone from the partnership");
                    None
                }
            }
        }
    };
    Ok((
        ConversationFields {
            title,
            starts_at,
            time_zone,
            place,
            facilitator_id,
            purpose,
        },
        warning,
    ))
}

pub(super) async fn create(
    State(state): State<AppState>,
    m: Member,
    SafeForm(f): SafeForm<DetailsForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let mut errors = Errors::default();
    let (fields, warning) = check_details(&state, &m, &f, &mut errors).await?;
    if !errors.is_empty() {
        return details_page(&state, &m, None, errors, f).await;
    }
    let id = state
        .db
        .create_conversation(m.partnership.id, &fields, m.user.id, now())
        .await?;
    let url = conv_url(&m.partnership.slug, id);
    log(
        &state,
        &m,
        format!("planned the conversation “{}”", fields.title),
        &url,
    )
    .await?;
    let message = warning.unwrap_or_else(|| {
        "Conversation planned. Now add cards or items to its agenda.".to_string()
    });
    Ok(redirect_with_flash(&url, &message))
}

pub(super) async fn edit_page(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let conv = own_conversation(&state, &m, id).await?;
    let (date, time) = conv
        .starts_at
        .map(|t| meeting_fields(t, &conv.time_zone))
        .unwrap_or_default();
    let f = DetailsForm {
        title: conv.title.clone(),
        date,
        time,
        time_zone: conv.time_zone.clone(),
        place: conv.place.clone(),
        facilitator: conv
            .facilitator_id
            .map(|i| i.to_string())
            .unwrap_or_default(),
        purpose: conv.purpose.clone(),
        version: conv.version,
    };
    details_page(&state, &m, Some(id), Errors::default(), f).await
}

pub(super) async fn save_details(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<DetailsForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let conv = own_conversation(&state, &m, id).await?;
    let mut errors = Errors::default();
    let (fields, warning) = check_details(&state, &m, &f, &mut errors).await?;
    if !errors.is_empty() {
        return details_page(&state, &m, Some(id), errors, f).await;
    }
    let url = conv_url(&m.partnership.slug, id);
    match state
        .db
        .update_conversation(id, f.version, &fields, now())
        .await?
    {
        Saved::Saved => {
            log(
                &state,
                &m,
                format!("changed the details of “{}”", fields.title),
                &url,
            )
            .await?;
            Ok(redirect_with_flash(
                &url,
                warning.as_deref().unwrap_or("Details saved."),
            ))
        }
        Saved::Stale => {
            let (date, time) = conv
                .starts_at
                .map(|t| meeting_fields(t, &conv.time_zone))
                .unwrap_or_default();
            let theirs_when = format!("{date} {time} ({})", conv.time_zone);
            conflict(
                &m,
                &format!("{url}/edit"),
                &url,
                conv.version,
                vec![
                    ConflictField::line("Title", "title", &conv.title, &f.title),
                    ConflictField::line("Date", "date", &theirs_when, &f.date),
                    ConflictField::line("Place or meeting link", "place", &conv.place, &f.place),
                    ConflictField::text("Purpose", "purpose", &conv.purpose, &f.purpose),
                ],
                vec![
                    ("time".into(), f.time.clone()),
                    ("time_zone".into(), f.time_zone.clone()),
                    ("facilitator".into(), f.facilitator.clone()),
                ],
            )
        }
    }
}
