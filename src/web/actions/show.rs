//! One action: its history, status and progress notes.

use crate::domain::actions::*;
use crate::domain::model::Id;
use crate::domain::now;
use crate::domain::roles::{Action, can};
use crate::error::AppError;
use crate::web::conversations::{conv_url, item_url};
use crate::web::extract::{Member, SafeForm};
use crate::web::{AppState, PageCtx, redirect_with_flash, render};
use crate::web::{activity::log, short};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;

use super::*;

// ---------------------------------------------------------------- one action

#[derive(Template)]
#[template(path = "actions/show.html")]
pub(super) struct ShowPage {
    c: PageCtx,
    slug: String,
    a: ActionRow,
    events: Vec<ActionEvent>,
    overdue: bool,
    statuses: Vec<ActionStatus>,
    can_edit: bool,
    source_link: Option<String>,
    /// The owner is an observer, who cannot update it.
    owner_observes: bool,
}

pub(super) async fn show(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    let a = own_action(&state, &m, id).await?;
    let events = state.db.action_events(id).await?;
    let source_link = match (a.conversation_id, a.item_id) {
        (Some(c), Some(i)) => Some(item_url(&m.partnership.slug, c, i)),
        (Some(c), None) => Some(conv_url(&m.partnership.slug, c)),
        _ => None,
    };
    let dir = state
        .directory
        .get(state.db.as_ref(), &m.partnership)
        .await?;
    let owner_observes = a.owner_user_id.is_some_and(|u| dir.is_observer(u));
    render(&ShowPage {
        owner_observes,
        c: m.page(&short(&a.title)),
        slug: m.partnership.slug.clone(),
        overdue: a.is_overdue(&m.partnership.today()),
        events,
        statuses: ActionStatus::ALL.to_vec(),
        can_edit: can(m.role(), Action::EditContent),
        source_link,
        a,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct StatusForm {
    status: String,
    note: String,
}

pub(super) async fn status(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<StatusForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let a = own_action(&state, &m, id).await?;
    let url = format!("/p/{}/actions/{id}", m.partnership.slug);
    let Some(new_status) = ActionStatus::parse(&f.status) else {
        return Ok(redirect_with_flash(&url, "Choose a status."));
    };
    let note = f.note.trim();
    if note.chars().count() > 2_000 {
        return Ok(redirect_with_flash(
            &url,
            "A progress note must be 2,000 characters or fewer. Nothing was changed.",
        ));
    }
    if new_status == a.status && note.is_empty() {
        return Ok(redirect_with_flash(
            &url,
            "Nothing to save: the status is the same and the note is empty.",
        ));
    }
    state
        .db
        .update_action_status(id, new_status, note, m.user.id, now())
        .await?;
    let what = if new_status != a.status {
        format!(
            "marked the action “{}” as {}",
            short(&a.title),
            new_status.label().to_lowercase()
        )
    } else {
        format!("added a progress note to “{}”", short(&a.title))
    };
    log(&state, &m, what, &url).await?;
    Ok(redirect_with_flash(&url, "Progress saved."))
}
