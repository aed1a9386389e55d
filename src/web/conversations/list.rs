//! The list of a partnership's conversations.

use crate::domain::conversations::*;
use crate::domain::now;
use crate::domain::roles::{Action, can};
use crate::error::AppError;
use crate::web::extract::Member;
use crate::web::{AppState, PageCtx, render};
use askama::Template;
use axum::extract::State;
use axum::response::Response;

pub(super) struct ListRow {
    c: Conversation,
    when: String,
}

#[derive(Template)]
#[template(path = "conversations/list.html")]
pub(super) struct ListPage {
    c: PageCtx,
    slug: String,
    upcoming: Vec<ListRow>,
    past: Vec<ListRow>,
    can_edit: bool,
}

pub(super) async fn list(State(state): State<AppState>, m: Member) -> Result<Response, AppError> {
    let all = state.db.conversations(m.partnership.id).await?;
    let now = now();
    let (mut upcoming, mut past) = (Vec::new(), Vec::new());
    for c in all {
        let row = ListRow { when: c.when(), c };
        if row.c.status == ConversationStatus::Planned
            && row.c.starts_at.is_none_or(|t| t + 6 * 3600 >= now)
        {
            upcoming.push(row);
        } else {
            past.push(row);
        }
    }
    // Soonest first for what is coming up.
    upcoming.reverse();
    render(&ListPage {
        c: m.page("Conversations"),
        slug: m.partnership.slug.clone(),
        upcoming,
        past,
        can_edit: can(m.role(), Action::EditContent),
    })
}
