//! Results: counts, scores, spread and where people differ, with charts, CSV and PDF.

use crate::db::stock::ShippedCard;
use crate::domain::instruments::{Instrument, Item, Section};
use crate::domain::model::{Id, Partnership};
use crate::domain::roles::{Action, can};
use crate::domain::stock::*;
use crate::error::AppError;
use crate::web::charts::{self, ResultCharts, Segment, Series};
use crate::web::download::csv_safe;
use crate::web::download::file_name;
use crate::web::extract::Member;
use crate::web::instruments::RoundResults;
use crate::web::short;
use crate::web::{AppState, PageCtx, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::Arc;

use super::*;

// ---------------------------------------------------------------- results

pub struct DifferenceView {
    pub d: Difference,
    /// Cards to talk it through.
    pub cards: Vec<ShippedCard>,
    /// The action form's title, ready for a query string.
    pub action_query: String,
}

/// A score for a table cell.
pub fn score_text(v: impl Plain<Option<i64>>) -> String {
    match v.plain() {
        Some(v) => v.to_string(),
        None => "no score".into(),
    }
}

/// "4 March 2031", for templates.
pub fn day(t: impl Plain<i64>) -> String {
    crate::web::date(t.plain())
}

/// "4 March 2031 at 14:05" in `zone`, for templates.
pub fn day_time(t: impl Plain<i64>, zone: &str) -> String {
    crate::web::date_time(t.plain(), zone)
}

/// An action's status in words.
pub fn status_label(s: &str) -> &'static str {
    crate::domain::actions::ActionStatus::parse(s).map_or("", |s| s.label())
}

/// Up to `n` cards from the suggested themes, taking turns between themes.
pub(super) fn cards_for(refs: &[String], shipped: &[ShippedCard], n: usize) -> Vec<ShippedCard> {
    let per_theme: Vec<Vec<&ShippedCard>> = refs
        .iter()
        .filter_map(|r| r.split_once('/'))
        .map(|(d, t)| {
            shipped
                .iter()
                .filter(|c| c.deck_key == d && c.theme_key == t)
                .collect()
        })
        .collect();
    let mut out = Vec::new();
    for round in 0..n {
        for theme in &per_theme {
            if out.len() < n
                && let Some(c) = theme.get(round)
            {
                out.push((*c).clone());
            }
        }
    }
    out
}

pub(super) const DIVERGING: [(i64, &str); 5] = [
    (0, "#b2182b"),
    (25, "#ef8a62"),
    (50, "#d9d9d9"),
    (75, "#67a9cf"),
    (100, "#2166ac"),
];
pub(super) const SEQUENTIAL: [&str; 5] = ["#c6dbef", "#9ecae1", "#4292c6", "#08519c", "#08306b"];
pub(super) const NO_SCORE: &str = "#595959";

pub(super) fn option_colours(item: &ItemResult, scored: bool) -> Vec<&'static str> {
    let mut seq = 0;
    item.options
        .iter()
        .map(|(_, _, points)| match points {
            None => NO_SCORE,
            Some(p) if scored => DIVERGING
                .iter()
                .min_by_key(|(at, _)| (at - p).abs())
                .map(|(_, c)| *c)
                .unwrap_or(NO_SCORE),
            Some(_) => {
                let c = SEQUENTIAL[seq.min(SEQUENTIAL.len() - 1)];
                seq += 1;
                c
            }
        })
        .collect()
}

pub(super) fn item_chart(id: &str, item: &ItemResult, scored: bool, groups: &[Group]) -> String {
    let colours = option_colours(item, scored);
    let rows: Vec<(String, Vec<Segment>)> = groups
        .iter()
        .enumerate()
        .map(|(g, grp)| {
            (
                grp.name.clone(),
                item.options
                    .iter()
                    .enumerate()
                    .map(|(o, (_, label, _))| (item.percent(g, o), label.clone(), colours[o]))
                    .collect(),
            )
        })
        .collect();
    let desc = groups
        .iter()
        .enumerate()
        .map(|(g, grp)| format!("{}: {}", grp.name, item.mostly(g)))
        .collect::<Vec<_>>()
        .join(". ");
    charts::stacked(
        id,
        &format!("Answers to: {}", item.text),
        &desc,
        &rows,
        false,
    )
}

/// For a section of two questions answered on a scale of positions (the spectrum's
/// "now" and "wanted"): for each group, how many chose each position on both, and
/// the averages.
pub(super) fn position_chart(s: &SectionResult, groups: &[Group]) -> Option<String> {
    let [a, b] = s.items.as_slice() else {
        return None;
    };
    // The scale's points (not "Don't know"), by their index among the options.
    let points: Vec<(usize, i64, String)> = a
        .options
        .iter()
        .enumerate()
        .filter_map(|(o, (_, label, p))| p.map(|p| (o, p, label.clone())))
        .collect();
    if points.len() < 2 {
        return None;
    }
    let ticks: Vec<(i64, String)> = points.iter().map(|(_, p, l)| (*p, l.clone())).collect();
    let counts = |it: &crate::domain::stock::ItemResult, g: usize| -> Vec<i64> {
        let c = it.counts_of(g);
        points
            .iter()
            .map(|(o, _, _)| c.get(*o).copied().unwrap_or(0))
            .collect()
    };
    let rows: Vec<charts::PositionRow> = groups
        .iter()
        .enumerate()
        .map(|(g, grp)| charts::PositionRow {
            name: grp.name.clone(),
            counts: [counts(a, g), counts(b, g)],
            means: [a.score_of(g), b.score_of(g)],
        })
        .collect();
    let say = |c: &[i64]| -> String {
        let chose: Vec<String> = ticks
            .iter()
            .zip(c)
            .filter(|(_, n)| **n > 0)
            .map(|((_, l), n)| format!("{l} {n}"))
            .collect();
        if chose.is_empty() {
            "nobody chose a point".into()
        } else {
            chose.join(", ")
        }
    };
    let desc = rows
        .iter()
        .map(|r| {
            format!(
                "{}: {}: {}; {}: {}",
                r.name,
                short(&a.text),
                say(&r.counts[0]),
                short(&b.text),
                say(&r.counts[1])
            )
        })
        .collect::<Vec<_>>()
        .join(". ");
    Some(charts::positions(
        &format!("positions-{}", s.key),
        &format!("{}: how many chose each point, by group", s.title),
        &desc,
        &ticks,
        [a.text.as_str(), b.text.as_str()],
        &rows,
    ))
}

/// A sentence on the scores: highest and lowest principle.
pub(super) fn score_summary(sections: &[&SectionResult]) -> String {
    let scored: Vec<(&str, i64)> = sections
        .iter()
        .filter_map(|s| {
            s.scores
                .first()
                .copied()
                .flatten()
                .map(|v| (s.title.as_str(), v))
        })
        .collect();
    let (Some(hi), Some(lo)) = (
        scored.iter().max_by_key(|(_, v)| *v),
        scored.iter().min_by_key(|(_, v)| *v),
    ) else {
        return "No scores yet.".into();
    };
    if scored.len() == 1 || hi.1 == lo.1 {
        return format!("Everyone together scores {} out of 100.", hi.1);
    }
    format!(
        "Highest: {} at {} out of 100. Lowest: {} at {}.",
        hi.0, hi.1, lo.0, lo.1
    )
}

#[derive(Template)]
#[template(path = "stock/results.html")]
pub(super) struct ResultsPage<'a> {
    c: PageCtx,
    slug: String,
    r: Round,
    phrase: String,
    visible: bool,
    res: &'a Results,
    charts: &'a ResultCharts,
    scored: Vec<&'a SectionResult>,
    unscored: Vec<&'a SectionResult>,
    differences: Vec<DifferenceView>,
    batches: Vec<PaperBatch>,
    can_run: bool,
    can_edit: bool,
    raw_export: bool,
}

/// A round's instrument and results (computed once per change of its answers).
pub(super) async fn results_for(
    state: &AppState,
    r: &Round,
) -> Result<(Arc<Instrument>, Arc<RoundResults>), AppError> {
    state.instruments.results(state.db.as_ref(), r).await
}

/// The charts of a results page (drawn once per change of the round's answers).
fn draw_charts(r: &Round, res: &Results) -> ResultCharts {
    let scored: Vec<&SectionResult> = res.sections.iter().filter(|s| s.scored).collect();
    let summary = score_summary(&scored);
    let score = if scored.is_empty() || res.is_empty() {
        String::new()
    } else {
        let series: Vec<Series> = res
            .groups
            .iter()
            .enumerate()
            .map(|(g, grp)| Series {
                name: grp.name.clone(),
                values: scored.iter().map(|s| s.scores[g]).collect(),
            })
            .collect();
        charts::score_bars(
            "chart-scores",
            &format!("Scores out of 100: {}", r.instrument_title),
            &summary,
            &scored.iter().map(|s| s.title.clone()).collect::<Vec<_>>(),
            &series,
        )
    };
    let mut items = HashMap::new();
    let mut legends = HashMap::new();
    for s in &res.sections {
        let mut seen: Vec<Vec<(String, &'static str)>> = Vec::new();
        for it in &s.items {
            let entries: Vec<(String, &'static str)> = it
                .options
                .iter()
                .zip(option_colours(it, s.scored))
                .map(|((_, label, _), c)| (label.clone(), c))
                .collect();
            if !seen.contains(&entries) {
                seen.push(entries);
            }
        }
        let drawn = seen
            .iter()
            .enumerate()
            .map(|(n, entries)| {
                charts::legend(
                    &format!("legend-{}-{n}", s.key),
                    &format!("What the colours mean: {}", s.title),
                    entries,
                )
            })
            .collect();
        legends.insert(s.key.clone(), drawn);
        for (n, it) in s.items.iter().enumerate() {
            items.insert(
                it.key.clone(),
                item_chart(&format!("item-{}-{n}", s.key), it, s.scored, &res.groups),
            );
        }
    }
    let positions = res
        .sections
        .iter()
        .filter(|s| !s.scored)
        .filter_map(|s| position_chart(s, &res.groups).map(|c| (s.key.clone(), c)))
        .collect();
    ResultCharts {
        legends,
        score,
        summary,
        items,
        positions,
    }
}

pub(super) async fn results_page(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    m.require(Action::View)?;
    let r = own_round(&state, &m, id).await?;
    let today = m.partnership.today();
    let visible = r.results_visible(&today);
    let hidden = Results {
        groups: vec![],
        note: None,
        sections: vec![],
        differences: vec![],
    };
    let no_charts = ResultCharts::default();
    let (round_results, batches) = if visible {
        let (_, res) = results_for(&state, &r).await?;
        (Some(res), state.db.paper_batches(r.id).await?)
    } else {
        (None, vec![])
    };
    let (res, charts): (&Results, &ResultCharts) = match &round_results {
        Some(rr) => (rr, rr.charts(|res| draw_charts(&r, res))),
        None => (&hidden, &no_charts),
    };
    let shipped = if res.differences.is_empty() {
        Arc::default()
    } else {
        state.instruments.shipped_cards(state.db.as_ref()).await?
    };
    // Each difference gets cards the ones above it have not suggested already, where
    // its themes have enough (questions sharing a principle would otherwise all get
    // the same three).
    let mut used = std::collections::HashSet::new();
    let differences = res
        .differences
        .iter()
        .take(6)
        .map(|d| {
            let candidates = cards_for(&d.suggest, &shipped, 12);
            let (fresh, seen): (Vec<_>, Vec<_>) = candidates
                .into_iter()
                .partition(|c| !used.contains(&c.card_id));
            let cards: Vec<ShippedCard> = fresh.into_iter().chain(seen).take(3).collect();
            used.extend(cards.iter().map(|c| c.card_id));
            DifferenceView {
                cards,
                action_query: crate::web::urlencode(&format!("Talk through: {}", short(&d.title))),
                d: d.clone(),
            }
        })
        .collect();
    render(&ResultsPage {
        c: m.page(&format!("Results: {}", r.title)),
        slug: m.partnership.slug.clone(),
        phrase: r.state_phrase(&today),
        visible,
        res,
        charts,
        scored: res.sections.iter().filter(|s| s.scored).collect(),
        unscored: res.sections.iter().filter(|s| !s.scored).collect(),
        differences,
        batches,
        can_run: can(m.role(), Action::RunRound),
        can_edit: can(m.role(), Action::EditContent),
        raw_export: can(m.role(), Action::RunRound) && !r.anonymous,
        r,
    })
}

/// The newest round of `instrument` whose results are visible, with everyone's score
/// per section key.
pub async fn latest_scores(
    state: &AppState,
    partnership: &Partnership,
    instrument: &str,
) -> Result<Option<(Round, Vec<(String, Option<i64>)>)>, AppError> {
    let partnership_id = partnership.id;
    let today = partnership.today();
    let Some(r) = state
        .db
        .rounds(partnership_id)
        .await?
        .into_iter()
        .find(|r| r.instrument_key == instrument && r.results_visible(&today))
    else {
        return Ok(None);
    };
    let (_, res) = results_for(state, &r).await?;
    let scores = res
        .sections
        .iter()
        .map(|s| (s.key.clone(), s.scores.first().copied().flatten()))
        .collect();
    Ok(Some((r, scores)))
}

/// Results must be visible to export them.
pub(super) async fn visible_results(
    state: &AppState,
    m: &Member,
    id: Id,
) -> Result<(Round, Arc<Instrument>, Arc<RoundResults>), AppError> {
    let r = own_round(state, m, id).await?;
    if !r.results_visible(&m.partnership.today()) {
        return Err(AppError::Forbidden);
    }
    let (i, res) = results_for(state, &r).await?;
    Ok((r, i, res))
}

pub(super) fn csv_response(bytes: Vec<u8>, title: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, file_name(title, "csv")),
        ],
        bytes,
    )
        .into_response()
}

/// Aggregates only: counts per answer and scores, per shown group.
pub fn results_csv_bytes(res: &Results) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "Section",
        "Item",
        "Group",
        "People in group",
        "Answer",
        "Count",
        "Score (0-100)",
    ])?;
    for s in &res.sections {
        for (g, grp) in res.groups.iter().enumerate() {
            if s.scored {
                w.write_record([
                    csv_safe(&s.title),
                    "(whole section)".into(),
                    csv_safe(&grp.name),
                    grp.people.to_string(),
                    String::new(),
                    String::new(),
                    s.scores[g].map(|v| v.to_string()).unwrap_or_default(),
                ])?;
            }
        }
        for it in &s.items {
            for (g, grp) in res.groups.iter().enumerate() {
                for (o, (_, label, _)) in it.options.iter().enumerate() {
                    w.write_record([
                        csv_safe(&s.title),
                        csv_safe(&it.text),
                        csv_safe(&grp.name),
                        grp.people.to_string(),
                        csv_safe(label),
                        it.counts[g][o].to_string(),
                        String::new(),
                    ])?;
                }
                if let Some(v) = it.scores[g] {
                    w.write_record([
                        csv_safe(&s.title),
                        csv_safe(&it.text),
                        csv_safe(&grp.name),
                        grp.people.to_string(),
                        "(score)".into(),
                        it.answered(g).to_string(),
                        v.to_string(),
                    ])?;
                }
            }
        }
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

pub(super) async fn results_csv(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    m.require(Action::View)?;
    let (r, _, res) = visible_results(&state, &m, id).await?;
    let bytes = results_csv_bytes(&res).map_err(|e| AppError::Internal(e.into()))?;
    Ok(csv_response(bytes, &format!("{} results", r.title)))
}

/// Who answered what: leads only, named rounds only.
/// Each person's answers, one row per answer, in the instrument's words.
/// Each person's answers as CSV; times are read in `zone`, the partnership's.
pub(super) fn answers_csv_bytes(
    i: &Instrument,
    rows: &[RawAnswer],
    zone: &str,
) -> Result<Vec<u8>, csv::Error> {
    let items: HashMap<&str, (&Section, &Item)> = all_items(i)
        .map(|(s, it)| (it.key.as_str(), (s, it)))
        .collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "Person",
        "Organisation",
        "Section",
        "Item",
        "Answer",
        "Sent",
    ])?;
    for a in rows {
        let Some((s, it)) = items.get(a.item_key.as_str()) else {
            continue;
        };
        w.write_record([
            csv_safe(&a.person),
            csv_safe(&a.organisation),
            csv_safe(&s.title),
            csv_safe(&it.text),
            csv_safe(&option_label(i, it, &a.option_key)),
            crate::web::date_time(a.submitted_at, zone),
        ])?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

pub(super) async fn answers_csv(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    m.require(Action::RunRound)?;
    let (r, i, _) = visible_results(&state, &m, id).await?;
    if r.anonymous {
        return Err(AppError::Forbidden);
    }
    let rows = state.db.raw_answers(r.id).await?;
    let bytes = answers_csv_bytes(&i, &rows, &m.partnership.time_zone)
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(csv_response(bytes, &format!("{} answers", r.title)))
}

pub(super) async fn results_pdf(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    use crate::pdf::Block;
    m.require(Action::View)?;
    let (r, _, res) = visible_results(&state, &m, id).await?;
    let today = m.partnership.today();
    let mut b = vec![
        Block::Title(r.title.clone()),
        Block::Meta(format!(
            "{} · {} · {} · {}",
            r.instrument_title,
            r.state_phrase(&today),
            r.mode_label(),
            r.answered_phrase()
        )),
    ];
    if let Some(n) = &res.note {
        b.push(Block::Para(n.clone()));
    }
    if !res.differences.is_empty() {
        b.push(Block::Heading("Where you differ most".into()));
        for d in res.differences.iter().take(6) {
            b.push(Block::Label(d.title.clone()));
            b.push(Block::Para(d.reason.clone()));
        }
    }
    for s in &res.sections {
        b.push(Block::Heading(s.title.clone()));
        if s.scored {
            let scores: Vec<String> = res
                .groups
                .iter()
                .zip(&s.scores)
                .map(|(g, v)| {
                    format!(
                        "{}: {}",
                        g.name,
                        v.map_or("no score".into(), |v| v.to_string())
                    )
                })
                .collect();
            b.push(Block::Meta(format!(
                "Score out of 100 — {}",
                scores.join(" · ")
            )));
        }
        for it in &s.items {
            b.push(Block::Label(it.text.clone()));
            for (g, grp) in res.groups.iter().enumerate() {
                let parts: Vec<String> = it
                    .options
                    .iter()
                    .enumerate()
                    .filter(|(o, _)| it.counts[g][*o] > 0)
                    .map(|(o, (_, l, _))| format!("{l} {}", it.counts[g][o]))
                    .collect();
                let score = it.scores[g]
                    .map(|v| format!(" (score {v})"))
                    .unwrap_or_default();
                b.push(Block::Bullet(format!(
                    "{}: {}{score}",
                    grp.name,
                    if parts.is_empty() {
                        "no answers".into()
                    } else {
                        parts.join(", ")
                    }
                )));
            }
        }
    }
    let title = r.title.clone();
    let bytes = crate::work::file(move || crate::pdf::document_pdf(&title, &b)).await??;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, file_name(&r.title, "pdf")),
        ],
        bytes,
    )
        .into_response())
}
