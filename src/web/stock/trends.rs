//! Trends: scores per principle across rounds.

use crate::domain::roles::Action;
use crate::domain::stock::*;
use crate::error::AppError;
use crate::web::charts::{self, Series};
use crate::web::extract::Member;
use crate::web::{AppState, PageCtx, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;

use super::*;

// ---------------------------------------------------------------- trends

#[derive(Template)]
#[template(path = "stock/trends.html")]
pub(super) struct TrendsPage {
    c: PageCtx,
    slug: String,
    title: String,
    rounds: Vec<Round>,
    /// (section title, score per round)
    rows: Vec<(String, Vec<Option<i64>>)>,
    chart: String,
    summary: String,
}

pub(super) async fn trends(
    State(state): State<AppState>,
    m: Member,
    Path((_, key)): Path<(String, String)>,
) -> Result<Response, AppError> {
    m.require(Action::View)?;
    let today = m.partnership.today();
    let (_, latest) = state
        .instruments
        .latest_by_key(state.db.as_ref(), &key)
        .await?;
    let mut rounds: Vec<Round> = state
        .db
        .rounds(m.partnership.id)
        .await?
        .into_iter()
        .filter(|r| r.instrument_key == key && r.results_visible(&today))
        .collect();
    rounds.reverse();
    // Sections are matched by key across versions; the newest wording names them.
    let mut per_round = Vec::new();
    for r in &rounds {
        let (_, res) = results_for(&state, r).await?;
        per_round.push(res);
    }
    let rows: Vec<(String, Vec<Option<i64>>)> = latest
        .sections
        .iter()
        .filter(|s| s.scored)
        .map(|s| {
            (
                s.title.clone(),
                per_round
                    .iter()
                    .map(|res| {
                        res.sections
                            .iter()
                            .find(|x| x.key == s.key)
                            .and_then(|x| x.scores.first().copied().flatten())
                    })
                    .collect(),
            )
        })
        .collect();
    let mut sentences = Vec::new();
    for (title, vals) in &rows {
        let known: Vec<i64> = vals.iter().flatten().copied().collect();
        if let (Some(first), Some(last)) = (known.first(), known.last())
            && known.len() > 1
        {
            let change = match last - first {
                0 => "stayed at".to_string(),
                d if d > 0 => format!("rose by {d} to"),
                d => format!("fell by {} to", -d),
            };
            sentences.push(format!("{title} {change} {last}."));
        }
    }
    let summary = if rounds.len() < 2 {
        "Trends appear once two rounds of this instrument have results.".to_string()
    } else {
        sentences.join(" ")
    };
    // Each round is placed at the day it closed (early, if a lead closed it early).
    let labels: Vec<String> = rounds
        .iter()
        .map(|r| match r.closed_at {
            Some(t) => crate::web::date(t),
            None => day_words(&r.closes_on),
        })
        .collect();
    let chart = if rounds.len() < 2 || rows.is_empty() {
        String::new()
    } else {
        charts::trend(
            "chart-trend",
            &format!("{}: scores over time", latest.title),
            &summary,
            &labels,
            &rows
                .iter()
                .map(|(n, v)| Series {
                    name: n.clone(),
                    values: v.clone(),
                })
                .collect::<Vec<_>>(),
        )
    };
    render(&TrendsPage {
        c: m.page(&format!("Trends: {}", latest.title)),
        slug: m.partnership.slug.clone(),
        title: latest.title.clone(),
        rounds,
        rows,
        chart,
        summary,
    })
}
