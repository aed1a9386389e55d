//! One agenda item: views before the meeting and the record (notes, agreed, differ).

use crate::db::Saved;
use crate::domain::model::Id;
use crate::domain::now;
use crate::domain::roles::{Action, can};
use crate::domain::{actions::*, conversations::*, time::*};
use crate::error::AppError;
use crate::web::conflict::{ConflictField, conflict};
use crate::web::extract::{Member, SafeForm};
use crate::web::short;
use crate::web::{AppState, Errors, PageCtx, redirect_with_flash, render_status};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::*;

pub(super) struct ViewShown {
    author: Option<String>,
    body: String,
    mine: bool,
}

#[derive(Template)]
#[template(path = "conversations/item.html")]
pub(super) struct ItemPage {
    c: PageCtx,
    slug: String,
    conv: Conversation,
    item: AgendaItem,
    text_class: &'static str,
    notes_html: String,
    /// The typed notes as they will look, after "Preview" (nothing saved yet).
    preview_html: Option<String>,
    saved_label: String,
    /// What is in the record form: the saved record, or a newer draft of yours.
    f: RecordForm,
    draft_note: Option<String>,
    errors: Errors,
    my_view: String,
    views: Vec<ViewShown>,
    hidden_views: usize,
    views_open: bool,
    actions: Vec<ActionRow>,
    today: String,
    owners: Vec<(String, String)>,
    previous: Option<Id>,
    next: Option<Id>,
    can_edit: bool,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct RecordForm {
    notes: String,
    agreed: String,
    differ: String,
    version: i64,
    /// Set by the Preview button: show the notes formatted, save nothing.
    preview: String,
}

pub(super) async fn item_page(
    State(state): State<AppState>,
    m: Member,
    Path((_, id, item)): Path<(String, Id, Id)>,
) -> Result<Response, AppError> {
    let conv = own_conversation(&state, &m, id).await?;
    let it = own_item(&state, &conv, item).await?;
    item_page_with(&state, &m, conv, it, None, Errors::default()).await
}

pub(super) async fn item_page_with(
    state: &AppState,
    m: &Member,
    conv: Conversation,
    it: AgendaItem,
    form: Option<RecordForm>,
    errors: Errors,
) -> Result<Response, AppError> {
    let (agenda, views, actions, draft) = tokio::try_join!(
        state.db.agenda(conv.id),
        state.db.views(conv.id),
        state.db.conversation_actions(conv.id),
        state.db.draft(m.user.id, it.id),
    )?;
    let pos = agenda.iter().position(|i| i.id == it.id).unwrap_or(0);
    let previous = pos.checked_sub(1).and_then(|p| agenda.get(p)).map(|i| i.id);
    let next = agenda.get(pos + 1).map(|i| i.id);
    let views_open = conv.views_open(now());
    let mut my_view = String::new();
    let mut shown = Vec::new();
    let mut hidden_views = 0;
    for v in views.into_iter().filter(|v| v.item_id == it.id) {
        let mine = v.user_id == m.user.id;
        if mine {
            my_view = v.body.clone();
        }
        if mine || views_open {
            shown.push(ViewShown {
                author: (conv.views_named || mine).then_some(if mine {
                    "You".to_string()
                } else {
                    v.author
                }),
                body: v.body,
                mine,
            });
        } else {
            hidden_views += 1;
        }
    }
    let mut draft_note = None;
    let preview_html = form
        .as_ref()
        .filter(|f| !f.preview.is_empty())
        .map(|f| crate::web::markdown::to_html(&f.notes));
    let f = match (form, draft) {
        (Some(f), _) => f,
        (None, Some(d)) if d.saved_at > it.updated_at || d.base_version == it.version => {
            draft_note = Some(format!(
                "We kept your unsaved draft from {}. It is in the boxes below; press Save to keep it.",
                crate::web::date_time(d.saved_at, &m.partnership.time_zone)
            ));
            RecordForm {
                notes: d.notes,
                agreed: d.agreed,
                differ: d.differ,
                version: it.version,
                preview: String::new(),
            }
        }
        _ => RecordForm {
            notes: it.notes.clone(),
            agreed: it.agreed.clone(),
            differ: it.differ.clone(),
            version: it.version,
            preview: String::new(),
        },
    };
    let owners = state
        .directory
        .get(state.db.as_ref(), &m.partnership)
        .await?
        .owner_choices(None);
    let status = errors.status();
    render_status(
        status,
        &ItemPage {
            c: m.page(&short(&it.title)),
            slug: m.partnership.slug.clone(),
            text_class: crate::web::decks::on_colour(&it.colour),
            notes_html: crate::web::markdown::to_html(&it.notes),
            preview_html,
            saved_label: crate::web::date_time(it.updated_at, &m.partnership.time_zone),
            f,
            draft_note,
            errors,
            my_view,
            views: shown,
            hidden_views,
            views_open,
            actions: actions
                .into_iter()
                .filter(|a| a.item_id == Some(it.id))
                .collect(),
            today: today(&conv.time_zone),
            owners,
            previous,
            next,
            can_edit: can(m.role(), Action::EditContent),
            conv,
            item: it,
        },
    )
}

pub(super) async fn save_record(
    State(state): State<AppState>,
    m: Member,
    Path((_, id, item)): Path<(String, Id, Id)>,
    SafeForm(f): SafeForm<RecordForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let conv = own_conversation(&state, &m, id).await?;
    let it = own_item(&state, &conv, item).await?;
    let mut errors = Errors::default();
    if f.notes.chars().count() > MAX_NOTES {
        errors.add(
            "notes",
            format!("Notes must be {MAX_NOTES} characters or fewer; split them across items"),
        );
    }
    if f.agreed.chars().count() > MAX_LIST {
        errors.add(
            "agreed",
            format!("This list must be {MAX_LIST} characters or fewer"),
        );
    }
    if f.differ.chars().count() > MAX_LIST {
        errors.add(
            "differ",
            format!("This list must be {MAX_LIST} characters or fewer"),
        );
    }
    if !errors.is_empty() {
        return item_page_with(&state, &m, conv, it, Some(f), errors).await;
    }
    if !f.preview.is_empty() {
        // Nothing is saved to the record, but the text is kept as this person's draft,
        // as autosave would, so leaving the page after a preview loses nothing.
        keep_draft(&state, &m, item, &f).await?;
        return item_page_with(&state, &m, conv, it, Some(f), errors).await;
    }
    let url = item_url(&m.partnership.slug, id, item);
    match state
        .db
        .save_record(
            item,
            f.version,
            &RecordText {
                notes: f.notes.trim_end().to_string(),
                agreed: f.agreed.trim().to_string(),
                differ: f.differ.trim().to_string(),
            },
            m.user.id,
            now(),
        )
        .await?
    {
        Saved::Saved => {
            log(
                &state,
                &m,
                format!(
                    "recorded notes on “{}” in “{}”",
                    short(&it.title),
                    conv.title
                ),
                &url,
            )
            .await?;
            Ok(redirect_with_flash(&url, "Saved."))
        }
        Saved::Stale => conflict(
            &m,
            &format!("{url}/record"),
            &url,
            it.version,
            vec![
                ConflictField::text("Notes", "notes", &it.notes, &f.notes),
                ConflictField::text("What we agreed", "agreed", &it.agreed, &f.agreed),
                ConflictField::text("Where we differ", "differ", &it.differ, &f.differ),
            ],
            vec![],
        ),
    }
}

/// Autosave (JavaScript): keep a draft of the record for this person; 204 when kept.
pub(super) async fn save_draft(
    State(state): State<AppState>,
    m: Member,
    Path((_, id, item)): Path<(String, Id, Id)>,
    SafeForm(f): SafeForm<RecordForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let conv = own_conversation(&state, &m, id).await?;
    own_item(&state, &conv, item).await?;
    if f.notes.chars().count() > MAX_NOTES
        || f.agreed.chars().count() > MAX_LIST
        || f.differ.chars().count() > MAX_LIST
    {
        return Ok(StatusCode::UNPROCESSABLE_ENTITY.into_response());
    }
    keep_draft(&state, &m, item, &f).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn keep_draft(
    state: &AppState,
    m: &Member,
    item: Id,
    f: &RecordForm,
) -> Result<(), AppError> {
    state
        .db
        .save_draft(
            m.user.id,
            item,
            &Draft {
                notes: f.notes.clone(),
                agreed: f.agreed.clone(),
                differ: f.differ.clone(),
                base_version: f.version,
                saved_at: now(),
            },
        )
        .await?;
    Ok(())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ViewForm {
    body: String,
}

pub(super) async fn save_view(
    State(state): State<AppState>,
    m: Member,
    Path((_, id, item)): Path<(String, Id, Id)>,
    SafeForm(f): SafeForm<ViewForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let conv = own_conversation(&state, &m, id).await?;
    let it = own_item(&state, &conv, item).await?;
    if f.body.chars().count() > MAX_LIST {
        let mut errors = Errors::default();
        errors.add(
            "body",
            format!("Your thoughts must be {MAX_LIST} characters or fewer"),
        );
        return item_page_with(&state, &m, conv, it, None, errors).await;
    }
    state
        .db
        .save_view(item, m.user.id, f.body.trim(), now())
        .await?;
    let url = item_url(&m.partnership.slug, id, item);
    let message = if f.body.trim().is_empty() {
        "Your thoughts on this item were removed."
    } else if conv.views_open(now()) {
        "Your thoughts are saved, and everyone can read them."
    } else {
        "Your thoughts are saved. Others will see them when the lead reveals views or the meeting starts."
    };
    Ok(redirect_with_flash(&format!("{url}#views"), message))
}
