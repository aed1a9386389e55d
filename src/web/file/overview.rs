//! The file's overview (`/p/{slug}/file`): each part's state in words, what needs
//! attention, and the health-check statements the file shows to be true.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use crate::domain::file::*;
use crate::domain::format_date;
use crate::domain::time::format_day;
use crate::error::AppError;
use crate::web::checklists::{FileLink, file_links};
use crate::web::extract::Member;
use crate::web::{AppState, PageCtx, render};

#[derive(Template)]
#[template(path = "file/overview.html")]
struct OverviewPage {
    c: PageCtx,
    slug: String,
    s: FileSummary,
    last_move: Option<String>,
    last_evidence: Option<String>,
    comms_next: Option<String>,
    attention: Vec<(String, &'static str)>,
    statements: Vec<FileLink>,
}

pub(super) async fn overview(
    State(state): State<AppState>,
    m: Member,
) -> Result<Response, AppError> {
    let s = state
        .db
        .file_summary(m.partnership.id, &m.partnership.today())
        .await?;
    let statements = file_links(&state, &m.partnership.slug, &s).await?;
    render(&OverviewPage {
        c: m.page("The partnership file"),
        slug: m.partnership.slug.clone(),
        last_move: s.last_move.map(format_date),
        last_evidence: s.last_evidence.as_deref().map(format_day),
        comms_next: s.comms_next.as_deref().map(format_day),
        attention: s.attention(),
        statements,
        s,
    })
}
