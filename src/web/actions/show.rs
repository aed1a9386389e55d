//! One action: its history, status and progress notes.

use crate::domain::actions::*;
use crate::domain::model::Id;
use crate::domain::now;
use crate::domain::roles::{Action, can};
use crate::error::AppError;
use crate::web::conversations::{conv_url, item_url};
use crate::web::extract::{Member, SafeForm};
use crate::web::{AppState, PageCtx, redirect_with_flash};
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
    /// The progress form sent back with a problem.
    bounced: crate::web::Bounced,
}

pub(super) async fn show(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    show_with(&state, &m, id, crate::web::Bounced::none()).await
}

/// The action's page, with its progress form sent back if `bounced` says so.
async fn show_with(
    state: &AppState,
    m: &Member,
    id: Id,
    bounced: crate::web::Bounced,
) -> Result<Response, AppError> {
    let a = own_action(state, m, id).await?;
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
    let quiet = bounced.has_problems();
    crate::web::render_status(
        bounced.status(),
        &ShowPage {
            bounced,
            owner_observes,
            c: m.page(&short(&a.title)).quiet(quiet),
            slug: m.partnership.slug.clone(),
            overdue: a.is_overdue(&m.partnership.today()),
            events,
            statuses: ActionStatus::ALL.to_vec(),
            can_edit: can(m.role(), Action::EditContent),
            source_link,
            a,
        },
    )
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
        return Ok(crate::web::redirect_with_problem(&url, "Choose a status."));
    };
    let note = f.note.trim();
    if note.chars().count() > 2_000 {
        let bounced = crate::web::Bounced::at("progress")
            .error(
                "note",
                "note",
                "Keep the progress note to 2,000 characters or fewer. Nothing was changed yet.",
            )
            .typed("note", f.note.clone())
            .typed("status", f.status.clone());
        return show_with(&state, &m, id, bounced).await;
    }
    if new_status == a.status && note.is_empty() {
        return Ok(crate::web::redirect_with_problem(
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
