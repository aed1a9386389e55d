//! Conversations: plan a meeting (details, agenda of cards and free items, who is
//! coming), gather views before it, record notes, decisions and differences for each
//! item, and move it from planned to held to written up.

mod agenda;
mod attendees;
mod details;
mod in_the_room;
mod list;
mod page;
mod record;
pub mod summary;

use self::{agenda::*, attendees::*, details::*, list::*, page::*, record::*};
pub use crate::web::activity::log;

use crate::domain::conversations::*;
use crate::domain::model::Id;
use crate::error::AppError;
use crate::web::extract::Member;
use crate::web::{AppState, Errors, Routes};

pub fn routes(r: Routes) -> Routes {
    summary::routes(r)
        .get("/p/{slug}/conversations", list)
        .get("/p/{slug}/conversations/new", new_page)
        .post_keeping("/p/{slug}/conversations", create)
        .get("/p/{slug}/conversations/{conv}", page)
        .get("/p/{slug}/conversations/{conv}/edit", edit_page)
        .post_keeping("/p/{slug}/conversations/{conv}/edit", save_details)
        .post("/p/{slug}/conversations/{conv}/status", set_status)
        .post("/p/{slug}/conversations/{conv}/views", set_views)
        .post("/p/{slug}/conversations/{conv}/delete", delete)
        .get("/p/{slug}/conversations/{conv}/add", add_page)
        .post_keeping("/p/{slug}/conversations/{conv}/items", add_item)
        .post("/p/{slug}/conversations/{conv}/draw", draw)
        .get("/p/{slug}/conversations/{conv}/items/{item}", item_page)
        .post_keeping("/p/{slug}/conversations/{conv}/items/{item}", save_plan)
        .post(
            "/p/{slug}/conversations/{conv}/items/{item}/move",
            move_item,
        )
        .post(
            "/p/{slug}/conversations/{conv}/items/{item}/delete",
            delete_item,
        )
        .post_keeping(
            "/p/{slug}/conversations/{conv}/items/{item}/record",
            save_record,
        )
        .post(
            "/p/{slug}/conversations/{conv}/items/{item}/draft",
            save_draft,
        )
        .post_keeping(
            "/p/{slug}/conversations/{conv}/items/{item}/view",
            save_view,
        )
        .post("/p/{slug}/conversations/{conv}/attendees", add_attendee)
        .post("/p/{slug}/conversations/{conv}/attendance", save_attendance)
        .post(
            "/p/{slug}/conversations/{conv}/attendees/{attendee}/remove",
            remove_attendee,
        )
        .post("/p/{slug}/cards/{card}/use", use_card)
}

/// Longest notes we keep for one item (about 30 pages of text).
pub const MAX_NOTES: usize = 100_000;
/// Longest "agreed" or "differ" list, and pre-meeting view.
pub const MAX_LIST: usize = 20_000;

pub fn conv_url(slug: &str, id: Id) -> String {
    format!("/p/{slug}/conversations/{id}")
}

pub fn item_url(slug: &str, conv: Id, item: Id) -> String {
    format!("/p/{slug}/conversations/{conv}/items/{item}")
}

/// A conversation of this partnership, else 404.
pub async fn own_conversation(
    state: &AppState,
    m: &Member,
    id: Id,
) -> Result<Conversation, AppError> {
    state
        .db
        .conversation(id)
        .await?
        .filter(|c| c.partnership_id == m.partnership.id)
        .ok_or(AppError::NotFound)
}

/// An item of this conversation, else 404.
pub async fn own_item(
    state: &AppState,
    conv: &Conversation,
    id: Id,
) -> Result<AgendaItem, AppError> {
    state
        .db
        .agenda_item(id)
        .await?
        .filter(|i| i.conversation_id == conv.id)
        .ok_or(AppError::NotFound)
}

/// Text for a field: trimmed, and within `max` characters.
fn bounded(
    errors: &mut Errors,
    field: &'static str,
    label: &str,
    value: &str,
    max: usize,
) -> String {
    let v = value.trim().to_string();
    if v.chars().count() > max {
        errors.add(field, format!("{label} must be {max} characters or fewer"));
    }
    v
}
