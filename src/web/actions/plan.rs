//! The action plan: every action, filtered and sorted, and its CSV.

use crate::domain::actions::*;
use crate::domain::model::Id;
use crate::domain::roles::{Action, can};
use crate::error::AppError;
use crate::web::download::csv_safe;
use crate::web::extract::Member;
use crate::web::{AppState, PageCtx, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::*;

// ---------------------------------------------------------------- the plan

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct PlanQuery {
    owner: String,
    organisation: String,
    status: String,
    overdue: String,
    sort: String,
    page: i64,
}

impl PlanQuery {
    fn filter(&self, today: &str) -> ActionFilter {
        let owner_user_id = self.owner.strip_prefix("u:").and_then(|s| s.parse().ok());
        let owner_org_id = self
            .organisation
            .parse()
            .ok()
            .or_else(|| self.owner.strip_prefix("o:").and_then(|s| s.parse().ok()));
        ActionFilter {
            owner_user_id,
            owner_org_id,
            status: ActionStatus::parse(&self.status),
            overdue_before: (self.overdue == "yes").then(|| today.to_string()),
            sort: ActionSort::parse(&self.sort).unwrap_or_default(),
            limit: PAGE_SIZE,
            offset: (self.page.max(1) - 1) * PAGE_SIZE,
            skip_count: false,
        }
    }

    /// The query string for the same filters on another page (or as CSV).
    fn query(&self, page: i64) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("owner", &self.owner),
            ("organisation", &self.organisation),
            ("status", &self.status),
            ("overdue", &self.overdue),
            ("sort", &self.sort),
        ] {
            if !v.is_empty() {
                s.append_pair(k, v);
            }
        }
        if page > 1 {
            s.append_pair("page", &page.to_string());
        }
        s.finish()
    }
}

#[derive(Template)]
#[template(path = "actions/plan.html")]
pub(super) struct PlanPage {
    c: PageCtx,
    slug: String,
    q: PlanQuery,
    rows: Vec<ActionRow>,
    matching: i64,
    counts: ActionCounts,
    today: String,
    owners: Vec<(String, String)>,
    organisations: Vec<(Id, String)>,
    statuses: Vec<ActionStatus>,
    sorts: Vec<ActionSort>,
    page: i64,
    pages: i64,
    prev_query: Option<String>,
    next_query: Option<String>,
    csv_query: String,
    filtered: bool,
    can_edit: bool,
}

pub(super) async fn plan(
    State(state): State<AppState>,
    m: Member,
    Query(q): Query<PlanQuery>,
) -> Result<Response, AppError> {
    let today = m.partnership.today();
    let mut filter = q.filter(&today);
    // Unfiltered, the counts at the top already say how many match.
    filter.skip_count = filter.is_everything();
    let ((rows, matching), counts) = tokio::try_join!(
        state.db.actions(m.partnership.id, &filter),
        state.db.action_counts(m.partnership.id, &today)
    )?;
    let d = state
        .directory
        .get(state.db.as_ref(), &m.partnership)
        .await?;
    let mut owners: Vec<(String, String)> = d
        .members
        .iter()
        .map(|p| (format!("u:{}", p.user_id), p.display_name.clone()))
        .collect();
    owners.sort_by_key(|p| p.1.to_lowercase());
    let organisations = d
        .organisations
        .iter()
        .map(|o| (o.id, o.name.clone()))
        .collect();
    let matching = if matching < 0 { counts.total } else { matching };
    let page = q.page.max(1);
    let pages = ((matching + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    render(&PlanPage {
        c: m.page("Action plan"),
        slug: m.partnership.slug.clone(),
        filtered: !q.query(1).is_empty(),
        prev_query: (page > 1).then(|| q.query(page - 1)),
        next_query: (page < pages).then(|| q.query(page + 1)),
        csv_query: q.query(1),
        q,
        rows,
        matching,
        counts,
        today,
        owners,
        organisations,
        statuses: ActionStatus::ALL.to_vec(),
        sorts: ActionSort::ALL.to_vec(),
        page,
        pages,
        can_edit: can(m.role(), Action::EditContent),
    })
}

/// The plan as CSV (the same filters; every matching row, not one page). Streamed:
/// the first rows go out as soon as they are read, and the file is never built whole.
/// The rows are read at the database's pace, not the download's, so a slow
/// connection does not hold a database connection.
pub(super) async fn csv_export(
    State(state): State<AppState>,
    m: Member,
    Query(q): Query<PlanQuery>,
) -> Result<Response, AppError> {
    let today = m.partnership.today();
    let filter = q.filter(&today);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let db = state.db.clone();
    let pid = m.partnership.id;
    let mut reading = tokio::spawn(async move { db.send_actions(pid, &filter, &tx).await });
    // Wait for the first row (or the end) before answering, so that a query that
    // fails at once still gets a proper error page.
    let mut first = csv_header();
    let reading = match rx.recv().await {
        Some(row) => {
            first.extend(csv_rows(&[row], &today, &state.public_url));
            Some(reading)
        }
        None => {
            (&mut reading)
                .await
                .map_err(|e| AppError::Internal(e.into()))??;
            None
        }
    };
    let name = format!(
        "attachment; filename=\"{}-actions.csv\"",
        m.partnership.slug
    );
    let body = CsvBody {
        first: Some(first),
        rx,
        reading,
        today,
        base: state.public_url.to_string(),
    };
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, name),
        ],
        axum::body::Body::new(body),
    )
        .into_response())
}

/// The rest of the CSV: rows as they arrive, a few hundred to a chunk.
struct CsvBody {
    first: Option<Vec<u8>>,
    rx: tokio::sync::mpsc::UnboundedReceiver<ActionRow>,
    /// The task reading the rows; `None` once it has finished well.
    reading: Option<tokio::task::JoinHandle<Result<(), sqlx::Error>>>,
    today: String,
    base: String,
}

impl axum::body::HttpBody for CsvBody {
    type Data = axum::body::Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        use std::task::Poll;
        if let Some(first) = self.first.take() {
            return Poll::Ready(Some(Ok(http_body::Frame::data(first.into()))));
        }
        let mut rows = Vec::new();
        let mut ended = false;
        while rows.len() < 256 {
            match self.rx.poll_recv(cx) {
                Poll::Ready(Some(row)) => rows.push(row),
                Poll::Ready(None) => {
                    ended = true;
                    break;
                }
                Poll::Pending => break,
            }
        }
        if !rows.is_empty() {
            let chunk = csv_rows(&rows, &self.today, &self.base);
            return Poll::Ready(Some(Ok(http_body::Frame::data(chunk.into()))));
        }
        if !ended {
            return Poll::Pending;
        }
        // Every row has been read: end the file, or break it off if reading failed
        // (the browser then reports a failed download rather than a short file).
        let Some(reading) = self.reading.as_mut() else {
            return Poll::Ready(None);
        };
        match std::future::Future::poll(std::pin::Pin::new(reading), cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Ok(Ok(()))) => {
                self.reading = None;
                Poll::Ready(None)
            }
            Poll::Ready(Ok(Err(e))) => {
                self.reading = None;
                tracing::error!(error = %e, "reading actions for a CSV failed part-way");
                Poll::Ready(Some(Err(e.into())))
            }
            Poll::Ready(Err(e)) => {
                self.reading = None;
                Poll::Ready(Some(Err(e.into())))
            }
        }
    }
}

const CSV_HEADER: [&str; 10] = [
    "Title",
    "Detail",
    "If it cannot be done",
    "Owner",
    "Organisation",
    "Due",
    "Status",
    "Overdue",
    "Came from",
    "Link",
];

/// The CSV's header row.
pub(super) fn csv_header() -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = w.write_record(CSV_HEADER);
    w.into_inner().unwrap_or_default()
}

/// Rows of the CSV, without the header.
pub(super) fn csv_rows(rows: &[ActionRow], today: &str, base: &str) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    for a in rows {
        // Writing to memory cannot fail.
        let _ = w.write_record(csv_record(a, today, base));
    }
    w.into_inner().unwrap_or_default()
}

fn csv_record(a: &ActionRow, today: &str, base: &str) -> [String; 10] {
    let safe = csv_safe;
    [
        safe(&a.title),
        safe(&a.detail),
        safe(&a.contingency),
        safe(&a.owner_label()),
        safe(a.owner_org_name.as_deref().unwrap_or("")),
        a.due_on.clone().unwrap_or_default(),
        a.status.label().to_string(),
        if a.is_overdue(today) { "Yes" } else { "No" }.to_string(),
        safe(&a.source),
        format!("{base}/p/{}/actions/{}", a.p_slug, a.id),
    ]
}
