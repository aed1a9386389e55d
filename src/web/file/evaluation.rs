//! The evaluation plan: outcomes (written with the outcome writer, grouped by the four
//! "was it worth it?" levels), their indicators (method, who collects, when, where),
//! and each indicator's evidence log with uploaded files. Outcomes and indicators are
//! version-checked; evidence is added and removed. CSV of the whole plan.
//!
//! Where a file's bytes live: on SQLite in the data folder (`evidence/{partnership}/
//! {random name}`, never the name it came with), on PostgreSQL in the database
//! (`evidence_blobs`), since several nodes share one database and need not share a
//! disk. Either way a file is served only to the partnership's people, as an
//! attachment with the type found from its bytes, and removed with its entry.

use std::collections::HashMap;
use std::path::PathBuf;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::db::{Engine, Saved};
use crate::domain::decks::tidy;
use crate::domain::file::*;
use crate::domain::model::Id;
use crate::domain::now;
use crate::domain::roles::{Action, can};
use crate::domain::time::parse_day;
use crate::error::AppError;
use crate::web::conflict::{ConflictField, conflict};
use crate::web::directory::{chosen_owner, owner_key};
use crate::web::download::{csv_attachment, csv_safe, file_name};
use crate::web::extract::{Member, SafeForm, SafeUpload};
use crate::web::{AppState, ConfirmPage, Confirmed, Errors, PageCtx};
use crate::web::{activity::log, redirect_with_flash, render, render_status, short};

const MAX_STATEMENT: usize = 500;
const MAX_LINE: usize = 300;
const MAX_TEXT: usize = 5_000;

fn plan_url(slug: &str) -> String {
    format!("/p/{slug}/file/evaluation")
}

async fn own_outcome(state: &AppState, m: &Member, id: Id) -> Result<OutcomeRow, AppError> {
    state
        .db
        .outcome(id)
        .await?
        .filter(|o| o.partnership_id == m.partnership.id)
        .ok_or(AppError::NotFound)
}

async fn own_indicator(state: &AppState, m: &Member, id: Id) -> Result<IndicatorRow, AppError> {
    state
        .db
        .indicator(id)
        .await?
        .filter(|i| i.partnership_id == m.partnership.id)
        .ok_or(AppError::NotFound)
}

async fn own_evidence(state: &AppState, m: &Member, id: Id) -> Result<EvidenceRow, AppError> {
    state
        .db
        .evidence(id)
        .await?
        .filter(|e| e.partnership_id == m.partnership.id)
        .ok_or(AppError::NotFound)
}

// ---------------------------------------------------------------- the plan

/// An outcome with its indicators.
pub(super) struct Planned {
    pub o: OutcomeRow,
    pub indicators: Vec<IndicatorRow>,
}

/// A level's outcomes.
pub(super) struct Group {
    pub key: &'static str,
    pub title: &'static str,
    pub about: &'static str,
    pub outcomes: Vec<Planned>,
}

/// The plan grouped by level (the four, then any others), each outcome with its
/// indicators.
pub(super) fn grouped(outcomes: Vec<OutcomeRow>, indicators: Vec<IndicatorRow>) -> Vec<Group> {
    let mut by_outcome: HashMap<Id, Vec<IndicatorRow>> = HashMap::new();
    for i in indicators {
        by_outcome.entry(i.outcome_id).or_default().push(i);
    }
    let mut groups: Vec<Group> = LEVELS
        .iter()
        .map(|(k, t, a)| Group {
            key: k,
            title: t,
            about: a,
            outcomes: Vec::new(),
        })
        .chain(std::iter::once(Group {
            key: "",
            title: "Other outcomes",
            about: "",
            outcomes: Vec::new(),
        }))
        .collect();
    for o in outcomes {
        let indicators = by_outcome.remove(&o.id).unwrap_or_default();
        let at = groups
            .iter()
            .position(|g| g.key == o.level)
            .unwrap_or(groups.len() - 1);
        groups[at].outcomes.push(Planned { o, indicators });
    }
    groups
}

#[derive(Template)]
#[template(path = "file/evaluation.html")]
struct PlanPage {
    c: PageCtx,
    slug: String,
    can_edit: bool,
    groups: Vec<Group>,
    outcome_count: usize,
    indicator_count: usize,
    last_evidence: String,
    year_start: String,
}

pub(super) async fn plan(State(state): State<AppState>, m: Member) -> Result<Response, AppError> {
    let (outcomes, indicators) = tokio::try_join!(
        state.db.outcomes(m.partnership.id),
        state.db.indicators(m.partnership.id)
    )?;
    let last_evidence = indicators
        .iter()
        .filter_map(|i| i.last_evidence.clone())
        .max()
        .map(|d| crate::domain::time::format_day(&d))
        .unwrap_or_default();
    let today = m.partnership.today();
    let page = PlanPage {
        c: m.page("Evaluation plan"),
        slug: m.partnership.slug.clone(),
        can_edit: can(m.role(), Action::EditContent),
        outcome_count: outcomes.len(),
        indicator_count: indicators.len(),
        groups: grouped(outcomes, indicators),
        last_evidence,
        year_start: format!("{}-01-01", today.get(..4).unwrap_or("0000")),
    };
    render(&page)
}

// ---------------------------------------------------------------- outcomes

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(super) struct OutcomeForm {
    level: String,
    who: String,
    direction: String,
    what: String,
    statement: String,
    term: String,
    /// Set by the "Build the sentence" button: fill the outcome from the three parts
    /// and show the form again, saving nothing.
    build: String,
    version: i64,
}

#[derive(Template)]
#[template(path = "file/outcome_form.html")]
struct OutcomeFormPage {
    c: PageCtx,
    slug: String,
    outcome_id: Option<Id>,
    errors: Errors,
    f: OutcomeForm,
    levels: &'static [(&'static str, &'static str, &'static str)],
    directions: &'static [&'static str],
    terms: &'static [(&'static str, &'static str)],
    built: bool,
}

fn outcome_form_page(
    m: &Member,
    outcome: Option<&OutcomeRow>,
    errors: Errors,
    f: OutcomeForm,
    built: bool,
) -> Result<Response, AppError> {
    let status = errors.status();
    render_status(
        status,
        &OutcomeFormPage {
            c: m.page(if outcome.is_some() {
                "Change an outcome"
            } else {
                "Write an outcome"
            }),
            slug: m.partnership.slug.clone(),
            outcome_id: outcome.map(|o| o.id),
            errors,
            f,
            levels: &LEVELS,
            directions: &DIRECTIONS,
            terms: &TERMS,
            built,
        },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct LevelQuery {
    level: String,
}

pub(super) async fn outcome_new(
    m: Member,
    Query(q): Query<LevelQuery>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let level = LEVELS
        .iter()
        .find(|(k, _, _)| *k == q.level)
        .map(|(k, _, _)| k.to_string())
        .unwrap_or_default();
    outcome_form_page(
        &m,
        None,
        Errors::default(),
        OutcomeForm {
            level,
            term: "short".into(),
            ..Default::default()
        },
        false,
    )
}

/// The writer's button: the sentence built from the parts, or what is missing.
fn build(f: &mut OutcomeForm, errors: &mut Errors) {
    if f.who.trim().is_empty() {
        errors.add(
            "who",
            "Say who is changing: carers, staff, partner organisations",
        );
    }
    if !DIRECTIONS.contains(&f.direction.trim()) {
        errors.add("direction", "Choose which way things change");
    }
    if f.what.trim().is_empty() {
        errors.add(
            "what",
            "Say what is changing: confidence, waiting times, trust",
        );
    }
    if errors.is_empty() {
        f.statement = outcome_sentence(&f.who, &f.direction, &f.what);
    }
}

fn check_outcome(f: &OutcomeForm, errors: &mut Errors) -> OutcomeFields {
    let statement = tidy(&f.statement);
    if statement.is_empty() {
        errors.add(
            "statement",
            "Write the outcome, or fill in the three parts above and build it",
        );
    } else if statement.chars().count() > MAX_STATEMENT {
        errors.add("statement", "Keep the outcome to 500 characters or fewer");
    }
    let level = match f.level.trim() {
        "" => String::new(),
        l if LEVELS.iter().any(|(k, _, _)| *k == l) => l.to_string(),
        _ => {
            errors.add(
                "level",
                "Choose what the outcome is about, or none of these",
            );
            String::new()
        }
    };
    let term = match TERMS.iter().find(|(k, _)| *k == f.term.trim()) {
        Some((k, _)) => k.to_string(),
        None if f.term.trim().is_empty() => "short".into(),
        None => {
            errors.add(
                "term",
                "Choose when you expect it: in the short or medium term",
            );
            "short".into()
        }
    };
    let part = |s: &str| tidy(s).chars().take(MAX_LINE).collect::<String>();
    OutcomeFields {
        term,
        level,
        statement,
        who: part(&f.who),
        direction: if DIRECTIONS.contains(&f.direction.trim()) {
            f.direction.trim().to_string()
        } else {
            String::new()
        },
        what: part(&f.what),
    }
}

pub(super) async fn outcome_create(
    State(state): State<AppState>,
    m: Member,
    SafeForm(mut f): SafeForm<OutcomeForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let mut errors = Errors::default();
    if !f.build.is_empty() {
        build(&mut f, &mut errors);
        let built = errors.is_empty();
        return outcome_form_page(&m, None, errors, f, built);
    }
    let fields = check_outcome(&f, &mut errors);
    if !errors.is_empty() {
        return outcome_form_page(&m, None, errors, f, false);
    }
    let id = state
        .db
        .create_outcome(m.partnership.id, &fields, m.user.id, now())
        .await?;
    let url = plan_url(&m.partnership.slug);
    log(
        &state,
        &m,
        format!("added the outcome “{}”", short(&fields.statement)),
        &format!("{url}#outcome-{id}"),
    )
    .await?;
    Ok(redirect_with_flash(
        &format!("{url}#outcome-{id}"),
        "Outcome added to the evaluation plan. Now add how you would know: an indicator.",
    ))
}

fn outcome_form_of(o: &OutcomeRow) -> OutcomeForm {
    OutcomeForm {
        level: o.level.clone(),
        who: o.who.clone(),
        direction: o.direction.clone(),
        what: o.what.clone(),
        statement: o.statement.clone(),
        term: o.term.clone(),
        build: String::new(),
        version: o.version,
    }
}

pub(super) async fn outcome_edit(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let o = own_outcome(&state, &m, id).await?;
    let f = outcome_form_of(&o);
    outcome_form_page(&m, Some(&o), Errors::default(), f, false)
}

pub(super) async fn outcome_save(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(mut f): SafeForm<OutcomeForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let o = own_outcome(&state, &m, id).await?;
    let mut errors = Errors::default();
    if !f.build.is_empty() {
        build(&mut f, &mut errors);
        let built = errors.is_empty();
        return outcome_form_page(&m, Some(&o), errors, f, built);
    }
    let fields = check_outcome(&f, &mut errors);
    if !errors.is_empty() {
        return outcome_form_page(&m, Some(&o), errors, f, false);
    }
    let url = plan_url(&m.partnership.slug);
    match state
        .db
        .update_outcome(id, f.version, &fields, now())
        .await?
    {
        Saved::Saved => {
            log(
                &state,
                &m,
                format!("changed the outcome “{}”", short(&fields.statement)),
                &format!("{url}#outcome-{id}"),
            )
            .await?;
            Ok(redirect_with_flash(
                &format!("{url}#outcome-{id}"),
                "Outcome saved.",
            ))
        }
        Saved::Stale => {
            let theirs = outcome_form_of(&o);
            conflict(
                &m,
                &format!("{url}/outcomes/{id}/edit"),
                &url,
                o.version,
                vec![ConflictField::text(
                    "The outcome",
                    "statement",
                    &theirs.statement,
                    &f.statement,
                )],
                vec![
                    ("level".into(), f.level.clone()),
                    ("who".into(), f.who.clone()),
                    ("direction".into(), f.direction.clone()),
                    ("what".into(), f.what.clone()),
                    ("term".into(), f.term.clone()),
                ],
            )
        }
    }
}

pub(super) async fn outcome_delete(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<Confirmed>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let o = own_outcome(&state, &m, id).await?;
    let url = plan_url(&m.partnership.slug);
    if !f.yes() {
        let indicators: Vec<IndicatorRow> = state
            .db
            .indicators(m.partnership.id)
            .await?
            .into_iter()
            .filter(|i| i.outcome_id == id)
            .collect();
        let entries: i64 = indicators.iter().map(|i| i.evidence_count).sum();
        return render(&ConfirmPage {
            c: m.page("Remove this outcome?"),
            heading: format!("Remove “{}”?", o.statement),
            lines: vec![format!(
                "This removes the outcome, its {} and {} of evidence (with any files), \
                 for good: it cannot be undone.",
                plural(indicators.len() as i64, "indicator", "indicators"),
                plural(entries, "entry", "entries")
            )],
            fields: Vec::new(),
            action: format!("{url}/outcomes/{id}/delete"),
            button: "Yes, remove it",
            warning: true,
            back: format!("{url}#outcome-{id}"),
            back_label: "No, keep it",
        });
    }
    let paths = state.db.delete_outcome(id).await?;
    remove_files(&state, paths).await;
    log(
        &state,
        &m,
        format!("removed the outcome “{}”", short(&o.statement)),
        "",
    )
    .await?;
    Ok(redirect_with_flash(
        &url,
        "Outcome removed from the evaluation plan.",
    ))
}

// ---------------------------------------------------------------- indicators

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(super) struct IndicatorForm {
    name: String,
    method: String,
    collector: String,
    when: String,
    place: String,
    version: i64,
}

#[derive(Template)]
#[template(path = "file/indicator_form.html")]
struct IndicatorFormPage {
    c: PageCtx,
    slug: String,
    outcome: OutcomeRow,
    indicator_id: Option<Id>,
    errors: Errors,
    f: IndicatorForm,
    collectors: Vec<(String, String)>,
}

/// Who may collect an indicator: people or organisations, the indicator's own
/// collector kept on offer if they have left.
async fn collector_choices(
    state: &AppState,
    m: &Member,
    current: Option<&IndicatorRow>,
) -> Result<Vec<(String, String)>, AppError> {
    let keep = current.and_then(|i| i.collector_user_id.map(|u| (u, i.collector_label())));
    super::owner_choices(state, m, false, keep).await
}

async fn indicator_form_page(
    state: &AppState,
    m: &Member,
    outcome: OutcomeRow,
    current: Option<&IndicatorRow>,
    errors: Errors,
    f: IndicatorForm,
) -> Result<Response, AppError> {
    let status = errors.status();
    render_status(
        status,
        &IndicatorFormPage {
            c: m.page(if current.is_some() {
                "Change an indicator"
            } else {
                "Add an indicator"
            }),
            slug: m.partnership.slug.clone(),
            outcome,
            indicator_id: current.map(|i| i.id),
            errors,
            f,
            collectors: collector_choices(state, m, current).await?,
        },
    )
}

pub(super) async fn indicator_new(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let o = own_outcome(&state, &m, id).await?;
    indicator_form_page(
        &state,
        &m,
        o,
        None,
        Errors::default(),
        IndicatorForm::default(),
    )
    .await
}

async fn check_indicator(
    state: &AppState,
    m: &Member,
    f: &IndicatorForm,
    current: Option<&IndicatorRow>,
    errors: &mut Errors,
) -> Result<IndicatorFields, AppError> {
    let name = tidy(&f.name);
    if name.is_empty() {
        errors.add(
            "name",
            "Say what you would count or look for: “carers who say they feel less alone”",
        );
    } else if name.chars().count() > MAX_LINE {
        errors.add("name", "Keep the indicator to 300 characters or fewer");
    }
    let line = |errors: &mut Errors, field: &'static str, typed: &str, what: &str| {
        let t = tidy(typed);
        if t.chars().count() > MAX_LINE {
            errors.add(field, format!("Keep {what} to 300 characters or fewer"));
        }
        t
    };
    let method = f.method.trim().to_string();
    if method.chars().count() > MAX_TEXT {
        errors.add("method", "Keep the method to 5,000 characters or fewer");
    }
    let choices = collector_choices(state, m, current).await?;
    let (collector_user_id, collector_org_id) = chosen_owner(&choices, &f.collector)
        .unwrap_or_else(|| {
            errors.add(
                "collector",
                "Choose someone in the partnership, or one of its organisations",
            );
            (None, None)
        });
    Ok(IndicatorFields {
        name,
        method,
        collector_user_id,
        collector_org_id,
        collect_when: line(errors, "when", &f.when, "when"),
        collect_where: line(errors, "place", &f.place, "where"),
    })
}

pub(super) async fn indicator_create(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<IndicatorForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let o = own_outcome(&state, &m, id).await?;
    let mut errors = Errors::default();
    let fields = check_indicator(&state, &m, &f, None, &mut errors).await?;
    if !errors.is_empty() {
        return indicator_form_page(&state, &m, o, None, errors, f).await;
    }
    let iid = state
        .db
        .create_indicator(&o, &fields, m.user.id, now())
        .await?;
    let url = plan_url(&m.partnership.slug);
    log(
        &state,
        &m,
        format!(
            "added the indicator “{}” to “{}”",
            short(&fields.name),
            short(&o.statement)
        ),
        &format!("{url}/indicators/{iid}"),
    )
    .await?;
    Ok(redirect_with_flash(
        &format!("{url}#outcome-{}", o.id),
        "Indicator added.",
    ))
}

fn indicator_form_of(i: &IndicatorRow) -> IndicatorForm {
    IndicatorForm {
        name: i.name.clone(),
        method: i.method.clone(),
        collector: owner_key(i.collector_user_id, i.collector_org_id),
        when: i.collect_when.clone(),
        place: i.collect_where.clone(),
        version: i.version,
    }
}

pub(super) async fn indicator_edit(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let i = own_indicator(&state, &m, id).await?;
    let o = own_outcome(&state, &m, i.outcome_id).await?;
    let f = indicator_form_of(&i);
    indicator_form_page(&state, &m, o, Some(&i), Errors::default(), f).await
}

pub(super) async fn indicator_save(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<IndicatorForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let i = own_indicator(&state, &m, id).await?;
    let o = own_outcome(&state, &m, i.outcome_id).await?;
    let mut errors = Errors::default();
    let fields = check_indicator(&state, &m, &f, Some(&i), &mut errors).await?;
    if !errors.is_empty() {
        return indicator_form_page(&state, &m, o, Some(&i), errors, f).await;
    }
    let url = plan_url(&m.partnership.slug);
    match state
        .db
        .update_indicator(id, f.version, &fields, now())
        .await?
    {
        Saved::Saved => {
            log(
                &state,
                &m,
                format!("changed the indicator “{}”", short(&fields.name)),
                &format!("{url}/indicators/{id}"),
            )
            .await?;
            Ok(redirect_with_flash(
                &format!("{url}#outcome-{}", o.id),
                "Indicator saved.",
            ))
        }
        Saved::Stale => {
            let theirs = indicator_form_of(&i);
            conflict(
                &m,
                &format!("{url}/indicators/{id}/edit"),
                &url,
                i.version,
                vec![
                    ConflictField::line("Indicator", "name", &theirs.name, &f.name),
                    ConflictField::text("How it is collected", "method", &theirs.method, &f.method),
                    ConflictField::line("When", "when", &theirs.when, &f.when),
                    ConflictField::line("Where", "place", &theirs.place, &f.place),
                ],
                vec![("collector".into(), f.collector.clone())],
            )
        }
    }
}

pub(super) async fn indicator_delete(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<Confirmed>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let i = own_indicator(&state, &m, id).await?;
    let url = plan_url(&m.partnership.slug);
    if !f.yes() {
        return render(&ConfirmPage {
            c: m.page("Remove this indicator?"),
            heading: format!("Remove the indicator “{}”?", i.name),
            lines: vec![format!(
                "This removes it and its {} of evidence (with any files), for good: it \
                 cannot be undone.",
                plural(i.evidence_count, "entry", "entries")
            )],
            fields: Vec::new(),
            action: format!("{url}/indicators/{id}/delete"),
            button: "Yes, remove it",
            warning: true,
            back: format!("{url}/indicators/{id}"),
            back_label: "No, keep it",
        });
    }
    let paths = state.db.delete_indicator(id).await?;
    remove_files(&state, paths).await;
    log(
        &state,
        &m,
        format!("removed the indicator “{}”", short(&i.name)),
        "",
    )
    .await?;
    Ok(redirect_with_flash(
        &format!("{url}#outcome-{}", i.outcome_id),
        "Indicator removed.",
    ))
}

// ---------------------------------------------------------------- the evidence log

#[derive(Template)]
#[template(path = "file/indicator.html")]
struct LogPage {
    c: PageCtx,
    slug: String,
    can_edit: bool,
    outcome: OutcomeRow,
    i: IndicatorRow,
    entries: Vec<EvidenceRow>,
    errors: Errors,
    f: EvidenceForm,
    limit: String,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(super) struct EvidenceForm {
    day: String,
    value: String,
    note: String,
    link: String,
}

async fn log_page(
    state: &AppState,
    m: &Member,
    i: IndicatorRow,
    errors: Errors,
    f: EvidenceForm,
) -> Result<Response, AppError> {
    let outcome = own_outcome(state, m, i.outcome_id).await?;
    let entries = state.db.evidence_for(i.id).await?;
    let status = errors.status();
    render_status(
        status,
        &LogPage {
            c: m.page(&format!("Evidence: {}", short(&i.name)))
                .quiet(!errors.is_empty()),
            slug: m.partnership.slug.clone(),
            can_edit: can(m.role(), Action::EditContent),
            outcome,
            i,
            entries,
            errors,
            f,
            limit: size_label(state.settings.upload_max_bytes as i64),
        },
    )
}

pub(super) async fn indicator_log(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    let i = own_indicator(&state, &m, id).await?;
    let f = EvidenceForm {
        day: m.partnership.today(),
        ..Default::default()
    };
    log_page(&state, &m, i, Errors::default(), f).await
}

fn field(upload: &SafeUpload, name: &str) -> String {
    upload.fields.get(name).cloned().unwrap_or_default()
}

pub(super) async fn evidence_add(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    upload: SafeUpload,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let i = own_indicator(&state, &m, id).await?;
    let f = EvidenceForm {
        day: field(&upload, "day"),
        value: field(&upload, "value"),
        note: field(&upload, "note"),
        link: field(&upload, "link"),
    };
    let mut errors = Errors::default();
    let recorded_on = match parse_day(f.day.trim()) {
        Ok(d) => d.to_string(),
        Err(e) => {
            errors.add("day", e);
            String::new()
        }
    };
    let value = tidy(&f.value);
    if value.chars().count() > MAX_LINE {
        errors.add(
            "value",
            "Keep the figure or answer to 300 characters or fewer",
        );
    }
    let note = f.note.trim().to_string();
    if note.chars().count() > MAX_TEXT {
        errors.add("note", "Keep the note to 5,000 characters or fewer");
    }
    let link = f.link.trim().to_string();
    if !link.is_empty()
        && (!(link.starts_with("https://") || link.starts_with("http://"))
            || link.len() > 500
            || link.contains(char::is_whitespace))
    {
        errors.add(
            "link",
            "Enter a web address starting with https:// (or http://), or leave it empty",
        );
    }
    let limit = state.settings.upload_max_bytes;
    let mut file = None;
    if upload.too_large {
        errors.add(
            "file",
            format!(
                "The file is larger than {}: make it smaller (save a PDF at a lower \
                 quality, or shrink the picture), or put it online and add the link",
                size_label(limit as i64)
            ),
        );
    } else if let Some((name, bytes)) = &upload.file {
        let name = tidy(name);
        if bytes.len() > limit {
            errors.add(
                "file",
                format!("The file is larger than {}", size_label(limit as i64)),
            );
        } else {
            match file_kind(&name, bytes) {
                Ok(kind) => file = Some((name.chars().take(200).collect::<String>(), kind)),
                Err(e) => errors.add("file", e),
            }
        }
    }
    if errors.is_empty() && value.is_empty() && note.is_empty() && link.is_empty() && file.is_none()
    {
        errors.add(
            "value",
            "Add a figure, a note, a link or a file: an entry needs at least one",
        );
    }
    if !errors.is_empty() {
        return log_page(&state, &m, i, errors, f).await;
    }
    let bytes = upload.file.as_ref().map(|(_, b)| b.as_slice());
    let mut fields = EvidenceFields {
        recorded_on,
        value,
        note,
        link,
        file: file.as_ref().map(|(n, k)| {
            (
                n.clone(),
                k.to_string(),
                bytes.map_or(0, |b| b.len() as i64),
            )
        }),
        file_path: None,
    };
    // SQLite keeps the bytes in the data folder, PostgreSQL in the database.
    let in_db = match (bytes, state.db.engine()) {
        (Some(b), Engine::Sqlite) => {
            fields.file_path = Some(write_file(&state, m.partnership.id, b).await?);
            None
        }
        (b, _) => b,
    };
    let created = state
        .db
        .create_evidence(&i, &fields, in_db, m.user.id, now())
        .await;
    if created.is_err()
        && let Some(path) = fields.file_path.clone()
    {
        remove_files(&state, vec![path]).await;
    }
    let eid = created?;
    let url = plan_url(&m.partnership.slug);
    log(
        &state,
        &m,
        format!("added evidence to “{}”", short(&i.name)),
        &format!("{url}/indicators/{id}#evidence-{eid}"),
    )
    .await?;
    Ok(redirect_with_flash(
        &format!("{url}/indicators/{id}#evidence-{eid}"),
        "Evidence added.",
    ))
}

pub(super) async fn evidence_file(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    let e = own_evidence(&state, &m, id).await?;
    let (Some(name), Some(kind)) = (e.file_name.clone(), e.file_type.clone()) else {
        return Err(AppError::NotFound);
    };
    let bytes = match &e.file_path {
        Some(path) => tokio::fs::read(files_dir(&state).join(path))
            .await
            .map_err(|err| AppError::Internal(anyhow::anyhow!("reading evidence file: {err}")))?,
        None => state
            .db
            .evidence_bytes(e.id)
            .await?
            .ok_or(AppError::NotFound)?,
    };
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name.as_str(), "bin"));
    // The ending was checked against the kinds allowed when it came; kept to letters
    // and digits all the same, since it goes into a header.
    let ext: String = ext
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, kind),
            (header::CONTENT_DISPOSITION, file_name(stem, &ext)),
            // Never run as a page, whatever it holds.
            (
                header::CONTENT_SECURITY_POLICY,
                "sandbox; default-src 'none'; frame-ancestors 'none'".to_string(),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}

pub(super) async fn evidence_delete(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<Confirmed>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let e = own_evidence(&state, &m, id).await?;
    let url = plan_url(&m.partnership.slug);
    let back = format!("{url}/indicators/{}", e.indicator_id);
    if !f.yes() {
        let mut lines = vec!["This removes the entry for good: it cannot be undone.".to_string()];
        if let Some(name) = &e.file_name {
            lines.push(format!("The file “{name}” goes with it."));
        }
        return render(&ConfirmPage {
            c: m.page("Remove this evidence?"),
            heading: format!("Remove the evidence of {}?", e.day_label()),
            lines,
            fields: Vec::new(),
            action: format!("{url}/evidence/{id}/delete"),
            button: "Yes, remove it",
            warning: true,
            back: format!("{back}#evidence-{id}"),
            back_label: "No, keep it",
        });
    }
    state.db.delete_evidence(id).await?;
    if let Some(path) = e.file_path.clone() {
        remove_files(&state, vec![path]).await;
    }
    log(
        &state,
        &m,
        format!("removed evidence of {}", e.day_label()),
        &back,
    )
    .await?;
    Ok(redirect_with_flash(&back, "Evidence removed."))
}

// ---------------------------------------------------------------- files on disk

fn files_dir(state: &AppState) -> PathBuf {
    state.settings.data_dir.join("evidence")
}

/// Write an upload's bytes to the data folder under a random name; returns the path
/// the entry keeps (relative to `data/evidence`).
async fn write_file(state: &AppState, pid: Id, bytes: &[u8]) -> Result<String, AppError> {
    let rel = format!("{pid}/{}", crate::security::new_token());
    let path = files_dir(state).join(&rel);
    let io = |e: std::io::Error| AppError::Internal(anyhow::anyhow!("writing evidence file: {e}"));
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir).await.map_err(io)?;
    }
    tokio::fs::write(&path, bytes).await.map_err(io)?;
    Ok(rel)
}

/// Remove files whose entries are gone (a file already missing is fine).
async fn remove_files(state: &AppState, paths: Vec<String>) {
    let dir = files_dir(state);
    for p in paths {
        if let Err(e) = tokio::fs::remove_file(dir.join(&p)).await
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(path = %p, error = %e, "could not remove an evidence file");
        }
    }
}

// ---------------------------------------------------------------- CSV

pub(super) async fn csv_export(
    State(state): State<AppState>,
    m: Member,
) -> Result<Response, AppError> {
    let (outcomes, indicators) = tokio::try_join!(
        state.db.outcomes(m.partnership.id),
        state.db.indicators(m.partnership.id)
    )?;
    let base = state.public_url.to_string();
    let url = plan_url(&m.partnership.slug);
    let mut w = csv::Writer::from_writer(Vec::new());
    let write = |w: &mut csv::Writer<Vec<u8>>, row: [String; 10]| {
        w.write_record(row)
            .map_err(|e| AppError::Internal(e.into()))
    };
    write(
        &mut w,
        [
            "About",
            "Outcome",
            "Indicator",
            "How it is collected",
            "Who collects it",
            "When",
            "Where",
            "Evidence entries",
            "Latest evidence",
            "Link",
        ]
        .map(String::from),
    )?;
    for g in grouped(outcomes, indicators) {
        for p in g.outcomes {
            let outcome_link = format!("{base}{url}#outcome-{}", p.o.id);
            if p.indicators.is_empty() {
                write(
                    &mut w,
                    [
                        g.title.to_string(),
                        csv_safe(&p.o.statement),
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                        "0".into(),
                        String::new(),
                        outcome_link.clone(),
                    ],
                )?;
            }
            for i in &p.indicators {
                write(
                    &mut w,
                    [
                        g.title.to_string(),
                        csv_safe(&p.o.statement),
                        csv_safe(&i.name),
                        csv_safe(&i.method),
                        csv_safe(&i.collector_label()),
                        csv_safe(&i.collect_when),
                        csv_safe(&i.collect_where),
                        i.evidence_count.to_string(),
                        i.last_evidence.clone().unwrap_or_default(),
                        format!("{base}{url}/indicators/{}", i.id),
                    ],
                )?;
            }
        }
    }
    csv_attachment(w, &format!("{} evaluation plan", m.partnership.name))
}
