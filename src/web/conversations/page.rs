//! The conversation page: agenda, status, views before the meeting, deleting.

use crate::domain::model::Id;
use crate::domain::now;
use crate::domain::roles::{Action, can};
use crate::domain::{actions::*, conversations::*, time::*};
use crate::error::AppError;
use crate::web::extract::{Member, SafeForm};
use crate::web::{AppState, Bounced, PageCtx, redirect_with_flash, render, render_status, short};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;

use super::*;

/// An agenda item as the conversation page shows it.
pub struct ItemView {
    pub item: AgendaItem,
    pub text_class: &'static str,
    pub first: bool,
    pub last: bool,
    /// How many pre-meeting views it has.
    pub view_count: usize,
}

pub(super) fn item_views(items: Vec<AgendaItem>, views: &[PriorView]) -> Vec<ItemView> {
    let n = items.len();
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| ItemView {
            text_class: crate::web::decks::on_colour(&item.colour),
            first: i == 0,
            last: i + 1 == n,
            view_count: views.iter().filter(|v| v.item_id == item.id).count(),
            item,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "conversations/conversation.html")]
pub(super) struct ConversationPage {
    c: PageCtx,
    slug: String,
    conv: Conversation,
    when: String,
    place_is_link: bool,
    items: Vec<ItemView>,
    total: String,
    attendees: Vec<Attendee>,
    /// Members not yet on the list: (user id, "Name (Organisation)").
    invitable: Vec<(Id, String)>,
    actions: Vec<ActionRow>,
    today: String,
    views_open: bool,
    can_edit: bool,
    can_run: bool,
    statuses: Vec<ConversationStatus>,
    /// A form of this page sent back with a problem.
    bounced: Bounced,
    /// The meeting has started or been marked as held: who came can be recorded.
    after: bool,
}

pub(super) async fn page(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    page_with(&state, &m, id, Bounced::none()).await
}

/// The conversation page, with one of its forms sent back if `bounced` says so (then
/// with status 422).
pub(super) async fn page_with(
    state: &AppState,
    m: &Member,
    id: Id,
    bounced: Bounced,
) -> Result<Response, AppError> {
    let conv = own_conversation(state, m, id).await?;
    let (items, attendees, actions, views) = tokio::try_join!(
        state.db.agenda(id),
        state.db.attendees(id),
        state.db.conversation_actions(id),
        state.db.views(id),
    )?;
    let d = state
        .directory
        .get(state.db.as_ref(), &m.partnership)
        .await?;
    let invitable = d
        .members
        .iter()
        .filter(|p| !attendees.iter().any(|a| a.user_id == Some(p.user_id)))
        .map(|p| {
            (
                p.user_id,
                format!("{} ({})", p.display_name, p.organisation_name),
            )
        })
        .collect();
    let total: i64 = items.iter().map(|i| i.minutes).sum();
    let quiet = bounced.has_problems();
    render_status(
        bounced.status(),
        &ConversationPage {
            bounced,
            c: m.page(&conv.title).quiet(quiet),
            slug: m.partnership.slug.clone(),
            when: conv.when(),
            place_is_link: conv.place.starts_with("https://") || conv.place.starts_with("http://"),
            views_open: conv.views_open(now()),
            after: conv.status != ConversationStatus::Planned
                || conv.starts_at.is_some_and(|t| t <= now()),
            items: item_views(items, &views),
            total: duration(total),
            attendees,
            invitable,
            actions,
            today: today(&conv.time_zone),
            can_edit: can(m.role(), Action::EditContent),
            can_run: can(m.role(), Action::RunConversation),
            statuses: ConversationStatus::ALL.to_vec(),
            conv,
        },
    )
}

#[derive(Deserialize)]
pub(super) struct StatusForm {
    status: String,
    /// "yes" from the page that asks before marking a meeting far ahead as held.
    #[serde(default)]
    confirm: String,
}

/// Marking a meeting as held this far before its start asks first.
const HELD_EARLY_DAYS: i64 = 14;

pub(super) async fn set_status(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<StatusForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let conv = own_conversation(&state, &m, id).await?;
    let status = ConversationStatus::parse(&f.status)
        .ok_or_else(|| AppError::BadRequest("unknown status".into()))?;
    let url = conv_url(&m.partnership.slug, id);
    if status == ConversationStatus::Held
        && f.confirm != "yes"
        && conv
            .starts_at
            .is_some_and(|t| t > now() + HELD_EARLY_DAYS * 86_400)
    {
        return render(&crate::web::ConfirmPage {
            c: m.page(&format!("Mark “{}” as held?", short(&conv.title))),
            heading: format!("Mark “{}” as held already?", conv.title),
            lines: vec![
                format!(
                    "It is planned for {}, more than two weeks from now.",
                    conv.when()
                ),
                "Marking it as held shows everyone's views from before the meeting and \
                 treats the notes as a record of what happened. If the meeting has not \
                 taken place yet, keep it as planned."
                    .into(),
            ],
            action: format!("{url}/status"),
            fields: vec![("status".into(), status.as_str().into())],
            button: "Yes, it has been held",
            warning: false,
            back: url,
            back_label: "No, keep it planned",
        });
    }
    state.db.set_conversation_status(id, status, now()).await?;
    log(
        &state,
        &m,
        format!(
            "marked “{}” as {}",
            conv.title,
            status.label().to_lowercase()
        ),
        &url,
    )
    .await?;
    let message = match status {
        ConversationStatus::Planned => "Marked as planned.",
        ConversationStatus::Held => {
            "Marked as held. Everyone's views before the meeting can now be read."
        }
        ConversationStatus::WrittenUp => "Written up. The summary is ready to share.",
    };
    Ok(redirect_with_flash(&url, message))
}

#[derive(Deserialize)]
pub(super) struct ViewsForm {
    /// "named" or "anonymous".
    mode: String,
    /// "yes" to reveal now, "no" to keep hidden.
    #[serde(default)]
    reveal: String,
}

pub(super) async fn set_views(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<ViewsForm>,
) -> Result<Response, AppError> {
    m.require(Action::RunConversation)?;
    let conv = own_conversation(&state, &m, id).await?;
    let named = match f.mode.as_str() {
        "named" => true,
        "anonymous" => false,
        _ => return Err(AppError::BadRequest("unknown views mode".into())),
    };
    let reveal = f.reveal == "yes";
    state.db.set_views(id, named, reveal, now()).await?;
    let url = conv_url(&m.partnership.slug, id);
    if reveal && !conv.views_revealed {
        log(
            &state,
            &m,
            format!("revealed the views for “{}”", conv.title),
            &url,
        )
        .await?;
    }
    let message = match (reveal, named) {
        (true, _) => "Views revealed: everyone in the partnership can now read them.",
        (false, true) => "Saved. Views will show people's names.",
        (false, false) => "Saved. Views will be shown without names.",
    };
    Ok(redirect_with_flash(&url, message))
}

/// Delete a conversation, once its runner has said yes on a page that says what goes.
pub(super) async fn delete(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<crate::web::Confirmed>,
) -> Result<Response, AppError> {
    m.require(Action::RunConversation)?;
    let conv = own_conversation(&state, &m, id).await?;
    if !f.yes() {
        let back = conv_url(&m.partnership.slug, id);
        return render(&crate::web::ConfirmPage {
            c: m.page(&format!("Delete “{}”?", short(&conv.title))),
            heading: format!("Delete “{}”?", conv.title),
            lines: vec![
                "This removes its agenda, everyone's views and the notes of what was \
                 said, for good: it cannot be undone. Its actions stay on the action plan."
                    .into(),
                "If you might want the record, download its summary first (from the \
                 conversation's page)."
                    .into(),
            ],
            fields: Vec::new(),
            action: format!("{back}/delete"),
            button: "Yes, delete it",
            warning: true,
            back,
            back_label: "No, keep it",
        });
    }
    state.db.delete_conversation(id).await?;
    let url = format!("/p/{}/conversations", m.partnership.slug);
    log(
        &state,
        &m,
        format!("deleted the conversation “{}”", conv.title),
        "",
    )
    .await?;
    Ok(redirect_with_flash(
        &url,
        "Conversation deleted. Its actions stay on the action plan.",
    ))
}
