//! Who is coming: members and named guests.

use crate::domain::conversations::*;
use crate::domain::decks::tidy;
use crate::domain::model::Id;
use crate::domain::now;
use crate::domain::roles::Action;
use crate::error::AppError;
use crate::web::extract::{Member, NoFields, SafeForm};
use crate::web::{AppState, redirect_with_flash};
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use std::collections::HashMap;

use super::*;

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct AttendeeForm {
    /// A member's user id, or "all" for everyone.
    member: String,
    name: String,
    organisation: String,
}

pub(super) async fn add_attendee(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<AttendeeForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let conv = own_conversation(&state, &m, id).await?;
    let url = format!("{}#people", conv_url(&m.partnership.slug, id));
    let d = state
        .directory
        .get(state.db.as_ref(), &m.partnership)
        .await?;
    if !f.member.is_empty() {
        let chosen: Vec<_> = if f.member == "all" {
            d.members.iter().collect()
        } else {
            let uid: Id = f.member.parse().map_err(|_| AppError::NotFound)?;
            let p = d
                .members
                .iter()
                .find(|p| p.user_id == uid)
                .ok_or(AppError::NotFound)?;
            vec![p]
        };
        let mut added = 0;
        for p in chosen {
            if state
                .db
                .add_attendee(id, Some(p.user_id), &p.display_name, &p.organisation_name)
                .await?
            {
                added += 1;
            }
        }
        let message = match added {
            0 => "They were already on the list.".to_string(),
            1 => "Added to the list of people coming.".to_string(),
            n => format!("{n} people added to the list."),
        };
        return Ok(redirect_with_flash(&url, &message));
    }
    let name = tidy(&f.name);
    let organisation = tidy(&f.organisation);
    let mut bounced = crate::web::Bounced::at("guest");
    if name.is_empty() {
        bounced = bounced.error("name", "guest-name", "Enter the guest's name");
    } else if name.chars().count() > 200 {
        bounced = bounced.error(
            "name",
            "guest-name",
            "Keep the name to 200 characters or fewer",
        );
    }
    if organisation.chars().count() > 200 {
        bounced = bounced.error(
            "organisation",
            "guest-org",
            "Keep the organisation to 200 characters or fewer",
        );
    }
    if bounced.has_problems() {
        let bounced = bounced
            .typed("name", f.name.clone())
            .typed("organisation", f.organisation.clone());
        return super::page::page_with(&state, &m, id, bounced).await;
    }
    state
        .db
        .add_attendee(id, None, &name, &organisation)
        .await?;
    log(
        &state,
        &m,
        format!("added the guest {name} to “{}”", conv.title),
        &url,
    )
    .await?;
    Ok(redirect_with_flash(
        &url,
        &format!("{name} added as a guest."),
    ))
}

/// Who came, after the meeting: `came-{entry}` = "came" | "apologies" | "" for each
/// entry on the list.
pub(super) async fn save_attendance(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<HashMap<String, String>>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let conv = own_conversation(&state, &m, id).await?;
    let list = state.db.attendees(id).await?;
    let marks: Vec<(Id, &str)> = list
        .iter()
        .filter_map(|a| {
            let v = f.get(&format!("came-{}", a.id))?;
            let mark = match v.as_str() {
                "came" => "came",
                "apologies" => "apologies",
                _ => "",
            };
            Some((a.id, mark))
        })
        .collect();
    state.db.set_attendance(id, &marks).await?;
    let came = marks.iter().filter(|(_, m)| *m == "came").count();
    let url = format!("{}#people", conv_url(&m.partnership.slug, id));
    log(
        &state,
        &m,
        format!("recorded who came to “{}”", conv.title),
        &url,
    )
    .await?;
    Ok(redirect_with_flash(
        &url,
        &format!(
            "Attendance saved: {came} {} came.",
            if came == 1 { "person" } else { "people" }
        ),
    ))
}

pub(super) async fn remove_attendee(
    State(state): State<AppState>,
    m: Member,
    Path((_, id, attendee)): Path<(String, Id, Id)>,
    SafeForm(_): SafeForm<NoFields>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    own_conversation(&state, &m, id).await?;
    if !state.db.remove_attendee(id, attendee).await? {
        return Err(AppError::NotFound);
    }
    Ok(redirect_with_flash(
        &format!("{}#people", conv_url(&m.partnership.slug, id)),
        "Taken off the list.",
    ))
}

/// Views grouped for exports: item id → (author if named, body).
pub fn open_views(
    conv: &Conversation,
    views: Vec<PriorView>,
) -> HashMap<Id, Vec<(Option<String>, String)>> {
    let mut out: HashMap<Id, Vec<(Option<String>, String)>> = HashMap::new();
    if !conv.views_open(now()) {
        return out;
    }
    for v in views {
        out.entry(v.item_id)
            .or_default()
            .push((conv.views_named.then_some(v.author), v.body));
    }
    out
}
