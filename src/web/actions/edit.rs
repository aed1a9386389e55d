//! A new action, and editing one (version-checked).

use crate::db::Saved;
use crate::domain::decks::tidy;
use crate::domain::model::Id;
use crate::domain::now;
use crate::domain::roles::Action;
use crate::domain::{actions::*, time::*};
use crate::error::AppError;
use crate::web::conflict::{ConflictField, conflict};
use crate::web::conversations::{conv_url, item_url, own_conversation, own_item};
use crate::web::directory::{chosen_owner, owner_key};
use crate::web::extract::{Member, SafeForm};
use crate::web::{AppState, Errors, PageCtx, redirect_with_flash, render_status};
use crate::web::{activity::log, short};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::*;

// ---------------------------------------------------------------- new and edit

/// The longest "if it cannot be done", in characters.
const MAX_CONTINGENCY: usize = 2_000;

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ActionForm {
    title: String,
    detail: String,
    contingency: String,
    owner: String,
    due: String,
    version: i64,
    conversation: Option<Id>,
    item: Option<Id>,
}

impl ActionForm {
    /// A new action's form as filled in elsewhere (a live session's thought): its
    /// words, the owner's key and the due date as typed.
    pub(crate) fn new_action(title: &str, owner: &str, due: &str) -> Self {
        ActionForm {
            title: title.to_string(),
            owner: owner.to_string(),
            due: due.to_string(),
            ..Default::default()
        }
    }
}

#[derive(Template)]
#[template(path = "actions/form.html")]
pub(super) struct FormPage {
    c: PageCtx,
    slug: String,
    action_id: Option<Id>,
    source: String,
    errors: Errors,
    f: ActionForm,
    owners: Vec<(String, String)>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct NewQuery {
    conversation: Option<Id>,
    item: Option<Id>,
    title: String,
}

pub(crate) async fn source_for(
    state: &AppState,
    m: &Member,
    conversation: Option<Id>,
    item: Option<Id>,
) -> Result<ActionSource, AppError> {
    let Some(cid) = conversation else {
        return Ok(ActionSource::default());
    };
    let conv = own_conversation(state, m, cid).await?;
    let mut label = format!("Conversation: {}", conv.title);
    let item_id = match item {
        Some(iid) => {
            let it = own_item(state, &conv, iid).await?;
            label.push_str(&format!(" — {}", short(&it.title)));
            Some(it.id)
        }
        None => None,
    };
    Ok(ActionSource {
        conversation_id: Some(conv.id),
        item_id,
        label,
    })
}

pub(super) async fn form_page(
    state: &AppState,
    m: &Member,
    action: Option<&ActionRow>,
    source: String,
    errors: Errors,
    f: ActionForm,
) -> Result<Response, AppError> {
    let status = errors.status();
    render_status(
        status,
        &FormPage {
            c: m.page(if action.is_some() {
                "Change an action"
            } else {
                "Add an action"
            }),
            slug: m.partnership.slug.clone(),
            action_id: action.map(|a| a.id),
            source,
            errors,
            f,
            owners: state
                .directory
                .get(state.db.as_ref(), &m.partnership)
                .await?
                .owner_choices(action),
        },
    )
}

pub(super) async fn new_page(
    State(state): State<AppState>,
    m: Member,
    Query(q): Query<NewQuery>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let source = source_for(&state, &m, q.conversation, q.item).await?;
    let f = ActionForm {
        title: q.title,
        conversation: q.conversation,
        item: q.item,
        ..Default::default()
    };
    form_page(&state, &m, None, source.label, Errors::default(), f).await
}

/// Check the form against the partnership's people and organisations.
pub(crate) async fn check(
    state: &AppState,
    m: &Member,
    f: &ActionForm,
    current: Option<&ActionRow>,
    errors: &mut Errors,
) -> Result<ActionFields, AppError> {
    let title = tidy(&f.title);
    if title.is_empty() {
        errors.add("title", "Enter what needs doing");
    } else if title.chars().count() > 300 {
        errors.add(
            "title",
            "Keep the title to 300 characters or fewer; put more in the detail",
        );
    }
    let detail = f.detail.trim().to_string();
    if detail.chars().count() > 10_000 {
        errors.add("detail", "Detail must be 10,000 characters or fewer");
    }
    let contingency = f.contingency.trim().to_string();
    if contingency.chars().count() > MAX_CONTINGENCY {
        errors.add(
            "contingency",
            "Keep what you would do instead to 2,000 characters or fewer",
        );
    }
    let choices = state
        .directory
        .get(state.db.as_ref(), &m.partnership)
        .await?
        .owner_choices(current);
    let (owner_user_id, owner_org_id) = chosen_owner(&choices, &f.owner).unwrap_or_else(|| {
        errors.add(
            "owner",
            "Choose someone in the partnership, or one of its organisations",
        );
        (None, None)
    });
    let due_on = match f.due.trim() {
        "" => None,
        s => match parse_day(s) {
            Ok(d) => Some(d.to_string()),
            Err(e) => {
                errors.add("due", e);
                None
            }
        },
    };
    Ok(ActionFields {
        title,
        detail,
        contingency,
        owner_user_id,
        owner_org_id,
        due_on,
    })
}

pub(super) async fn create(
    State(state): State<AppState>,
    m: Member,
    SafeForm(f): SafeForm<ActionForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let source = source_for(&state, &m, f.conversation, f.item).await?;
    let mut errors = Errors::default();
    let fields = check(&state, &m, &f, None, &mut errors).await?;
    if !errors.is_empty() {
        return form_page(&state, &m, None, source.label, errors, f).await;
    }
    let id = state
        .db
        .create_action(m.partnership.id, &fields, &source, m.user.id, now())
        .await?;
    let url = format!("/p/{}/actions/{id}", m.partnership.slug);
    log(
        &state,
        &m,
        format!("added the action “{}”", short(&fields.title)),
        &url,
    )
    .await?;
    let back = match (source.conversation_id, source.item_id) {
        (Some(c), Some(i)) => format!("{}#actions", item_url(&m.partnership.slug, c, i)),
        (Some(c), None) => format!("{}#actions", conv_url(&m.partnership.slug, c)),
        _ => url,
    };
    Ok(redirect_with_flash(
        &back,
        "Action added to the action plan.",
    ))
}

pub(super) async fn edit_page(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let a = own_action(&state, &m, id).await?;
    let f = ActionForm {
        title: a.title.clone(),
        detail: a.detail.clone(),
        contingency: a.contingency.clone(),
        owner: owner_key(a.owner_user_id, a.owner_org_id),
        due: a.due_on.clone().unwrap_or_default(),
        version: a.version,
        conversation: None,
        item: None,
    };
    form_page(&state, &m, Some(&a), a.source.clone(), Errors::default(), f).await
}

pub(super) async fn save(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<ActionForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let a = own_action(&state, &m, id).await?;
    let mut errors = Errors::default();
    let fields = check(&state, &m, &f, Some(&a), &mut errors).await?;
    if !errors.is_empty() {
        return form_page(&state, &m, Some(&a), a.source.clone(), errors, f).await;
    }
    let url = format!("/p/{}/actions/{id}", m.partnership.slug);
    match state
        .db
        .update_action(id, f.version, &fields, m.user.id, now())
        .await?
    {
        Saved::Saved => {
            log(
                &state,
                &m,
                format!("changed the action “{}”", short(&fields.title)),
                &url,
            )
            .await?;
            Ok(redirect_with_flash(&url, "Action saved."))
        }
        Saved::Stale => conflict(
            &m,
            &format!("{url}/edit"),
            &url,
            a.version,
            vec![
                ConflictField::line("Title", "title", &a.title, &f.title),
                ConflictField::text("Detail", "detail", &a.detail, &f.detail),
                ConflictField::text(
                    "If it cannot be done",
                    "contingency",
                    &a.contingency,
                    &f.contingency,
                ),
                ConflictField::line("Due", "due", a.due_on.as_deref().unwrap_or(""), &f.due),
            ],
            vec![("owner".into(), f.owner.clone())],
        ),
    }
}
