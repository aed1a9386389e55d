//! Action checklists: the statements under each health-check principle that a
//! partnership ticks off (who and when are kept), with a note or a link to evidence,
//! and an unticked statement can become an action on the action plan.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::conflict::{ConflictField, conflict};
use super::extract::{Member, NoFields, SafeForm};
use super::{AppState, PageCtx, Routes, redirect_with_flash, render_status};
use super::{activity::log, short};
use crate::db::Saved;
use crate::db::checklists::TickFields;
use crate::domain::actions::{ActionFields, ActionSource};
use crate::domain::file::{CHECKLIST_LINKS, FileSummary, Tool, checklist_tool};
use crate::domain::instruments::{ChecklistEntry, Instrument};
use crate::domain::model::Partnership;
use crate::domain::now;
use crate::domain::roles::{Action, can};
use crate::domain::stock::Tick;
use crate::error::AppError;

pub fn routes(r: Routes) -> Routes {
    r.get("/p/{slug}/checklists", page)
        .post_keeping("/p/{slug}/checklists/{instrument}/{entry}", save)
        .post(
            "/p/{slug}/checklists/{instrument}/{entry}/action",
            make_action,
        )
}

/// One principle's checklist with where the partnership stands: each statement, its
/// tick, and the part of the partnership file that answers it, if one does.
pub struct Principle {
    pub instrument_key: String,
    pub key: String,
    pub title: String,
    pub entries: Vec<(ChecklistEntry, Tick, Option<FileLink>)>,
}

/// A checklist statement the partnership file answers: having the part ticks it, and
/// the part is its evidence.
pub struct FileLink {
    /// The statement ("We made a stakeholder map together.").
    pub statement: String,
    /// Where the statement is on the checklists page.
    pub entry_key: String,
    /// Whether the file shows it to be true.
    pub met: bool,
    /// What the file shows, in words.
    pub words: String,
    /// The part's page.
    pub href: String,
    /// The part's name, for the link.
    pub part: &'static str,
}

/// Whether the file shows a statement true (for templates).
pub fn met(link: &Option<FileLink>) -> bool {
    link.as_ref().is_some_and(|l| l.met)
}

fn file_link(slug: &str, summary: &FileSummary, tool: Tool, e: &ChecklistEntry) -> FileLink {
    let (met, words) = summary.evidence(tool);
    let (href, part) = match tool {
        Tool::StakeholderMap => (
            format!("/p/{slug}/file/stakeholders"),
            "the stakeholder map",
        ),
        Tool::ActionFallbacks => (format!("/p/{slug}/actions"), "the action plan"),
        Tool::Agreement => (format!("/p/{slug}/file/agreement"), "the agreement"),
        Tool::CommsPlan => (
            format!("/p/{slug}/file/communications"),
            "the communications plan",
        ),
    };
    FileLink {
        statement: e.text.clone(),
        entry_key: e.key.clone(),
        met,
        words,
        href,
        part,
    }
}

/// The checklist statements the file answers, as the current instruments word them.
pub async fn file_links(
    state: &AppState,
    slug: &str,
    summary: &FileSummary,
) -> Result<Vec<FileLink>, AppError> {
    let mut out = Vec::new();
    for (_, i) in state.instruments.latest(state.db.as_ref()).await? {
        for s in &i.sections {
            for e in &s.checklist {
                if let Some(tool) = checklist_tool(&i.key, &e.key) {
                    out.push(file_link(slug, summary, tool, e));
                }
            }
        }
    }
    Ok(out)
}

impl Principle {
    /// Statements ticked, or shown true by the file.
    pub fn done(&self) -> usize {
        self.entries
            .iter()
            .filter(|(_, t, l)| t.done || met(l))
            .count()
    }
    pub fn total(&self) -> usize {
        self.entries.len()
    }
    /// Whole percentage done.
    pub fn percent(&self) -> usize {
        (self.done() * 100).checked_div(self.total()).unwrap_or(0)
    }
}

/// Every checklist of every current instrument, with this partnership's ticks and the
/// file's answers.
pub async fn principles(state: &AppState, p: &Partnership) -> Result<Vec<Principle>, AppError> {
    let partnership_id = p.id;
    let mut summary = None;
    let mut out = Vec::new();
    for (_, i) in state.instruments.latest(state.db.as_ref()).await? {
        if !i.sections.iter().any(|s| !s.checklist.is_empty()) {
            continue;
        }
        let ticks = state.db.ticks(partnership_id, &i.key).await?;
        if summary.is_none() && CHECKLIST_LINKS.iter().any(|(k, _, _)| *k == i.key) {
            summary = Some(state.db.checklist_facts(partnership_id).await?);
        }
        for s in i.sections.iter().filter(|s| !s.checklist.is_empty()) {
            out.push(Principle {
                instrument_key: i.key.clone(),
                key: s.key.clone(),
                title: s.title.clone(),
                entries: s
                    .checklist
                    .iter()
                    .map(|e| {
                        let t = ticks
                            .iter()
                            .find(|t| t.entry_key == e.key)
                            .cloned()
                            .unwrap_or_else(|| Tick {
                                entry_key: e.key.clone(),
                                ..Default::default()
                            });
                        let link = checklist_tool(&i.key, &e.key).and_then(|tool| {
                            summary.as_ref().map(|sum| file_link(&p.slug, sum, tool, e))
                        });
                        (e.clone(), t, link)
                    })
                    .collect(),
            });
        }
    }
    Ok(out)
}

#[derive(Template)]
#[template(path = "checklists/checklists.html")]
struct ChecklistPage {
    c: PageCtx,
    slug: String,
    principles: Vec<Principle>,
    can_edit: bool,
    problem: Option<Problem>,
}

impl ChecklistPage {
    fn problem_for(&self, entry: &str) -> Option<&Problem> {
        self.problem.as_ref().filter(|p| p.entry == entry)
    }
}

/// A statement's form sent back with a problem, keeping what was typed.
struct Problem {
    entry: String,
    field: &'static str,
    message: String,
    done: bool,
    note: String,
    evidence: String,
}

async fn checklist_page(
    state: &AppState,
    m: &Member,
    problem: Option<Problem>,
) -> Result<Response, AppError> {
    let status = if problem.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render_status(
        status,
        &ChecklistPage {
            c: m.page("Action checklists").quiet(problem.is_some()),
            slug: m.partnership.slug.clone(),
            principles: principles(state, &m.partnership).await?,
            can_edit: can(m.role(), Action::EditContent),
            problem,
        },
    )
}

async fn page(State(state): State<AppState>, m: Member) -> Result<Response, AppError> {
    m.require(Action::View)?;
    checklist_page(&state, &m, None).await
}

/// The instrument and statement named in the address.
async fn entry(
    state: &AppState,
    instrument: &str,
    entry: &str,
) -> Result<(Arc<Instrument>, String, ChecklistEntry), AppError> {
    let (_, i) = state
        .instruments
        .latest_by_key(state.db.as_ref(), instrument)
        .await?;
    let (section, e) = i
        .sections
        .iter()
        .find_map(|s| {
            s.checklist
                .iter()
                .find(|e| e.key == entry)
                .map(|e| (s.title.clone(), e.clone()))
        })
        .ok_or(AppError::NotFound)?;
    Ok((i, section, e))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TickForm {
    done: String,
    note: String,
    evidence: String,
    version: i64,
}

async fn save(
    State(state): State<AppState>,
    m: Member,
    Path((_, instrument, key)): Path<(String, String, String)>,
    SafeForm(f): SafeForm<TickForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let (i, _, e) = entry(&state, &instrument, &key).await?;
    let back = format!("/p/{}/checklists#{}", m.partnership.slug, e.key);
    let note = f.note.trim().to_string();
    let evidence = f.evidence.trim().to_string();
    let problem = if note.chars().count() > 2_000 {
        Some(("note", "Keep the note to 2,000 characters or fewer"))
    } else if !evidence.is_empty()
        && (!(evidence.starts_with("https://") || evidence.starts_with("http://"))
            || evidence.len() > 500
            || evidence.contains(char::is_whitespace))
    {
        Some((
            "evidence",
            "Enter a web address starting with https:// (or http://), or leave it empty",
        ))
    } else {
        None
    };
    if let Some((field, message)) = problem {
        return checklist_page(
            &state,
            &m,
            Some(Problem {
                entry: e.key.clone(),
                field,
                message: message.into(),
                done: f.done == "yes",
                note: f.note.clone(),
                evidence: f.evidence.clone(),
            }),
        )
        .await;
    }
    let fields = TickFields {
        done: f.done == "yes",
        note,
        evidence_url: evidence,
    };
    let saved = state
        .db
        .save_tick(
            m.partnership.id,
            &i.key,
            &e.key,
            f.version,
            &fields,
            m.user.id,
            now(),
        )
        .await?;
    match saved {
        Saved::Saved => {
            let what = if fields.done { "ticked" } else { "updated" };
            log(
                &state,
                &m,
                format!("{what} “{}” on the checklist", short(&e.text)),
                &back,
            )
            .await?;
            Ok(redirect_with_flash(&back, "Checklist saved."))
        }
        Saved::Stale => {
            let theirs = state
                .db
                .ticks(m.partnership.id, &i.key)
                .await?
                .into_iter()
                .find(|t| t.entry_key == e.key)
                .unwrap_or_default();
            conflict(
                &m,
                &format!("/p/{}/checklists/{}/{}", m.partnership.slug, i.key, e.key),
                &back,
                theirs.version,
                vec![
                    ConflictField::text("Note", "note", &theirs.note, &fields.note),
                    ConflictField::line(
                        "Evidence link",
                        "evidence",
                        &theirs.evidence_url,
                        &fields.evidence_url,
                    ),
                ],
                vec![("done".into(), if fields.done { "yes" } else { "" }.into())],
            )
        }
    }
}

async fn make_action(
    State(state): State<AppState>,
    m: Member,
    Path((_, instrument, key)): Path<(String, String, String)>,
    SafeForm(_): SafeForm<NoFields>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let (i, section, e) = entry(&state, &instrument, &key).await?;
    let id = state
        .db
        .create_action(
            m.partnership.id,
            &ActionFields {
                title: short(&e.text),
                detail: format!("From the {} checklist ({section}): {}", i.title, e.text),
                ..Default::default()
            },
            &ActionSource {
                label: format!("Checklist: {section}"),
                ..Default::default()
            },
            m.user.id,
            now(),
        )
        .await?;
    state
        .db
        .set_tick_action(m.partnership.id, &i.key, &e.key, id, now())
        .await?;
    let url = format!("/p/{}/actions/{id}", m.partnership.slug);
    log(
        &state,
        &m,
        format!("made “{}” an action", short(&e.text)),
        &url,
    )
    .await?;
    Ok(redirect_with_flash(
        &format!("{url}/edit"),
        "Action added to the action plan. Choose who will do it and by when.",
    ))
}
