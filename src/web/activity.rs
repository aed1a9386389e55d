//! The partnership's activity feed: who changed what, and when — the page at
//! `/p/{slug}/activity`, and `log`, which every feature calls to add to it.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use crate::domain::model::{ActivityRow, Id};
use crate::domain::now;
use crate::error::AppError;
use crate::web::extract::Member;
use crate::web::{AppState, PageCtx, Routes, render};

pub fn routes(r: Routes) -> Routes {
    r.get("/p/{slug}/activity", activity)
}

/// Note a change in the partnership's activity feed.
pub async fn log(state: &AppState, m: &Member, what: String, link: &str) -> Result<(), AppError> {
    state
        .db
        .record_activity(m.partnership.id, Some(m.user.id), &what, link, now())
        .await?;
    Ok(())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ActivityQuery {
    before: Id,
}

#[derive(Template)]
#[template(path = "activity/activity.html")]
struct ActivityPage {
    c: PageCtx,
    slug: String,
    rows: Vec<(String, ActivityRow)>,
    older: Option<Id>,
}

const ACTIVITY_PAGE: i64 = 50;

async fn activity(
    State(state): State<AppState>,
    m: Member,
    Query(q): Query<ActivityQuery>,
) -> Result<Response, AppError> {
    let mut rows = state
        .db
        .activity(m.partnership.id, q.before.max(0), ACTIVITY_PAGE + 1)
        .await?;
    let older = if rows.len() as i64 > ACTIVITY_PAGE {
        rows.pop();
        rows.last().map(|r| r.id)
    } else {
        None
    };
    render(&ActivityPage {
        c: m.page("Activity"),
        slug: m.partnership.slug.clone(),
        rows: rows
            .into_iter()
            .map(|r| (crate::web::date_time(r.at, &m.partnership.time_zone), r))
            .collect(),
        older,
    })
}
