//! The page for a stale save: someone else saved first, so nothing was changed. Their
//! version is shown beside the person's own (kept, and now carrying the newer version,
//! so saving again is a deliberate choice). Used by decks, conversations and actions.
//! And the page for a save of something someone else removed meanwhile.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;

use super::extract::Member;
use super::{PageCtx, render_status};
use crate::error::AppError;

/// One field in a conflict: saved by someone else beside yours.
pub struct ConflictField {
    pub label: &'static str,
    pub name: &'static str,
    pub theirs: String,
    pub yours: String,
    /// A one-line field (an input) rather than a text area.
    pub single: bool,
}

impl ConflictField {
    pub fn line(label: &'static str, name: &'static str, theirs: &str, yours: &str) -> Self {
        ConflictField {
            label,
            name,
            theirs: theirs.to_string(),
            yours: yours.to_string(),
            single: true,
        }
    }
    pub fn text(label: &'static str, name: &'static str, theirs: &str, yours: &str) -> Self {
        ConflictField {
            single: false,
            ..Self::line(label, name, theirs, yours)
        }
    }
}

#[derive(Template)]
#[template(path = "conflict.html")]
struct ConflictPage {
    c: PageCtx,
    action: String,
    back: String,
    version: i64,
    fields: Vec<ConflictField>,
    hidden: Vec<(String, String)>,
}

/// The "someone else saved first" page: theirs beside yours (kept, and now carrying
/// the newer version, so saving again is a deliberate choice).
pub fn conflict(
    m: &Member,
    action: &str,
    back: &str,
    version: i64,
    fields: Vec<ConflictField>,
    hidden: Vec<(String, String)>,
) -> Result<Response, AppError> {
    render_status(
        StatusCode::CONFLICT,
        &ConflictPage {
            c: m.page("Someone else changed this while you were editing"),
            action: action.to_string(),
            back: back.to_string(),
            version,
            fields,
            hidden,
        },
    )
}

#[derive(Template)]
#[template(path = "gone.html")]
struct GonePage {
    c: PageCtx,
    lead: String,
    back: String,
    typed: Vec<(&'static str, String)>,
}

/// The page for a save of something removed while it was being edited: nothing was
/// saved, and what was typed is shown so it is not lost. A 404, since the thing is not
/// there; it shows only what the form sent, so it says nothing about anyone else's.
pub fn gone(
    m: &Member,
    title: &str,
    lead: &str,
    back: &str,
    typed: Vec<(&'static str, String)>,
) -> Result<Response, AppError> {
    render_status(
        StatusCode::NOT_FOUND,
        &GonePage {
            c: m.page(title),
            lead: lead.to_string(),
            back: back.to_string(),
            typed: typed
                .into_iter()
                .filter(|(_, v)| !v.trim().is_empty())
                .collect(),
        },
    )
}
