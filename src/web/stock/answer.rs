//! Answering: drafts, sending, changing until the round closes.

use crate::domain::instruments::{Instrument, Item, Section};
use crate::domain::model::Id;
use crate::domain::now;
use crate::domain::roles::Action;
use crate::domain::stock::*;
use crate::error::AppError;
use crate::web::extract::{Member, SafeForm};
use crate::web::short;
use crate::web::{AppState, PageCtx, redirect_with_flash, render, render_status};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use std::collections::HashMap;
use std::sync::Arc;

use super::*;

// ---------------------------------------------------------------- answering

/// One question on the answer form.
pub(super) struct Question {
    /// Its number in the whole form, from 1.
    number: usize,
    item: Item,
    field: String,
    chosen: String,
    error: Option<String>,
    /// (key, label, description, shown apart from the scale: "Don't know")
    options: Vec<(String, String, String, bool)>,
}

pub(super) struct QuestionSection {
    section: Section,
    questions: Vec<Question>,
}

#[derive(Template)]
#[template(path = "stock/answer.html")]
pub(super) struct AnswerPage {
    c: PageCtx,
    slug: String,
    r: Round,
    instrument: Arc<Instrument>,
    sections: Vec<QuestionSection>,
    /// (field id, message)
    problems: Vec<(String, String)>,
    sent_at: Option<String>,
    draft_at: Option<String>,
    /// How many questions the form has.
    total: usize,
}

impl AnswerPage {
    /// The form with `sections` filled in, saying when answers were sent or a draft kept.
    fn new(
        m: &Member,
        r: Round,
        instrument: Arc<Instrument>,
        set: Option<&AnswerSet>,
        sections: Vec<QuestionSection>,
    ) -> Self {
        AnswerPage {
            c: m.page(&format!("Answer: {}", r.title)),
            slug: m.partnership.slug.clone(),
            total: sections.iter().map(|s| s.questions.len()).sum(),
            sections,
            problems: vec![],
            sent_at: set
                .and_then(|s| s.submitted_at)
                .map(|t| crate::web::date_time(t, &m.partnership.time_zone)),
            draft_at: set
                .filter(|s| s.submitted_at.is_none())
                .map(|s| crate::web::date_time(s.updated_at, &m.partnership.time_zone)),
            instrument,
            r,
        }
    }
}

#[derive(Template)]
#[template(path = "stock/closed.html")]
pub(super) struct ClosedPage {
    c: PageCtx,
    slug: String,
    r: Round,
    lead: String,
    /// (question, answer) they had entered or sent.
    entered: Vec<(String, String)>,
    not_saved: bool,
}

pub(super) fn field_name(item: &Item) -> String {
    format!("a-{}", item.key)
}

pub(super) fn question_sections(
    i: &Instrument,
    chosen: &HashMap<String, String>,
    errors: &HashMap<String, String>,
) -> Vec<QuestionSection> {
    let mut number = 0;
    i.sections
        .iter()
        .map(|s| QuestionSection {
            section: s.clone(),
            questions: s
                .items
                .iter()
                .map(|it| Question {
                    number: {
                        number += 1;
                        number
                    },
                    item: it.clone(),
                    field: field_name(it),
                    chosen: chosen.get(&it.key).cloned().unwrap_or_default(),
                    error: errors.get(&it.key).cloned(),
                    options: i
                        .scale(&it.scale)
                        .map(|sc| {
                            let scored = sc.options.iter().any(|o| o.points.is_some());
                            sc.options
                                .iter()
                                .map(|o| {
                                    (
                                        o.key.clone(),
                                        o.label.clone(),
                                        o.description.clone().unwrap_or_default(),
                                        scored && o.points.is_none(),
                                    )
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                })
                .collect(),
        })
        .collect()
}

/// A question's number in the whole form, from 1.
fn number_of(i: &Instrument, item: &Item) -> usize {
    all_items(i)
        .position(|(_, it)| it.key == item.key)
        .map_or(0, |p| p + 1)
}

pub(super) fn closed_page(
    m: &Member,
    r: Round,
    i: &Instrument,
    entered: &HashMap<String, String>,
    not_saved: bool,
) -> Result<Response, AppError> {
    let today = m.partnership.today();
    let lead = match r.state(&today) {
        RoundState::NotOpenYet => format!(
            "This round is not open yet: it opens on {}.",
            day_words(&r.opens_on)
        ),
        _ => format!(
            "This round has closed ({}).",
            r.state_phrase(&today).to_lowercase()
        ),
    };
    let rows = all_items(i)
        .filter_map(|(_, it)| {
            entered
                .get(&it.key)
                .filter(|v| !v.is_empty())
                .map(|v| (it.text.clone(), option_label(i, it, v)))
        })
        .collect();
    render_status(
        if not_saved {
            StatusCode::CONFLICT
        } else {
            StatusCode::OK
        },
        &ClosedPage {
            c: m.page(&r.title),
            slug: m.partnership.slug.clone(),
            r,
            lead,
            entered: rows,
            not_saved,
        },
    )
}

pub(super) async fn answer_page(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let (r, i) = own_round_with(&state, &m, id).await?;
    let set = state.db.answer_set(r.id, m.user.id).await?;
    let chosen: HashMap<String, String> = set
        .as_ref()
        .map(|s| s.answers.iter().cloned().collect())
        .unwrap_or_default();
    if r.state(&m.partnership.today()) != RoundState::Open {
        return closed_page(&m, r, &i, &chosen, false);
    }
    let sections = question_sections(&i, &chosen, &HashMap::new());
    render(&AnswerPage::new(&m, r, i, set.as_ref(), sections))
}

pub(super) async fn answer_save(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(form): SafeForm<HashMap<String, String>>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let (r, i) = own_round_with(&state, &m, id).await?;
    let sending = form.get("intent").map(String::as_str) != Some("draft");
    let mut chosen = HashMap::new();
    for (_, it) in all_items(&i) {
        if let Some(v) = form.get(&field_name(it)).filter(|v| !v.is_empty()) {
            chosen.insert(it.key.clone(), v.clone());
        }
    }
    if r.state(&m.partnership.today()) != RoundState::Open {
        return closed_page(&m, r, &i, &chosen, true);
    }
    let mut errors: HashMap<String, String> = HashMap::new();
    let mut problems = Vec::new();
    let mut answers = Vec::new();
    for (s, it) in all_items(&i) {
        match chosen.get(&it.key) {
            Some(v) => match check_answer(&i, it, v) {
                Ok(k) => answers.push((it.key.clone(), k.to_string())),
                Err(e) => {
                    problems.push((
                        format!("{}-0", field_name(it)),
                        format!("Question {}, “{}”: {e}", number_of(&i, it), short(&it.text)),
                    ));
                    errors.insert(it.key.clone(), e);
                }
            },
            None if sending && !s.optional => {
                let e = "Choose an answer (\"don't know\" or \"not sure\" are fine where offered)"
                    .to_string();
                problems.push((
                    format!("{}-0", field_name(it)),
                    format!(
                        "Question {}, “{}”: choose an answer",
                        number_of(&i, it),
                        short(&it.text)
                    ),
                ));
                errors.insert(it.key.clone(), e);
            }
            None => {}
        }
    }
    // An answer that is not on the scale is refused even in a draft; missing answers
    // only stop sending.
    if !errors.is_empty() {
        let set = state.db.answer_set(r.id, m.user.id).await?;
        let sections = question_sections(&i, &chosen, &errors);
        let mut page = AnswerPage::new(&m, r, i, set.as_ref(), sections);
        page.problems = problems;
        page.draft_at = None;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let org = my_organisation(&state, &m).await?;
    state
        .db
        .save_answers(r.id, m.user.id, &org, &answers, sending, now())
        .await?;
    let url = round_url(&m.partnership.slug, r.id);
    if sending {
        Ok(redirect_with_flash(
            &url,
            "Thank you — your answers are in. You can change them until the round closes.",
        ))
    } else {
        Ok(redirect_with_flash(
            &url,
            "Saved. Your answers are kept as a draft; come back to finish and send them.",
        ))
    }
}
