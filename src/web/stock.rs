//! Taking stock: instruments (readiness check, partnership spectrum, health check),
//! rounds a lead opens, answering (drafts, sending, changing until close), paper
//! tallies, results with charts and divergence, suggested cards, trends and exports.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::actions::csv_safe;
use super::charts::{self, Segment, Series};
use super::conversations::conv_url;
use super::conversations::summary::file_name;
use super::extract::{Member, NoFields, SafeForm};
use super::{AppState, Errors, PageCtx, Routes, redirect_with_flash, render, render_status};
use super::{activity::log, short};
use crate::db::Database;
use crate::db::stock::{NewPaper, ShippedCard};
use crate::domain::decks::tidy;
use crate::domain::instruments::{Instrument, Item, Section, parse as parse_instrument};
use crate::domain::model::Id;
use crate::domain::now;
use crate::domain::roles::{Action, can};
use crate::domain::stock::*;
use crate::domain::talk::{CardSnapshot, ConversationFields, TIME_ZONES, parse_day, today};
use crate::error::AppError;

pub fn routes(r: Routes) -> Routes {
    r.get("/p/{slug}/stock", index)
        .get("/p/{slug}/stock/new", new_page)
        .post("/p/{slug}/stock", create)
        .get("/p/{slug}/stock/trends/{instrument}", trends)
        .get("/p/{slug}/instruments/{instrument}", instrument_copy)
        .get("/p/{slug}/stock/{round}", round_page)
        .get("/p/{slug}/stock/{round}/answer", answer_page)
        .post_keeping("/p/{slug}/stock/{round}/answer", answer_save)
        .post("/p/{slug}/stock/{round}/close", close)
        .post("/p/{slug}/stock/{round}/reveal", reveal)
        .get("/p/{slug}/stock/{round}/paper", paper_copy)
        .get("/p/{slug}/stock/{round}/tally", tally_page)
        .post_keeping("/p/{slug}/stock/{round}/tally", tally_save)
        .post("/p/{slug}/stock/{round}/tally/{batch}/delete", tally_delete)
        .get("/p/{slug}/stock/{round}/results", results_page)
        .get("/p/{slug}/stock/{round}/results.csv", results_csv)
        .get("/p/{slug}/stock/{round}/results.pdf", results_pdf)
        .get("/p/{slug}/stock/{round}/answers.csv", answers_csv)
        .post("/p/{slug}/stock/{round}/plan", plan_conversation)
}

// ---------------------------------------------------------------- instruments

/// An instrument version's id with its parsed wording.
pub type Current = (Id, Arc<Instrument>);

/// Parsed instrument versions, by id (stored wording never changes, so they are kept
/// for the life of the process), and the newest version of each.
#[derive(Default)]
pub struct InstrumentCache {
    by_id: RwLock<HashMap<Id, Arc<Instrument>>>,
    latest: RwLock<Option<Vec<Current>>>,
    /// A round's counts, keyed by round id and tagged with the round's `changes`
    /// when they were read: a results page costs one small query until something changes.
    counts: RwLock<HashMap<Id, (i64, Arc<Counts>)>>,
}

/// Counts per group × item × answer, and the size of each group.
pub type Counts = (Vec<Tally>, Vec<GroupSize>);

/// Rounds whose counts are kept at once (the oldest are dropped beyond this).
const COUNTS_KEPT: usize = 512;

impl InstrumentCache {
    /// The instrument version with this id.
    pub async fn get(&self, db: &dyn Database, id: Id) -> Result<Arc<Instrument>, AppError> {
        if let Some(i) = self.by_id.read().ok().and_then(|m| m.get(&id).cloned()) {
            return Ok(i);
        }
        let row = db.stock().instrument(id).await?.ok_or(AppError::NotFound)?;
        let parsed = parse_instrument(&row.source).map_err(|e| {
            AppError::Internal(anyhow::anyhow!(
                "stored instrument {} v{} does not parse: line {}: {}",
                row.key,
                row.version,
                e.first().map_or(0, |e| e.line),
                e.first().map_or("", |e| e.message.as_str())
            ))
        })?;
        let parsed = Arc::new(parsed);
        if let Ok(mut m) = self.by_id.write() {
            m.insert(id, parsed.clone());
        }
        Ok(parsed)
    }

    /// The newest version of every instrument: (version id, instrument).
    pub async fn latest(&self, db: &dyn Database) -> Result<Vec<Current>, AppError> {
        if let Some(l) = self.latest.read().ok().and_then(|l| l.clone()) {
            return Ok(l);
        }
        let mut out = Vec::new();
        for row in db.stock().latest_instruments().await? {
            out.push((row.id, self.get(db, row.id).await?));
        }
        // Readiness, spectrum, health check: the order a partnership meets them.
        let rank = |k: &str| match k {
            "readiness" => 0,
            "spectrum" => 1,
            "health-check" => 2,
            _ => 3,
        };
        out.sort_by_key(|(_, i)| (rank(&i.key), i.key.clone()));
        if let Ok(mut l) = self.latest.write() {
            *l = Some(out.clone());
        }
        Ok(out)
    }

    /// A round's counts, from memory if nothing changed since they were read.
    pub async fn counts(&self, db: &dyn Database, r: &Round) -> Result<Arc<Counts>, AppError> {
        if let Some((changes, c)) = self.counts.read().ok().and_then(|m| m.get(&r.id).cloned())
            && changes == r.changes
        {
            return Ok(c);
        }
        let stock = db.stock();
        let c = Arc::new(tokio::try_join!(
            stock.tallies(r.id),
            stock.group_sizes(r.id)
        )?);
        if let Ok(mut m) = self.counts.write() {
            if m.len() >= COUNTS_KEPT {
                m.clear();
            }
            m.insert(r.id, (r.changes, c.clone()));
        }
        Ok(c)
    }

    /// The newest version of the instrument `key`.
    pub async fn latest_by_key(&self, db: &dyn Database, key: &str) -> Result<Current, AppError> {
        self.latest(db)
            .await?
            .into_iter()
            .find(|(_, i)| i.key == key)
            .ok_or(AppError::NotFound)
    }
}

fn today_here() -> String {
    today(TIME_ZONES[0])
}

pub fn round_url(slug: &str, id: Id) -> String {
    format!("/p/{slug}/stock/{id}")
}

async fn own_round(state: &AppState, m: &Member, id: Id) -> Result<Round, AppError> {
    state
        .db
        .stock()
        .round(id)
        .await?
        .filter(|r| r.partnership_id == m.partnership.id)
        .ok_or(AppError::NotFound)
}

/// The round named in the address, with the instrument version it asks.
async fn own_round_with(
    state: &AppState,
    m: &Member,
    id: Id,
) -> Result<(Round, Arc<Instrument>), AppError> {
    let r = own_round(state, m, id).await?;
    let i = state
        .instruments
        .get(state.db.as_ref(), r.instrument_id)
        .await?;
    Ok((r, i))
}

/// The member's organisation name (kept with their answers).
async fn my_organisation(state: &AppState, m: &Member) -> Result<String, AppError> {
    let d = state
        .directory
        .get(state.db.as_ref(), &m.partnership)
        .await?;
    Ok(d.organisations
        .iter()
        .find(|o| o.id == m.membership.organisation_id)
        .map(|o| o.name.clone())
        .unwrap_or_default())
}

/// Every (section, item) of an instrument, in order.
fn all_items(i: &Instrument) -> impl Iterator<Item = (&Section, &Item)> {
    i.sections
        .iter()
        .flat_map(|s| s.items.iter().map(move |it| (s, it)))
}

/// An option's label, or the key if the scale no longer has it.
fn option_label(i: &Instrument, item: &Item, option: &str) -> String {
    i.scale(&item.scale)
        .and_then(|s| s.option(option))
        .map(|o| o.label.clone())
        .unwrap_or_else(|| option.to_string())
}

// ---------------------------------------------------------------- overview

struct RoundLine {
    round: Round,
    state: RoundState,
    phrase: String,
    mine: &'static str,
    visible: bool,
}

#[derive(Template)]
#[template(path = "stock/index.html")]
struct IndexPage {
    c: PageCtx,
    slug: String,
    instruments: Vec<(Arc<Instrument>, bool)>,
    rounds: Vec<RoundLine>,
    can_open: bool,
    can_answer: bool,
}

async fn index(State(state): State<AppState>, m: Member) -> Result<Response, AppError> {
    m.require(Action::View)?;
    let today = today_here();
    let stock = state.db.stock();
    let (rounds, mine) = tokio::try_join!(
        stock.rounds(m.partnership.id),
        stock.my_answer_sets(m.partnership.id, m.user.id)
    )?;
    let mine: HashMap<Id, Option<i64>> = mine.into_iter().collect();
    let lines: Vec<RoundLine> = rounds
        .into_iter()
        .map(|r| RoundLine {
            state: r.state(&today),
            phrase: r.state_phrase(&today),
            visible: r.results_visible(&today),
            mine: match mine.get(&r.id) {
                Some(Some(_)) => "Sent",
                Some(None) => "Draft saved",
                None => "Not answered",
            },
            round: r,
        })
        .collect();
    let instruments = state
        .instruments
        .latest(state.db.as_ref())
        .await?
        .into_iter()
        .map(|(_, i)| {
            let has_results = lines
                .iter()
                .any(|l| l.visible && l.round.instrument_key == i.key);
            (i, has_results)
        })
        .collect();
    render(&IndexPage {
        c: m.page("Taking stock"),
        slug: m.partnership.slug.clone(),
        instruments,
        rounds: lines,
        can_open: can(m.role(), Action::RunRound),
        can_answer: can(m.role(), Action::EditContent),
    })
}

// ---------------------------------------------------------------- opening a round

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct RoundForm {
    instrument: String,
    title: String,
    opens: String,
    closes: String,
    mode: String,
}

#[derive(Template)]
#[template(path = "stock/new.html")]
struct NewPage {
    c: PageCtx,
    slug: String,
    instruments: Vec<Arc<Instrument>>,
    errors: Errors,
    f: RoundForm,
}

/// A day `days` after `day` (YYYY-MM-DD).
fn add_days(day: &str, days: i64) -> String {
    parse_day(day)
        .ok()
        .and_then(|d| d.checked_add(jiff::Span::new().days(days)).ok())
        .map(|d| d.to_string())
        .unwrap_or_else(|| day.to_string())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewQuery {
    instrument: String,
}

async fn new_form(
    state: &AppState,
    m: &Member,
    errors: Errors,
    f: RoundForm,
) -> Result<Response, AppError> {
    let instruments = state
        .instruments
        .latest(state.db.as_ref())
        .await?
        .into_iter()
        .map(|(_, i)| i)
        .collect();
    render_status(
        errors.status(),
        &NewPage {
            c: m.page("Open a round"),
            slug: m.partnership.slug.clone(),
            instruments,
            errors,
            f,
        },
    )
}

async fn new_page(
    State(state): State<AppState>,
    m: Member,
    Query(q): Query<NewQuery>,
) -> Result<Response, AppError> {
    m.require(Action::RunRound)?;
    let today = today_here();
    let f = RoundForm {
        instrument: if q.instrument.is_empty() {
            "health-check".into()
        } else {
            q.instrument
        },
        title: String::new(),
        closes: add_days(&today, 14),
        opens: today,
        mode: "anonymous".into(),
    };
    new_form(&state, &m, Errors::default(), f).await
}

async fn create(
    State(state): State<AppState>,
    m: Member,
    SafeForm(f): SafeForm<RoundForm>,
) -> Result<Response, AppError> {
    m.require(Action::RunRound)?;
    let today = today_here();
    let mut errors = Errors::default();
    let latest = state.instruments.latest(state.db.as_ref()).await?;
    let instrument = latest.iter().find(|(_, i)| i.key == f.instrument);
    if instrument.is_none() {
        errors.add("instrument", "Choose what to ask");
    }
    let mut title = tidy(&f.title);
    if title.chars().count() > 120 {
        errors.add("title", "Keep the name to 120 characters or fewer");
    }
    let opens = parse_day(&f.opens).map(|d| d.to_string());
    let closes = parse_day(&f.closes).map(|d| d.to_string());
    match (&opens, &closes) {
        (Err(e), _) => errors.add("opens", e.clone()),
        (_, Err(e)) => errors.add("closes", e.clone()),
        (Ok(o), Ok(c)) if c < o => errors.add(
            "closes",
            "The closing day must be on or after the opening day",
        ),
        (_, Ok(c)) if c.as_str() < today.as_str() => errors.add(
            "closes",
            "The closing day has already passed; choose today or later",
        ),
        _ => {}
    }
    let anonymous = match f.mode.as_str() {
        "anonymous" => true,
        "named" => false,
        _ => {
            errors.add("mode", "Choose named or anonymous answers");
            false
        }
    };
    let (Some((iid, inst)), Ok(opens), Ok(closes), true) =
        (instrument, opens, closes, errors.is_empty())
    else {
        return new_form(&state, &m, errors, f).await;
    };
    if title.is_empty() {
        title = format!("{} — {}", inst.title, day_words(&opens));
    }
    let id = state
        .db
        .stock()
        .create_round(
            m.partnership.id,
            &RoundFields {
                instrument_id: *iid,
                title: title.clone(),
                opens_on: opens,
                closes_on: closes,
                anonymous,
            },
            m.user.id,
            now(),
        )
        .await?;
    let url = round_url(&m.partnership.slug, id);
    log(
        &state,
        &m,
        format!("opened the round “{}”", short(&title)),
        &url,
    )
    .await?;
    Ok(redirect_with_flash(
        &url,
        "Round opened. Share the link with the partnership so people can answer.",
    ))
}

// ---------------------------------------------------------------- a round

#[derive(Template)]
#[template(path = "stock/round.html")]
struct RoundPage {
    c: PageCtx,
    slug: String,
    r: Round,
    instrument: Arc<Instrument>,
    state: RoundState,
    phrase: String,
    visible: bool,
    mine: Option<AnswerSet>,
    names: Vec<(String, String)>,
    batches: Vec<PaperBatch>,
    can_run: bool,
    can_answer: bool,
    me: Id,
}

async fn round_page(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    m.require(Action::View)?;
    let (r, instrument) = own_round_with(&state, &m, id).await?;
    let today = today_here();
    let stock = state.db.stock();
    let names = if r.anonymous {
        vec![]
    } else {
        stock.answered_names(r.id).await?
    };
    render(&RoundPage {
        c: m.page(&r.title),
        slug: m.partnership.slug.clone(),
        state: r.state(&today),
        phrase: r.state_phrase(&today),
        visible: r.results_visible(&today),
        mine: stock.answer_set(r.id, m.user.id).await?,
        batches: stock.paper_batches(r.id).await?,
        names,
        instrument,
        r,
        can_run: can(m.role(), Action::RunRound),
        can_answer: can(m.role(), Action::EditContent),
        me: m.user.id,
    })
}

async fn close(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(_): SafeForm<NoFields>,
) -> Result<Response, AppError> {
    m.require(Action::RunRound)?;
    let r = own_round(&state, &m, id).await?;
    state.db.stock().close_round(r.id, now()).await?;
    let url = round_url(&m.partnership.slug, r.id);
    log(
        &state,
        &m,
        format!("closed the round “{}”", short(&r.title)),
        &url,
    )
    .await?;
    Ok(redirect_with_flash(
        &url,
        "Round closed. Nobody can change their answers now; the results are ready.",
    ))
}

async fn reveal(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(_): SafeForm<NoFields>,
) -> Result<Response, AppError> {
    m.require(Action::RunRound)?;
    let r = own_round(&state, &m, id).await?;
    state.db.stock().reveal_round(r.id).await?;
    let url = format!("{}/results", round_url(&m.partnership.slug, r.id));
    log(
        &state,
        &m,
        format!("showed the results of “{}” early", short(&r.title)),
        &url,
    )
    .await?;
    Ok(redirect_with_flash(
        &url,
        "Results are now visible to the partnership. People can still answer until the round closes.",
    ))
}

// ---------------------------------------------------------------- answering

/// One question on the answer form.
struct Question {
    item: Item,
    field: String,
    chosen: String,
    error: Option<String>,
    /// (key, label, description)
    options: Vec<(String, String, String)>,
}

struct QuestionSection {
    section: Section,
    questions: Vec<Question>,
}

#[derive(Template)]
#[template(path = "stock/answer.html")]
struct AnswerPage {
    c: PageCtx,
    slug: String,
    r: Round,
    instrument: Arc<Instrument>,
    sections: Vec<QuestionSection>,
    /// (field id, message)
    problems: Vec<(String, String)>,
    sent_at: Option<String>,
    draft_at: Option<String>,
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
            sections,
            problems: vec![],
            sent_at: set.and_then(|s| s.submitted_at).map(super::date_time),
            draft_at: set
                .filter(|s| s.submitted_at.is_none())
                .map(|s| super::date_time(s.updated_at)),
            instrument,
            r,
        }
    }
}

#[derive(Template)]
#[template(path = "stock/closed.html")]
struct ClosedPage {
    c: PageCtx,
    slug: String,
    r: Round,
    lead: String,
    /// (question, answer) they had entered or sent.
    entered: Vec<(String, String)>,
    not_saved: bool,
}

fn field_name(item: &Item) -> String {
    format!("a-{}", item.key)
}

fn question_sections(
    i: &Instrument,
    chosen: &HashMap<String, String>,
    errors: &HashMap<String, String>,
) -> Vec<QuestionSection> {
    i.sections
        .iter()
        .map(|s| QuestionSection {
            section: s.clone(),
            questions: s
                .items
                .iter()
                .map(|it| Question {
                    item: it.clone(),
                    field: field_name(it),
                    chosen: chosen.get(&it.key).cloned().unwrap_or_default(),
                    error: errors.get(&it.key).cloned(),
                    options: i
                        .scale(&it.scale)
                        .map(|sc| {
                            sc.options
                                .iter()
                                .map(|o| {
                                    (
                                        o.key.clone(),
                                        o.label.clone(),
                                        o.description.clone().unwrap_or_default(),
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

fn closed_page(
    m: &Member,
    r: Round,
    i: &Instrument,
    entered: &HashMap<String, String>,
    not_saved: bool,
) -> Result<Response, AppError> {
    let today = today_here();
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

async fn answer_page(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let (r, i) = own_round_with(&state, &m, id).await?;
    let set = state.db.stock().answer_set(r.id, m.user.id).await?;
    let chosen: HashMap<String, String> = set
        .as_ref()
        .map(|s| s.answers.iter().cloned().collect())
        .unwrap_or_default();
    if r.state(&today_here()) != RoundState::Open {
        return closed_page(&m, r, &i, &chosen, false);
    }
    let sections = question_sections(&i, &chosen, &HashMap::new());
    render(&AnswerPage::new(&m, r, i, set.as_ref(), sections))
}

async fn answer_save(
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
    if r.state(&today_here()) != RoundState::Open {
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
                        format!("{}: {e}", short(&it.text)),
                    ));
                    errors.insert(it.key.clone(), e);
                }
            },
            None if sending && !s.optional => {
                let e = "Choose an answer (\"don't know\" or \"not sure\" are fine where offered)"
                    .to_string();
                problems.push((
                    format!("{}-0", field_name(it)),
                    format!("{}: choose an answer", short(&it.text)),
                ));
                errors.insert(it.key.clone(), e);
            }
            None => {}
        }
    }
    // An answer that is not on the scale is refused even in a draft; missing answers
    // only stop sending.
    if !errors.is_empty() {
        let set = state.db.stock().answer_set(r.id, m.user.id).await?;
        let sections = question_sections(&i, &chosen, &errors);
        let mut page = AnswerPage::new(&m, r, i, set.as_ref(), sections);
        page.problems = problems;
        page.draft_at = None;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let org = my_organisation(&state, &m).await?;
    state
        .db
        .stock()
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

// ---------------------------------------------------------------- paper

#[derive(Template)]
#[template(path = "stock/paper.html")]
struct PaperPage {
    c: PageCtx,
    slug: String,
    instrument: Arc<Instrument>,
    round: Option<Round>,
}

async fn paper_copy(
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

async fn instrument_copy(
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

struct TallyRow {
    item: Item,
    /// (field name, option label, value typed)
    cells: Vec<(String, String, String)>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "stock/tally.html")]
struct TallyPage {
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

fn tally_field(item: &str, option: &str) -> String {
    format!("t-{item}-{option}")
}

async fn tally_form(
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

async fn tally_page(
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
const MAX_FORMS: i64 = 5_000;

async fn tally_save(
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
        .stock()
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

async fn tally_delete(
    State(state): State<AppState>,
    m: Member,
    Path((_, id, batch)): Path<(String, Id, Id)>,
    SafeForm(_): SafeForm<NoFields>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let r = own_round(&state, &m, id).await?;
    let stock = state.db.stock();
    let b = stock
        .paper_batches(r.id)
        .await?
        .into_iter()
        .find(|b| b.id == batch)
        .ok_or(AppError::NotFound)?;
    // Whoever entered a batch may take it out again; so may a lead.
    if b.entered_by != Some(m.user.id) {
        m.require(Action::RunRound)?;
    }
    stock.delete_paper(r.id, b.id).await?;
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
    super::date(t.plain())
}

/// "4 March 2031 at 14:05", for templates.
pub fn day_time(t: impl Plain<i64>) -> String {
    super::date_time(t.plain())
}

/// An action's status in words.
pub fn status_label(s: &str) -> &'static str {
    crate::domain::talk::ActionStatus::parse(s).map_or("", |s| s.label())
}

/// Up to `n` cards from the suggested themes, taking turns between themes.
fn cards_for(refs: &[String], shipped: &[ShippedCard], n: usize) -> Vec<ShippedCard> {
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

/// Per item chart: (svg, option colours).
pub struct ItemChart {
    pub svg: String,
    pub colours: Vec<&'static str>,
}

const DIVERGING: [(i64, &str); 5] = [
    (0, "#b2182b"),
    (25, "#ef8a62"),
    (50, "#d9d9d9"),
    (75, "#67a9cf"),
    (100, "#2166ac"),
];
const SEQUENTIAL: [&str; 5] = ["#c6dbef", "#9ecae1", "#4292c6", "#08519c", "#08306b"];
const NO_SCORE: &str = "#595959";

fn option_colours(item: &ItemResult, scored: bool) -> Vec<&'static str> {
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

fn item_chart(id: &str, item: &ItemResult, scored: bool, groups: &[Group]) -> ItemChart {
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
        .map(|(g, grp)| format!("{}: mostly {}", grp.name, item.most_common(g)))
        .collect::<Vec<_>>()
        .join(". ");
    ItemChart {
        svg: charts::stacked(id, &format!("Answers to: {}", item.text), &desc, &rows),
        colours,
    }
}

/// For a section of two questions answered on a scale of positions (the spectrum's
/// "now" and "wanted"): each group's average position on both.
fn position_chart(s: &SectionResult, groups: &[Group]) -> Option<String> {
    let [a, b] = s.items.as_slice() else {
        return None;
    };
    let ticks: Vec<(i64, String)> = a
        .options
        .iter()
        .filter_map(|(_, label, p)| p.map(|p| (p, label.clone())))
        .collect();
    if ticks.len() < 2 {
        return None;
    }
    let rows: Vec<(String, [Option<i64>; 2])> = groups
        .iter()
        .enumerate()
        .map(|(g, grp)| (grp.name.clone(), [a.score_of(g), b.score_of(g)]))
        .collect();
    let desc = groups
        .iter()
        .enumerate()
        .map(|(g, grp)| {
            format!(
                "{}: {} mostly {}; {} mostly {}",
                grp.name,
                short(&a.text),
                a.most_common(g),
                short(&b.text),
                b.most_common(g)
            )
        })
        .collect::<Vec<_>>()
        .join(". ");
    Some(charts::positions(
        &format!("positions-{}", s.key),
        &format!("{}: on average, by group", s.title),
        &desc,
        &ticks,
        [a.text.as_str(), b.text.as_str()],
        &rows,
    ))
}

/// A sentence on the scores: highest and lowest principle.
fn score_summary(sections: &[SectionResult]) -> String {
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
struct ResultsPage {
    c: PageCtx,
    slug: String,
    r: Round,
    phrase: String,
    visible: bool,
    res: Results,
    score_chart: String,
    score_summary: String,
    scored: Vec<SectionResult>,
    unscored: Vec<SectionResult>,
    charts: HashMap<String, ItemChart>,
    /// Per unscored two-question section (the spectrum): where each group is now and
    /// wants to be, as a chart.
    position_charts: HashMap<String, String>,
    differences: Vec<DifferenceView>,
    batches: Vec<PaperBatch>,
    can_run: bool,
    can_edit: bool,
    raw_export: bool,
}

/// The results a member may see, or None while they are hidden.
async fn results_for(state: &AppState, r: &Round) -> Result<(Arc<Instrument>, Results), AppError> {
    let i = state
        .instruments
        .get(state.db.as_ref(), r.instrument_id)
        .await?;
    let counts = state.instruments.counts(state.db.as_ref(), r).await?;
    let res = compute(&i, &counts.0, plan_groups(&counts.1, r.anonymous));
    Ok((i, res))
}

async fn results_page(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    m.require(Action::View)?;
    let r = own_round(&state, &m, id).await?;
    let today = today_here();
    let visible = r.results_visible(&today);
    let (res, batches) = if visible {
        let (_, res) = results_for(&state, &r).await?;
        (res, state.db.stock().paper_batches(r.id).await?)
    } else {
        (
            Results {
                groups: vec![],
                note: None,
                sections: vec![],
                differences: vec![],
            },
            vec![],
        )
    };
    let scored: Vec<SectionResult> = res.sections.iter().filter(|s| s.scored).cloned().collect();
    let unscored: Vec<SectionResult> = res.sections.iter().filter(|s| !s.scored).cloned().collect();
    let series: Vec<Series> = res
        .groups
        .iter()
        .enumerate()
        .map(|(g, grp)| Series {
            name: grp.name.clone(),
            values: scored.iter().map(|s| s.scores[g]).collect(),
        })
        .collect();
    let summary = score_summary(&scored);
    let score_chart = if scored.is_empty() || res.is_empty() {
        String::new()
    } else {
        charts::score_bars(
            "chart-scores",
            &format!("Scores out of 100: {}", r.instrument_title),
            &summary,
            &scored.iter().map(|s| s.title.clone()).collect::<Vec<_>>(),
            &series,
        )
    };
    let mut chart_map = HashMap::new();
    for s in &res.sections {
        for (n, it) in s.items.iter().enumerate() {
            chart_map.insert(
                it.key.clone(),
                item_chart(&format!("item-{}-{n}", s.key), it, s.scored, &res.groups),
            );
        }
    }
    let position_charts = unscored
        .iter()
        .filter_map(|s| position_chart(s, &res.groups).map(|c| (s.key.clone(), c)))
        .collect();
    let shipped = if res.differences.is_empty() {
        vec![]
    } else {
        state.db.stock().shipped_cards().await?
    };
    let differences = res
        .differences
        .iter()
        .take(6)
        .map(|d| DifferenceView {
            cards: cards_for(&d.suggest, &shipped, 3),
            action_query: super::urlencode(&format!("Talk through: {}", short(&d.title))),
            d: d.clone(),
        })
        .collect();
    render(&ResultsPage {
        c: m.page(&format!("Results: {}", r.title)),
        slug: m.partnership.slug.clone(),
        phrase: r.state_phrase(&today),
        visible,
        score_chart,
        score_summary: summary,
        scored,
        unscored,
        charts: chart_map,
        position_charts,
        differences,
        batches,
        can_run: can(m.role(), Action::RunRound),
        can_edit: can(m.role(), Action::EditContent),
        raw_export: can(m.role(), Action::RunRound) && !r.anonymous,
        res,
        r,
    })
}

/// The newest round of `instrument` whose results are visible, with everyone's score
/// per section key.
pub async fn latest_scores(
    state: &AppState,
    partnership_id: Id,
    instrument: &str,
) -> Result<Option<(Round, Vec<(String, Option<i64>)>)>, AppError> {
    let today = today_here();
    let Some(r) = state
        .db
        .stock()
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
async fn visible_results(
    state: &AppState,
    m: &Member,
    id: Id,
) -> Result<(Round, Arc<Instrument>, Results), AppError> {
    let r = own_round(state, m, id).await?;
    if !r.results_visible(&today_here()) {
        return Err(AppError::Forbidden);
    }
    let (i, res) = results_for(state, &r).await?;
    Ok((r, i, res))
}

fn csv_response(bytes: Vec<u8>, title: &str) -> Response {
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

async fn results_csv(
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
fn answers_csv_bytes(i: &Instrument, rows: &[RawAnswer]) -> Result<Vec<u8>, csv::Error> {
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
            super::date_time(a.submitted_at),
        ])?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

async fn answers_csv(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    m.require(Action::RunRound)?;
    let (r, i, _) = visible_results(&state, &m, id).await?;
    if r.anonymous {
        return Err(AppError::Forbidden);
    }
    let rows = state.db.stock().raw_answers(r.id).await?;
    let bytes = answers_csv_bytes(&i, &rows).map_err(|e| AppError::Internal(e.into()))?;
    Ok(csv_response(bytes, &format!("{} answers", r.title)))
}

async fn results_pdf(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    use crate::pdf::Block;
    m.require(Action::View)?;
    let (r, _, res) = visible_results(&state, &m, id).await?;
    let today = today_here();
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

// ---------------------------------------------------------------- from results to talk

#[derive(Deserialize, Default)]
#[serde(default)]
struct PlanForm {
    section: String,
    item: String,
}

/// Plan a conversation with the cards suggested for one difference.
async fn plan_conversation(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<PlanForm>,
) -> Result<Response, AppError> {
    m.require(Action::EditContent)?;
    let (r, _, res) = visible_results(&state, &m, id).await?;
    let d = res
        .differences
        .iter()
        .find(|d| {
            d.section_key == f.section && d.item_key.as_deref().unwrap_or("") == f.item.as_str()
        })
        .ok_or(AppError::NotFound)?;
    let shipped = state.db.stock().shipped_cards().await?;
    let cards = cards_for(&d.suggest, &shipped, 3);
    let talk = state.db.talk();
    let cid = talk
        .create_conversation(
            m.partnership.id,
            &ConversationFields {
                title: format!("Talking about: {}", short(&d.title)),
                time_zone: TIME_ZONES[0].into(),
                purpose: format!(
                    "The round “{}” showed we see this differently. {}",
                    r.title, d.reason
                ),
                ..Default::default()
            },
            m.user.id,
            now(),
        )
        .await?;
    for c in shipped
        .iter()
        .filter(|s| cards.iter().any(|c| c.card_id == s.card_id))
    {
        let snap = CardSnapshot {
            card_id: c.card_id,
            text: c.text.clone(),
            prompt: None,
            deck_title: c.deck_title.clone(),
            theme_name: c.theme_name.clone(),
            colour: c.colour.clone(),
        };
        talk.add_card_item(cid, &snap, 15, now()).await?;
    }
    let url = conv_url(&m.partnership.slug, cid);
    log(
        &state,
        &m,
        format!(
            "planned a conversation about “{}” from a round's results",
            short(&d.title)
        ),
        &url,
    )
    .await?;
    Ok(redirect_with_flash(
        &url,
        "Conversation planned with the suggested cards. Add a date and who is coming.",
    ))
}

// ---------------------------------------------------------------- trends

#[derive(Template)]
#[template(path = "stock/trends.html")]
struct TrendsPage {
    c: PageCtx,
    slug: String,
    title: String,
    rounds: Vec<Round>,
    /// (section title, score per round)
    rows: Vec<(String, Vec<Option<i64>>)>,
    chart: String,
    summary: String,
}

async fn trends(
    State(state): State<AppState>,
    m: Member,
    Path((_, key)): Path<(String, String)>,
) -> Result<Response, AppError> {
    m.require(Action::View)?;
    let today = today_here();
    let (_, latest) = state
        .instruments
        .latest_by_key(state.db.as_ref(), &key)
        .await?;
    let mut rounds: Vec<Round> = state
        .db
        .stock()
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
            Some(t) => super::date(t),
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
