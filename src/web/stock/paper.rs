//! Paper copies and the answers entered from them.

use crate::db::stock::NewPaper;
use crate::domain::decks::tidy;
use crate::domain::instruments::{Instrument, Item, Section};
use crate::domain::model::Id;
use crate::domain::now;
use crate::domain::roles::Action;
use crate::domain::stock::*;
use crate::error::AppError;
use crate::web::extract::{Member, SafeForm};
use crate::web::{AppState, Errors, PageCtx, redirect_with_flash, render, render_status};
use crate::web::{activity::log, short};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::*;

// ---------------------------------------------------------------- paper

#[derive(Template)]
#[template(path = "stock/paper.html")]
pub(super) struct PaperPage {
    c: PageCtx,
    slug: String,
    instrument: Arc<Instrument>,
    round: Option<Round>,
}

pub(super) async fn paper_copy(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    m.require(Action::View)?;
    let (r, instrument) = own_round_with(&state, &m, id).await?;
    render(&PaperPage {
        c: m.page(&format!("Paper copy: {}", r.title)),
        slug: m.partnership.slug.clone(),
        instrument,
        round: Some(r),
    })
}

pub(super) async fn instrument_copy(
    State(state): State<AppState>,
    m: Member,
    Path((_, key)): Path<(String, String)>,
) -> Result<Response, AppError> {
    m.require(Action::View)?;
    let (_, instrument) = state
        .instruments
        .latest_by_key(state.db.as_ref(), &key)
        .await?;
    render(&PaperPage {
        c: m.page(&instrument.title),
        slug: m.partnership.slug.clone(),
        instrument,
        round: None,
    })
}

pub(super) struct TallyRow {
    item: Item,
    /// (field name, option label, value typed)
    cells: Vec<(String, String, String)>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "stock/tally.html")]
pub(super) struct TallyPage {
    c: PageCtx,
    slug: String,
    r: Round,
    organisations: Vec<String>,
    organisation: String,
    forms: String,
    note: String,
    sections: Vec<(Section, Vec<TallyRow>)>,
    errors: Errors,
    problems: Vec<(String, String)>,
}

pub(super) fn tally_field(item: &str, option: &str) -> String {
    format!("t-{item}-{option}")
}

pub(super) async fn tally_form(
    state: &AppState,
    m: &Member,
    r: Round,
    form: &HashMap<String, String>,
    errors: Errors,
    item_errors: &HashMap<String, String>,
    problems: Vec<(String, String)>,
) -> Result<Response, AppError> {
    let i = state
        .instruments
        .get(state.db.as_ref(), r.instrument_id)
        .await?;
    let d = state
        .directory
        .get(state.db.as_ref(), &m.partnership)
        .await?;
    let sections = i
        .sections
        .iter()
        .map(|s| {
            let rows = s
                .items
                .iter()
                .map(|it| TallyRow {
                    cells: i
                        .scale(&it.scale)
                        .map(|sc| {
                            sc.options
                                .iter()
                                .map(|o| {
                                    let f = tally_field(&it.key, &o.key);
                                    let v = form.get(&f).cloned().unwrap_or_default();
                                    (f, o.label.clone(), v)
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                    error: item_errors.get(&it.key).cloned(),
                    item: it.clone(),
                })
                .collect();
            (s.clone(), rows)
        })
        .collect();
    render_status(
        if errors.is_empty() && item_errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        },
        &TallyPage {
            c: m.page(&format!("Enter paper answers: {}", r.title)),
            slug: m.partnership.slug.clone(),
            organisations: d.organisations.iter().map(|o| o.name.clone()).collect(),
            organisation: form.get("organisation").cloned().unwrap_or_default(),
            forms: form.get("forms").cloned().unwrap_or_default(),
            note: form.get("note").cloned().unwrap_or_default(),
            sections,
            errors,
            problems,
            r,
        },
    )
}

pub(super) async fn tally_page(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let r = own_round(&state, &m, id).await?;
    tally_form(
        &state,
        &m,
        r,
        &HashMap::new(),
        Errors::default(),
        &HashMap::new(),
        vec![],
    )
    .await
}

/// Most paper forms one batch may carry.
pub(super) const MAX_FORMS: i64 = 5_000;

pub(super) async fn tally_save(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(form): SafeForm<HashMap<String, String>>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let (r, i) = own_round_with(&state, &m, id).await?;
    let d = state
        .directory
        .get(state.db.as_ref(), &m.partnership)
        .await?;
    let mut errors = Errors::default();
    let mut item_errors: HashMap<String, String> = HashMap::new();
    let mut problems = Vec::new();
    let organisation = form.get("organisation").map(|s| s.trim()).unwrap_or("");
    if !organisation.is_empty() && !d.organisations.iter().any(|o| o.name == organisation) {
        errors.add(
            "organisation",
            "Choose one of the partnership's organisations, or \"Not given\"",
        );
    }
    let forms = match form
        .get("forms")
        .map(|s| s.trim())
        .unwrap_or("")
        .parse::<i64>()
    {
        Ok(n) if (1..=MAX_FORMS).contains(&n) => n,
        _ => {
            errors.add(
                "forms",
                format!(
                    "Enter how many paper copies came back, as a whole number from 1 to {MAX_FORMS}"
                ),
            );
            0
        }
    };
    let note = form.get("note").map(|s| tidy(s)).unwrap_or_default();
    if note.chars().count() > 300 {
        errors.add("note", "Keep the note to 300 characters or fewer");
    }
    // Any count for an answer the instrument does not have is refused.
    let known: HashSet<String> = all_items(&i)
        .flat_map(|(_, it)| {
            i.scale(&it.scale)
                .map(|sc| {
                    sc.options
                        .iter()
                        .map(|o| tally_field(&it.key, &o.key))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
        .collect();
    if let Some(bad) = form
        .keys()
        .find(|k| k.starts_with("t-") && !known.contains(*k))
    {
        errors.add(
            "forms",
            format!(
                "\"{bad}\" is not an answer on this form; only the answers listed can be counted"
            ),
        );
    }
    let mut lines = Vec::new();
    for (_, it) in all_items(&i) {
        let Some(sc) = i.scale(&it.scale) else {
            continue;
        };
        let mut sum = 0;
        let mut problem = None;
        for o in &sc.options {
            let raw = form
                .get(&tally_field(&it.key, &o.key))
                .map(|s| s.trim())
                .unwrap_or("");
            if raw.is_empty() {
                continue;
            }
            match raw.parse::<i64>() {
                Ok(n) if n >= 0 => {
                    sum += n;
                    if n > 0 {
                        lines.push((it.key.clone(), o.key.clone(), n));
                    }
                }
                _ => {
                    problem = Some(format!(
                        "\"{raw}\" for \"{}\" is not a count; enter a whole number, 0 or more",
                        o.label
                    ))
                }
            }
        }
        if problem.is_none() && forms > 0 && sum > forms {
            problem = Some(format!(
                "These add up to {sum}, more than the {forms} paper copies entered"
            ));
        }
        if let Some(p) = problem {
            problems.push((
                tally_field(&it.key, &sc.options[0].key),
                format!("{}: {p}", short(&it.text)),
            ));
            item_errors.insert(it.key.clone(), p);
        }
    }
    if errors.is_empty() && item_errors.is_empty() && lines.is_empty() {
        errors.add("forms", "Enter at least one count from the paper copies");
    }
    if !errors.is_empty() || !item_errors.is_empty() {
        return tally_form(&state, &m, r, &form, errors, &item_errors, problems).await;
    }
    state
        .db
        .add_paper(
            r.id,
            &NewPaper {
                organisation_name: organisation.to_string(),
                forms,
                note,
                lines,
            },
            m.user.id,
            now(),
        )
        .await?;
    let url = round_url(&m.partnership.slug, r.id);
    log(
        &state,
        &m,
        format!("entered {forms} paper answers for “{}”", short(&r.title)),
        &url,
    )
    .await?;
    Ok(redirect_with_flash(
        &url,
        &format!("{forms} paper answers added. They are marked as paper in the results."),
    ))
}

pub(super) async fn tally_delete(
    State(state): State<AppState>,
    m: Member,
    Path((_, id, batch)): Path<(String, Id, Id)>,
    SafeForm(f): SafeForm<crate::web::Confirmed>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let r = own_round(&state, &m, id).await?;
    let b = state
        .db
        .paper_batches(r.id)
        .await?
        .into_iter()
        .find(|b| b.id == batch)
        .ok_or(AppError::NotFound)?;
    // Whoever entered a batch may take it out again; so may a lead.
    if b.entered_by != Some(m.user.id) {
        m.require(Action::RunRound)?;
    }
    if !f.yes() {
        let back = round_url(&m.partnership.slug, r.id);
        let heading = format!(
            "Remove {} paper {}?",
            b.forms,
            if b.forms == 1 { "form" } else { "forms" }
        );
        let from = if b.organisation_name.is_empty() {
            String::new()
        } else {
            format!(" from {}", b.organisation_name)
        };
        return crate::web::render(&crate::web::ConfirmPage {
            c: m.page(&heading),
            heading,
            lines: vec![format!(
                "The answers typed in from these forms{from} come out of “{}” and its \
                 results, for good. To count them again they would have to be typed in again.",
                r.title
            )],
            fields: Vec::new(),
            action: format!("{back}/tally/{}/delete", b.id),
            button: "Yes, remove them",
            warning: true,
            back,
            back_label: "No, keep them",
        });
    }
    state.db.delete_paper(r.id, b.id).await?;
    let url = round_url(&m.partnership.slug, r.id);
    log(
        &state,
        &m,
        format!(
            "removed {} paper answers from “{}”",
            b.forms,
            short(&r.title)
        ),
        &url,
    )
    .await?;
    Ok(redirect_with_flash(&url, "Paper answers removed."))
}
