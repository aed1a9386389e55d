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

/// The plan as CSV (the same filters; every matching row, not one page).
pub(super) async fn csv_export(
    State(state): State<AppState>,
    m: Member,
    Query(q): Query<PlanQuery>,
) -> Result<Response, AppError> {
    let today = m.partnership.today();
    let mut filter = q.filter(&today);
    filter.limit = 1_000_000;
    filter.offset = 0;
    let (rows, _) = state.db.actions(m.partnership.id, &filter).await?;
    let bytes =
        actions_csv(&rows, &today, &state.public_url).map_err(|e| AppError::Internal(e.into()))?;
    let name = format!(
        "attachment; filename=\"{}-actions.csv\"",
        m.partnership.slug
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, name),
        ],
        bytes,
    )
        .into_response())
}

/// Actions as CSV, with a header row. Cells that a spreadsheet would run as a formula
/// get a leading apostrophe.
pub fn actions_csv(rows: &[ActionRow], today: &str, base: &str) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "Title",
        "Detail",
        "Owner",
        "Organisation",
        "Due",
        "Status",
        "Overdue",
        "Came from",
        "Link",
    ])?;
    let safe = csv_safe;
    for a in rows {
        w.write_record([
            safe(&a.title),
            safe(&a.detail),
            safe(&a.owner_label()),
            safe(a.owner_org_name.as_deref().unwrap_or("")),
            a.due_on.clone().unwrap_or_default(),
            a.status.label().to_string(),
            if a.is_overdue(today) { "Yes" } else { "No" }.to_string(),
            safe(&a.source),
            format!("{base}/p/{}/actions/{}", a.p_slug, a.id),
        ])?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}
