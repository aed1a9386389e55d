//! The facilitator's side of a live session: starting one, the console that runs it,
//! the projector's screen, and everything done to steps, thoughts and participants.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::events::{Follower, stream};
use super::{live_url, own_live, own_step};
use crate::db::live::{
    ItemPart, NewSession, NewStep, PlanItem, SetUpRefused, StepChange, StepSetup,
};
use crate::domain::conversations::{ConversationFields, ConversationStatus};
use crate::domain::live::*;
use crate::domain::model::Id;
use crate::domain::now;
use crate::domain::plans::Plan;
use crate::domain::roles::Action;
use crate::error::AppError;
use crate::web::activity::log;
use crate::web::extract::{Member, SafeForm};
use crate::web::{
    AppState, Bounced, ConfirmPage, Confirmed, PageCtx, redirect_with_flash, redirect_with_problem,
    render, render_status, short,
};

/// A step with what the person looking may see of its answers.
pub struct StepView {
    pub step: Step,
    pub tally: Tally,
    /// Thoughts this viewer may see (the console: all; the screen and phones: released).
    pub thoughts: Vec<Thought>,
    /// Thoughts still held (the console only counts them for others).
    pub held: usize,
    /// Phones that answered.
    pub answered: i64,
}

impl StepView {
    /// Load a step's answers. `everything`: the facilitator's view (held thoughts,
    /// names in named steps); otherwise what the room may see.
    pub async fn load(state: &AppState, step: Step, everything: bool) -> Result<Self, AppError> {
        let answers = state.db.live_answers(step.id).await?;
        let hands = state.db.hand_counts(step.id).await?;
        let mut tally = Tally::count(&step, &answers, &hands);
        if !everything {
            tally = tally.without_names();
        }
        let thoughts = state.db.live_thoughts(step.id).await?;
        let held = thoughts.iter().filter(|t| t.released_at.is_none()).count();
        let thoughts = thoughts_as_shown(thoughts, &step, everything);
        let answered = if step.kind == StepKind::Thoughts {
            state.db.live_answer_count(&step).await?
        } else {
            answers.len() as i64
        };
        Ok(StepView {
            step,
            tally,
            thoughts,
            held,
            answered,
        })
    }

    /// What a phone shows of a step: its results only once they are shown to the
    /// room (until then the answers are not read at all, so a room of phones
    /// reloading after each step costs one small read each), and the thoughts on
    /// the screen.
    pub async fn for_phone(state: &AppState, step: Step) -> Result<Self, AppError> {
        if step.revealed {
            return Self::load(state, step, false).await;
        }
        let mut thoughts = Vec::new();
        if step.kind == StepKind::Thoughts {
            thoughts = thoughts_as_shown(state.db.live_thoughts(step.id).await?, &step, false);
        }
        Ok(StepView {
            tally: Tally::count(&step, &[], &[]),
            step,
            thoughts,
            held: 0,
            answered: 0,
        })
    }

    /// The text class that reads on the step's theme colour.
    pub fn text_class(&self) -> &'static str {
        crate::web::decks::on_colour(&self.step.colour)
    }

    /// The step's theme colour, or the brand's for a step without one.
    pub fn colour(&self) -> &str {
        if self.step.colour.is_empty() {
            "#00594f"
        } else {
            &self.step.colour
        }
    }

    /// Whether the room may see the results now.
    pub fn shown(&self) -> bool {
        self.step.revealed
    }

    /// What the numbers in the results count ("People", "Dots", "Points").
    pub fn unit(&self) -> &'static str {
        unit(self.step.kind)
    }

    /// A scale's two ends in words: "1 (Strongly disagree) to 5 (Strongly agree)".
    pub fn scale_ends(&self) -> String {
        let points = self.step.choices();
        match (points.first(), points.last()) {
            (Some(first), Some(last)) => format!(
                "1 ({}) to {} ({})",
                first.to_lowercase(),
                points.len(),
                last.to_lowercase()
            ),
            _ => String::new(),
        }
    }

    /// The numbers a dot vote's boxes offer: 0 to the dots each person has.
    pub fn dot_range(&self) -> Vec<i64> {
        (0..=self.step.dots).collect()
    }

    /// The places a ranking offers: 1 to the number of options.
    pub fn places(&self) -> Vec<usize> {
        (1..=self.step.choices().len()).collect()
    }

    /// The points on each scale of a grid.
    pub fn grid_points(&self) -> Vec<usize> {
        (1..=GRID_POINTS).collect()
    }

    /// The spectrum's points with what each means.
    pub fn spectrum(&self) -> Vec<(usize, &'static str, &'static str)> {
        SPECTRUM
            .iter()
            .enumerate()
            .map(|(i, (name, means))| (i + 1, *name, *means))
            .collect()
    }

    /// A word cloud of a one-word step's answers (SVG).
    pub fn cloud(&self) -> String {
        let words: Vec<(String, i64)> = self
            .tally
            .counts
            .iter()
            .take(MAX_CLOUD)
            .map(|c| (c.label.clone(), c.total()))
            .collect();
        crate::web::charts::word_cloud(
            &format!("cloud-{}", self.step.id),
            &format!("Word cloud: {}", self.step.title),
            &words,
        )
    }

    /// The spectrum's answers drawn like a round's spectrum chart: everyone, then
    /// each organisation of three or more.
    pub fn spectrum_chart(&self) -> String {
        let t = &self.tally;
        let ticks: Vec<(i64, String)> = SPECTRUM
            .iter()
            .enumerate()
            .map(|(i, (name, _))| (i as i64 * 100 / 3, name.to_string()))
            .collect();
        let mean = |c: &[i64]| -> Option<i64> {
            let n: i64 = c.iter().sum();
            (n > 0).then(|| {
                let sum: i64 = c.iter().enumerate().map(|(i, k)| i as i64 * k).sum();
                sum * 100 / 3 / n
            })
        };
        let all = [
            t.counts.iter().map(Count::total).collect::<Vec<_>>(),
            t.wanted.iter().map(Count::total).collect::<Vec<_>>(),
        ];
        let mut rows = vec![crate::web::charts::PositionRow {
            name: "Everyone".into(),
            means: [mean(&all[0]), mean(&all[1])],
            counts: all,
        }];
        for g in &t.groups {
            rows.push(crate::web::charts::PositionRow {
                name: g.name.clone(),
                means: [mean(&g.counts), mean(&g.wanted)],
                counts: [g.counts.clone(), g.wanted.clone()],
            });
        }
        crate::web::charts::positions(
            &format!("spectrum-{}", self.step.id),
            &format!("{}: how many chose each point", self.step.title),
            &self.tally.lines(StepKind::Spectrum).join(". "),
            &ticks,
            ["Where we are now", "Where we want to be"],
            &rows,
        )
    }

    /// A grid's placements (SVG): each placement a small dot, each option's average
    /// a labelled ring.
    pub fn grid_chart(&self) -> String {
        let [across, up] = self.step.axes();
        crate::web::charts::grid(
            &format!("grid-{}", self.step.id),
            &format!("{}: where people placed each option", self.step.title),
            &self.tally.lines(StepKind::Grid).join(". "),
            [&across, &up],
            GRID_POINTS as i64,
            &self.tally.places,
        )
    }

    /// The spectrum's "wanted" count at point `i` (from 0).
    pub fn wanted_at(&self, i: &usize) -> Option<&Count> {
        self.tally.wanted.get(*i)
    }

    /// The grid's two scales.
    pub fn axes(&self) -> [String; 2] {
        self.step.axes()
    }

    /// The thoughts on the screen as the room sees them: each group once, with how
    /// many more said much the same.
    pub fn grouped(&self) -> Vec<(&Thought, usize)> {
        let released: Vec<&Thought> = self
            .thoughts
            .iter()
            .filter(|t| t.released_at.is_some())
            .collect();
        grouped_thoughts(&released)
    }

    /// "(+2 similar)" for a group of three, else nothing.
    pub fn similar(&self, n: &usize) -> String {
        similar_label(n)
    }

    /// The thoughts `t` can be grouped with: the others not already in a group.
    pub fn group_choices(&self, t: &Thought) -> Vec<&Thought> {
        self.thoughts
            .iter()
            .filter(|o| o.id != t.id && o.grouped_into.is_none())
            .collect()
    }

    /// The words of the thought with this id (the first of a group, for its others).
    pub fn thought_body(&self, id: &Id) -> &str {
        self.thoughts
            .iter()
            .find(|t| t.id == *id)
            .map_or("", |t| t.body.as_str())
    }

    /// The results in words for the conversation's record.
    pub fn record_text(&self, session_title: &str) -> String {
        let mut out = format!("From the live session “{session_title}”");
        if self.tally.answered + self.tally.hands > 0 || !self.tally.counts.is_empty() {
            out.push_str(&format!(
                " ({} answered on phones{}):",
                self.tally.answered,
                if self.tally.hands > 0 {
                    format!(", {} by show of hands", self.tally.hands)
                } else {
                    String::new()
                }
            ));
        } else {
            out.push(':');
        }
        out.push('\n');
        for line in self.tally.lines(self.step.kind) {
            out.push_str(&format!("\n- {line}"));
        }
        for (t, n) in self.grouped() {
            out.push_str(&format!("\n- {}", thought_line(t, n)));
        }
        out
    }
}

#[derive(Template)]
#[template(path = "live/list.html")]
struct ListPage {
    c: PageCtx,
    slug: String,
    sessions: Vec<LiveSession>,
    /// Planned conversations with an agenda: (id, title, items).
    planned: Vec<(Id, String, usize)>,
    plans: Vec<Plan>,
    can_run: bool,
}

pub async fn list(State(state): State<AppState>, m: Member) -> Result<Response, AppError> {
    m.require(Action::View)?;
    let sessions = state.db.live_sessions(m.partnership.id).await?;
    let mut planned = Vec::new();
    for c in state.db.conversations(m.partnership.id).await? {
        if c.status == ConversationStatus::Planned {
            let items = state.db.agenda(c.id).await?.len();
            planned.push((c.id, c.title, items));
        }
    }
    render(&ListPage {
        c: m.page("Live sessions"),
        slug: m.partnership.slug.clone(),
        sessions,
        planned,
        plans: crate::builtin::shipped_plans().map_err(AppError::Internal)?,
        can_run: crate::domain::roles::can(m.role(), Action::RunLiveSession),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StartForm {
    conversation: String,
}

/// Start a session from a planned conversation: its agenda items become the steps
/// (a card asks for thoughts; a free item just shows).
pub async fn start(
    State(state): State<AppState>,
    m: Member,
    SafeForm(f): SafeForm<StartForm>,
) -> Result<Response, AppError> {
    m.require(Action::RunLiveSession)?;
    let back = format!("/p/{}/live", m.partnership.slug);
    let Ok(conv_id) = f.conversation.parse::<Id>() else {
        return Ok(redirect_with_problem(
            &back,
            "Choose the conversation to run live.",
        ));
    };
    let conv = crate::web::conversations::own_conversation(&state, &m, conv_id).await?;
    let agenda = state.db.agenda(conv.id).await?;
    if agenda.is_empty() {
        return Ok(redirect_with_problem(
            &back,
            "That conversation has no agenda yet. Add a card or an item to it first.",
        ));
    }
    let steps: Vec<NewStep> = agenda
        .iter()
        .map(|i| NewStep {
            item_id: Some(i.id),
            title: i.title.clone(),
            prompt: i.prompt.clone().unwrap_or_default(),
            theme_name: i.theme_name.clone(),
            colour: i.colour.clone(),
            kind: if i.is_card {
                StepKind::Thoughts
            } else {
                StepKind::Show
            }
            .as_str()
            .into(),
            options: String::new(),
            minutes: i.minutes.clamp(0, 240),
            dots: 3,
            anonymous: true,
            script: String::new(),
        })
        .collect();
    // A clash with another open session's code is rare (31^6 codes); try again.
    for _ in 0..8 {
        let code = new_code()?;
        if let Some(id) = state
            .db
            .start_live_session(
                &NewSession {
                    partnership_id: m.partnership.id,
                    conversation_id: Some(conv.id),
                    title: &conv.title,
                    code: &code,
                    created_by: m.user.id,
                    plan_key: None,
                },
                &steps,
                now(),
            )
            .await?
        {
            let url = live_url(&m.partnership.slug, id);
            log(
                &state,
                &m,
                format!("started a live session of “{}”", short(&conv.title)),
                &url,
            )
            .await?;
            return Ok(redirect_with_flash(
                &url,
                "Live session started. Open the screen on the projector; people join with the code.",
            ));
        }
    }
    Err(AppError::Internal(anyhow::anyhow!(
        "no free join code after 8 tries"
    )))
}

#[derive(Template)]
#[template(path = "live/plan.html")]
struct PlanPage {
    c: PageCtx,
    slug: String,
    plan: Plan,
    can_run: bool,
}

/// A shipped plan by its key, else 404.
fn shipped_plan(key: &str) -> Result<Plan, AppError> {
    crate::builtin::shipped_plans()
        .map_err(AppError::Internal)?
        .into_iter()
        .find(|p| p.key == key)
        .ok_or(AppError::NotFound)
}

/// A session plan: its steps, timings and notes, before starting it.
pub async fn plan(m: Member, Path((_, key)): Path<(String, String)>) -> Result<Response, AppError> {
    m.require(Action::View)?;
    let plan = shipped_plan(&key)?;
    render(&PlanPage {
        c: m.page(&plan.title),
        slug: m.partnership.slug.clone(),
        can_run: crate::domain::roles::can(m.role(), Action::RunLiveSession),
        plan,
    })
}

/// Start a session from a plan: a new planned conversation whose agenda is the
/// plan's steps (so the record has a place for everything kept), and the session.
pub async fn start_plan(
    State(state): State<AppState>,
    m: Member,
    Path((_, key)): Path<(String, String)>,
    SafeForm(_): SafeForm<crate::web::extract::NoFields>,
) -> Result<Response, AppError> {
    m.require(Action::RunLiveSession)?;
    m.require(Action::EditContent)?;
    let plan = shipped_plan(&key)?;
    let mut items = Vec::new();
    let mut steps = Vec::new();
    for s in &plan.steps {
        let card = match s.card.as_deref().and_then(|r| r.split_once('/')) {
            Some((deck, card)) => state.db.shipped_card(deck, card).await?,
            None => None,
        };
        items.push(PlanItem {
            title: s.title.clone(),
            minutes: s.minutes,
            card,
        });
        steps.push(NewStep {
            item_id: None,
            title: s.title.clone(),
            prompt: s.prompt.clone(),
            theme_name: s.theme_name.clone(),
            colour: s.colour.clone(),
            kind: s.kind.as_str().into(),
            options: s.options.join("\n"),
            minutes: s.minutes,
            dots: s.dots,
            anonymous: s.anonymous,
            script: s.script.clone(),
        });
    }
    let conversation = ConversationFields {
        title: plan.title.clone(),
        starts_at: Some(now()),
        time_zone: m.partnership.time_zone.clone(),
        facilitator_id: Some(m.user.id),
        purpose: plan.about.clone(),
        ..Default::default()
    };
    for _ in 0..8 {
        let code = new_code()?;
        if let Some((_, id)) = state
            .db
            .start_plan_session(
                &conversation,
                &items,
                &NewSession {
                    partnership_id: m.partnership.id,
                    conversation_id: None,
                    title: &plan.title,
                    code: &code,
                    created_by: m.user.id,
                    plan_key: Some(&plan.key),
                },
                &steps,
                now(),
            )
            .await?
        {
            let url = live_url(&m.partnership.slug, id);
            log(
                &state,
                &m,
                format!(
                    "started a live session from the plan “{}”",
                    short(&plan.title)
                ),
                &url,
            )
            .await?;
            return Ok(redirect_with_flash(
                &url,
                "Live session started, with a conversation to keep its record in. Open the \
                 screen on the projector; people join with the code.",
            ));
        }
    }
    Err(AppError::Internal(anyhow::anyhow!(
        "no free join code after 8 tries"
    )))
}

/// A fresh join code.
fn new_code() -> Result<String, AppError> {
    let mut bytes = [0u8; CODE_LENGTH];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    Ok(code_from(bytes))
}

#[derive(Template)]
#[template(path = "live/console.html")]
struct ConsolePage {
    c: PageCtx,
    slug: String,
    live: LiveSession,
    steps: Vec<Step>,
    current: Option<StepView>,
    participants: Vec<Participant>,
    join_address: String,
    kinds: Vec<(&'static str, &'static str)>,
    /// Who can own an action: (key, name).
    owners: Vec<(String, String)>,
    /// Where options can come from besides the box: (key, words).
    option_sources: Vec<(String, String)>,
    can_keep: bool,
    bounced: Bounced,
}

impl ConsolePage {
    fn next_step(&self) -> Option<&Step> {
        match self.live.current_step {
            None => self.steps.first(),
            Some(id) => {
                let at = self.steps.iter().position(|s| s.id == id)?;
                self.steps.get(at + 1)
            }
        }
    }
    fn previous_step(&self) -> Option<&Step> {
        let id = self.live.current_step?;
        let at = self.steps.iter().position(|s| s.id == id)?;
        at.checked_sub(1).and_then(|i| self.steps.get(i))
    }
    fn is_current(&self, s: &Step) -> bool {
        self.live.current_step == Some(s.id)
    }
    /// What to show in the hand-count box of option `i`: what was typed if the form
    /// was sent back, else the saved count.
    fn hand_typed(&self, i: &usize, saved: &i64) -> String {
        let (i, saved) = (*i, *saved);
        let saved = if saved > 0 {
            saved.to_string()
        } else {
            String::new()
        };
        self.bounced
            .value("hands", &format!("hand_{i}"), &saved)
            .to_string()
    }
    fn active(&self) -> usize {
        self.participants.iter().filter(|p| !p.removed).count()
    }
}

/// The address people type, without the scheme.
fn join_address(state: &AppState) -> String {
    let base = state
        .public_url
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    format!("{base}/live")
}

async fn console_page(
    state: &AppState,
    m: &Member,
    live: LiveSession,
    bounced: Bounced,
) -> Result<Response, AppError> {
    let steps = state.db.live_steps(live.id).await?;
    let current = match steps.iter().find(|s| Some(s.id) == live.current_step) {
        Some(s) => Some(StepView::load(state, s.clone(), true).await?),
        None => None,
    };
    let participants = state.db.live_participants(live.id).await?;
    let owners = state
        .directory
        .get(state.db.as_ref(), &m.partnership)
        .await?
        .owner_choices(None);
    let status = bounced.status();
    let option_sources = option_sources(&steps)?;
    render_status(
        status,
        &ConsolePage {
            c: m.page(&format!("Live: {}", live.title))
                .quiet(bounced.has_problems()),
            slug: m.partnership.slug.clone(),
            join_address: join_address(state),
            kinds: StepKind::ALL
                .iter()
                .map(|k| (k.as_str(), k.label()))
                .collect(),
            live,
            steps,
            current,
            participants,
            owners,
            option_sources,
            can_keep: crate::domain::roles::can(m.role(), Action::EditContent),
            bounced,
        },
    )
}

/// A shipped instrument's answer scale offered for a step: (key, words, its points).
type OfferedScale = (String, String, Vec<String>);

/// The answer scales of the shipped instruments, each once. The files are part of the
/// binary, so they are read once.
fn instrument_scales() -> Result<&'static [OfferedScale], AppError> {
    static SCALES: std::sync::OnceLock<Vec<OfferedScale>> = std::sync::OnceLock::new();
    if let Some(s) = SCALES.get() {
        return Ok(s);
    }
    let mut out: Vec<OfferedScale> = Vec::new();
    for i in crate::builtin::shipped_instruments().map_err(AppError::Internal)? {
        for sc in &i.scales {
            let points: Vec<String> = sc.options.iter().map(|o| o.label.clone()).collect();
            if points.len() < 2 || out.iter().any(|(_, _, p)| *p == points) {
                continue;
            }
            out.push((
                format!("scale-{}-{}", i.key, sc.key),
                format!("The {} scale: {}", i.title, points.join(" / ")),
                points,
            ));
        }
    }
    Ok(SCALES.get_or_init(|| out))
}

/// Where a step's options can come from besides typing them: the thoughts on the
/// screen from a thoughts step that has been opened (for a dot vote or ranking over
/// what the room said), the session's cards, and the shipped instruments' answer
/// scales.
fn option_sources(steps: &[Step]) -> Result<Vec<(String, String)>, AppError> {
    let mut out: Vec<(String, String)> = steps
        .iter()
        .filter(|s| s.kind == StepKind::Thoughts && s.opening > 0)
        .map(|s| {
            (
                format!("thoughts-{}", s.id),
                format!(
                    "The thoughts on the screen from step {}: {}",
                    s.position,
                    crate::web::page::short(&s.title)
                ),
            )
        })
        .collect();
    if steps.iter().filter(|s| !s.theme_name.is_empty()).count() >= 2 {
        out.push(("cards".into(), "The cards in this session".into()));
    }
    out.extend(
        instrument_scales()?
            .iter()
            .map(|(k, words, _)| (k.clone(), words.clone())),
    );
    Ok(out)
}

/// `line` cut to fit an option (on a word boundary where it can be, with "…").
fn as_option(line: &str) -> String {
    let line = line.replace(['\n', '\r'], " ");
    if line.chars().count() <= MAX_OPTION {
        return line;
    }
    let cut: String = line.chars().take(MAX_OPTION - 1).collect();
    let cut = match cut.rfind(' ') {
        Some(at) if at > MAX_OPTION / 2 => &cut[..at],
        _ => cut.as_str(),
    };
    format!("{}…", cut.trim_end())
}

/// The options a source gives (see [`option_sources`]), one on each line; or why not.
async fn options_from(
    state: &AppState,
    live: &LiveSession,
    key: &str,
) -> Result<Result<String, &'static str>, AppError> {
    if let Some(step) = key.strip_prefix("thoughts-") {
        let step: Id = step.parse().map_err(|_| AppError::NotFound)?;
        let step = own_step(state, live, step).await?;
        let thoughts = state.db.live_thoughts(step.id).await?;
        let released: Vec<&Thought> = thoughts
            .iter()
            .filter(|t| t.released_at.is_some())
            .collect();
        let lines: Vec<String> = grouped_thoughts(&released)
            .into_iter()
            .map(|(t, _)| as_option(&t.body))
            .collect();
        if lines.is_empty() {
            return Ok(Err(
                "No thoughts from that step are on the screen yet. Put some on the screen first, or type the options",
            ));
        }
        return Ok(Ok(lines.join("\n")));
    }
    if key == "cards" {
        let cards: Vec<String> = state
            .db
            .live_steps(live.id)
            .await?
            .iter()
            .filter(|s| !s.theme_name.is_empty())
            .map(|s| as_option(&s.title))
            .collect();
        return Ok(Ok(cards.join("\n")));
    }
    match instrument_scales()?.iter().find(|(k, _, _)| k == key) {
        Some((_, _, points)) => Ok(Ok(points.join("\n"))),
        None => Err(AppError::NotFound),
    }
}

pub async fn console(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    m.require(Action::RunLiveSession)?;
    let live = own_live(&state, &m, id).await?;
    console_page(&state, &m, live, Bounced::none()).await
}

#[derive(Template)]
#[template(path = "live/screen.html")]
struct ScreenPage {
    title: String,
    live: LiveSession,
    current: Option<StepView>,
    position: usize,
    steps: usize,
    people: i64,
    join_address: String,
    join_link: String,
    qr: String,
    console: String,
    seconds_left: Option<i64>,
}

/// The projector: the step, the join code and QR code, the timer and the answers.
pub async fn screen(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    m.require(Action::RunLiveSession)?;
    let live = own_live(&state, &m, id).await?;
    let steps = state.db.live_steps(live.id).await?;
    let position = steps
        .iter()
        .position(|s| Some(s.id) == live.current_step)
        .map_or(0, |i| i + 1);
    let current = match steps.iter().find(|s| Some(s.id) == live.current_step) {
        Some(s) => Some(StepView::load(&state, s.clone(), false).await?),
        None => None,
    };
    let people = state.db.live_people(live.id).await?;
    let join_link = format!("{}/live/{}", state.public_url, live.code);
    let qr = qr_svg(&join_link);
    let seconds_left = current.as_ref().and_then(|v| v.step.seconds_left(now()));
    render(&ScreenPage {
        title: live.title.clone(),
        join_address: join_address(&state),
        console: live_url(&m.partnership.slug, live.id),
        live,
        current,
        position,
        steps: steps.len(),
        people,
        join_link,
        qr,
        seconds_left,
    })
}

/// The join link as an SVG QR code (medium error correction: a projector's glare or
/// a smudge still scans).
fn qr_svg(link: &str) -> String {
    match qrcode::QrCode::with_error_correction_level(link, qrcode::EcLevel::M) {
        Ok(code) => {
            let svg = code
                .render::<qrcode::render::svg::Color>()
                .min_dimensions(240, 240)
                .quiet_zone(true)
                .build();
            // Drop the XML declaration: the SVG goes inside the page.
            match svg.find("<svg") {
                Some(i) => svg[i..].to_string(),
                None => svg,
            }
        }
        Err(_) => String::new(),
    }
}

pub async fn screen_events(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
) -> Result<Response, AppError> {
    m.require(Action::RunLiveSession)?;
    let live = own_live(&state, &m, id).await?;
    let rx = state.live.follow(&state.db, live.id).await?;
    Ok(stream(rx, Follower::Screen))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ShowForm {
    /// A step's id, or empty for the welcome.
    step: String,
}

/// Put a step on the screen (the next one, a chosen one, or the welcome).
pub async fn show(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<ShowForm>,
) -> Result<Response, AppError> {
    m.require(Action::RunLiveSession)?;
    let live = own_live(&state, &m, id).await?;
    let url = live_url(&m.partnership.slug, live.id);
    if live.ended() {
        return Ok(redirect_with_problem(&url, "This session has ended."));
    }
    let step = match f.step.parse::<Id>() {
        Ok(step) => Some(own_step(&state, &live, step).await?),
        Err(_) if f.step.is_empty() => None,
        Err(_) => return Err(AppError::NotFound),
    };
    state.db.show_step(&live, step.as_ref(), now()).await?;
    Ok(Redirect::to(&format!("{url}#now")).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct JoinCodeForm {
    show: String,
}

pub async fn join_code(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<JoinCodeForm>,
) -> Result<Response, AppError> {
    m.require(Action::RunLiveSession)?;
    let live = own_live(&state, &m, id).await?;
    state.db.show_join(live.id, f.show == "yes").await?;
    Ok(redirect_with_flash(
        &live_url(&m.partnership.slug, live.id),
        if f.show == "yes" {
            "The join code is on the screen."
        } else {
            "The join code is hidden from the screen."
        },
    ))
}

/// End the session, after asking.
pub async fn end(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, Id)>,
    SafeForm(f): SafeForm<Confirmed>,
) -> Result<Response, AppError> {
    m.require(Action::RunLiveSession)?;
    let live = own_live(&state, &m, id).await?;
    let url = live_url(&m.partnership.slug, live.id);
    if !f.yes() {
        return render(&ConfirmPage {
            c: m.page("End this live session?"),
            heading: format!("End “{}”?", live.title),
            lines: vec![
                "Phones stop taking answers and the join code stops working. What was \
                 said stays here, and you can still keep results in the conversation's \
                 record. A conversation still marked as planned is marked as held, so \
                 its cards count as discussed."
                    .into(),
            ],
            action: format!("{url}/end"),
            fields: Vec::new(),
            button: "Yes, end the session",
            warning: true,
            back: url,
            back_label: "No, keep it running",
        });
    }
    state.db.end_live_session(live.id, now()).await?;
    log(
        &state,
        &m,
        format!("ended the live session of “{}”", short(&live.title)),
        &url,
    )
    .await?;
    Ok(redirect_with_flash(&url, "The session has ended."))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SetUpForm {
    title: String,
    prompt: String,
    kind: String,
    options: String,
    /// Take the options from one of [`option_sources`] instead of the box.
    options_from: String,
    dots: String,
    axes: String,
    named: String,
    minutes: String,
    script: String,
}

/// Choose what a step asks: its kind, options, named or anonymous, and its timer.
pub async fn set_up(
    State(state): State<AppState>,
    m: Member,
    Path((_, id, step)): Path<(String, Id, Id)>,
    SafeForm(mut f): SafeForm<SetUpForm>,
) -> Result<Response, AppError> {
    m.require(Action::RunLiveSession)?;
    let live = own_live(&state, &m, id).await?;
    let step = own_step(&state, &live, step).await?;
    let form = format!("step-{}", step.id);
    // Options from the room's thoughts or an instrument's scale go into the box, so
    // a list that needs trimming comes back there to be trimmed.
    let from = if f.options_from.is_empty() {
        Ok(())
    } else {
        match options_from(&state, &live, &f.options_from).await? {
            Ok(lines) => {
                f.options = lines;
                Ok(())
            }
            Err(message) => Err(message),
        }
    };
    let bounce = |field: &'static str, message: &str| {
        Bounced::at(form.clone())
            .error(field, format!("{field}-{}", step.id), message)
            .typed("title", f.title.clone())
            .typed("prompt", f.prompt.clone())
            .typed("options", f.options.clone())
            .typed("dots", f.dots.clone())
            .typed("axes", f.axes.clone())
            .typed("minutes", f.minutes.clone())
            .typed("script", f.script.clone())
    };
    if let Err(message) = from {
        return console_page(&state, &m, live, bounce("options", message)).await;
    }
    let setup = match read_setup(&f) {
        Ok(s) => s,
        Err((field, message)) => {
            return console_page(&state, &m, live, bounce(field, message)).await;
        }
    };
    if let Err(refused) = state.db.set_up_step(&step, &setup).await? {
        let (field, message) = match refused {
            SetUpRefused::Answered => (
                "kind",
                "People have already answered this step, so what it asks cannot change. \
                 The words, anonymity and the timer can.",
            ),
            SetUpRefused::WasAnonymous => (
                "named",
                "People answered this step anonymously, so it cannot start showing names. \
                 Ask again in a new named step if you need them.",
            ),
        };
        return console_page(&state, &m, live, bounce(field, message)).await;
    }
    Ok(redirect_with_flash(
        &format!(
            "{}#step-{}",
            live_url(&m.partnership.slug, live.id),
            step.id
        ),
        "Step saved.",
    ))
}

/// A step's set-up as typed: the set-up, or the field that is wrong and why.
fn read_setup(f: &SetUpForm) -> Result<StepSetup, (&'static str, &'static str)> {
    let title = f.title.trim();
    if title.is_empty() {
        return Err(("title", "Give the step a title: the question people see"));
    }
    if title.chars().count() > crate::domain::plans::MAX_TITLE
        || f.prompt.trim().chars().count() > crate::domain::plans::MAX_TITLE
    {
        return Err((
            "title",
            "Keep the title and the line under it to 300 characters each",
        ));
    }
    let kind = StepKind::parse(&f.kind).ok_or(("kind", "Choose what people answer"))?;
    let options = if kind.has_options() {
        check_options(&f.options).map_err(|e| ("options", e))?
    } else if kind == StepKind::Scale && !f.options.trim().is_empty() {
        // A scale of its own (an instrument's): its points, in order.
        check_options(&f.options).map_err(|e| ("options", e))?
    } else {
        String::new()
    };
    let dots = match (kind, f.dots.trim()) {
        (StepKind::Dots, t) => match t.parse::<i64>() {
            Ok(n) if (1..=MAX_DOTS).contains(&n) => n,
            _ => return Err(("dots", "Give each person from 1 to 10 dots")),
        },
        _ => 3,
    };
    let axes = if kind == StepKind::Grid {
        let lines = option_lines(&f.axes);
        match lines.as_slice() {
            [] => String::new(),
            [a, b] if a.chars().count() <= 40 && b.chars().count() <= 40 => lines.join("\n"),
            _ => {
                return Err((
                    "axes",
                    "Name the two scales on two lines (across, then up), 40 characters each, or leave the box empty for interest and influence",
                ));
            }
        }
    } else {
        String::new()
    };
    let minutes = match f.minutes.trim() {
        "" => 0,
        t => match t.parse::<i64>() {
            Ok(n) if (0..=240).contains(&n) => n,
            _ => {
                return Err((
                    "minutes",
                    "Enter the minutes as a whole number from 0 to 240",
                ));
            }
        },
    };
    let script = f.script.trim();
    if script.chars().count() > crate::domain::plans::MAX_SCRIPT {
        return Err(("script", "Keep your notes to 600 characters"));
    }
    Ok(StepSetup {
        title: title.to_string(),
        prompt: f.prompt.trim().to_string(),
        kind,
        options,
        dots,
        axes,
        anonymous: f.named != "yes",
        minutes,
        script: script.to_string(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ChangeForm {
    #[serde(rename = "do")]
    what: String,
    /// For grouping a thought: the thought to group it with.
    into: String,
}

/// Open (again), close, reveal or hide a step.
pub async fn change(
    State(state): State<AppState>,
    m: Member,
    Path((_, id, step)): Path<(String, Id, Id)>,
    SafeForm(f): SafeForm<ChangeForm>,
) -> Result<Response, AppError> {
    m.require(Action::RunLiveSession)?;
    let live = own_live(&state, &m, id).await?;
    let step = own_step(&state, &live, step).await?;
    let url = format!("{}#now", live_url(&m.partnership.slug, live.id));
    if live.ended() {
        return Ok(redirect_with_problem(&url, "This session has ended."));
    }
    let change = match f.what.as_str() {
        "open" => StepChange::Open,
        "close" => StepChange::Close,
        "reveal" => StepChange::Reveal,
        "hide" => StepChange::Hide,
        _ => return Err(AppError::BadRequest("unknown step change".into())),
    };
    state.db.change_step(&step, change, now()).await?;
    Ok(Redirect::to(&url).into_response())
}

/// Counts for people without phones: one box per option.
pub async fn hands(
    State(state): State<AppState>,
    m: Member,
    Path((_, id, step)): Path<(String, Id, Id)>,
    SafeForm(f): SafeForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    m.require(Action::RunLiveSession)?;
    let live = own_live(&state, &m, id).await?;
    let step = own_step(&state, &live, step).await?;
    if !step.kind.takes_hands() {
        // A console page from before the step's kind changed.
        return Ok(redirect_with_problem(
            &format!("{}#now", live_url(&m.partnership.slug, live.id)),
            "This kind of step takes no counts by hand, so nothing was saved.",
        ));
    }
    let n = step.choices().len();
    let mut counts = Vec::new();
    for i in 1..=n {
        let typed = f
            .iter()
            .find(|(k, _)| *k == format!("hand_{i}"))
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default();
        let count = match typed.as_str() {
            "" => 0,
            t => match t.parse::<i64>() {
                Ok(c) if (0..=10_000).contains(&c) => c,
                _ => {
                    let mut b = Bounced::at("hands").error(
                        "hands",
                        format!("hand-{i}"),
                        "Enter each count as a whole number from 0 to 10,000",
                    );
                    for (k, v) in &f {
                        if let Some(field) = HAND_FIELDS.iter().find(|h| **h == k.as_str()) {
                            b = b.typed(field, v.clone());
                        }
                    }
                    return console_page(&state, &m, live, b).await;
                }
            },
        };
        counts.push((i as i64, count));
    }
    state.db.set_hand_counts(&step, &counts).await?;
    Ok(redirect_with_flash(
        &format!("{}#now", live_url(&m.partnership.slug, live.id)),
        "Counts by hand saved.",
    ))
}

/// Field names of the hand-count boxes (one per option, at most 12).
const HAND_FIELDS: [&str; MAX_OPTIONS] = [
    "hand_1", "hand_2", "hand_3", "hand_4", "hand_5", "hand_6", "hand_7", "hand_8", "hand_9",
    "hand_10", "hand_11", "hand_12",
];

pub async fn release_all(
    State(state): State<AppState>,
    m: Member,
    Path((_, id, step)): Path<(String, Id, Id)>,
    SafeForm(_): SafeForm<crate::web::extract::NoFields>,
) -> Result<Response, AppError> {
    m.require(Action::RunLiveSession)?;
    let live = own_live(&state, &m, id).await?;
    let step = own_step(&state, &live, step).await?;
    state.db.release_all_thoughts(&step, now()).await?;
    Ok(redirect_with_flash(
        &format!("{}#now", live_url(&m.partnership.slug, live.id)),
        "Every thought is on the screen.",
    ))
}

/// Release a thought, take it back, or delete it.
pub async fn thought(
    State(state): State<AppState>,
    m: Member,
    Path((_, id, step, thought)): Path<(String, Id, Id, Id)>,
    SafeForm(f): SafeForm<ChangeForm>,
) -> Result<Response, AppError> {
    m.require(Action::RunLiveSession)?;
    let live = own_live(&state, &m, id).await?;
    let step = own_step(&state, &live, step).await?;
    if state.db.live_thought(step.id, thought).await?.is_none() {
        return Err(AppError::NotFound);
    }
    match f.what.as_str() {
        "release" => {
            state
                .db
                .release_thought(&step, thought, true, now())
                .await?
        }
        "hold" => {
            state
                .db
                .release_thought(&step, thought, false, now())
                .await?
        }
        "delete" => state.db.delete_thought(&step, thought).await?,
        "group" => {
            let into: Id = f.into.parse().map_err(|_| AppError::NotFound)?;
            if state.db.live_thought(step.id, into).await?.is_none() {
                return Err(AppError::NotFound);
            }
            state.db.group_thought(&step, thought, Some(into)).await?
        }
        "ungroup" => state.db.group_thought(&step, thought, None).await?,
        _ => return Err(AppError::BadRequest("unknown thought change".into())),
    }
    Ok(Redirect::to(&format!(
        "{}#thoughts",
        live_url(&m.partnership.slug, live.id)
    ))
    .into_response())
}

/// Keep a step's results (released thoughts, counts) in its agenda item's notes.
pub async fn keep(
    State(state): State<AppState>,
    m: Member,
    Path((_, id, step)): Path<(String, Id, Id)>,
    SafeForm(_): SafeForm<crate::web::extract::NoFields>,
) -> Result<Response, AppError> {
    m.require(Action::RunLiveSession)?;
    m.require(Action::EditContent)?;
    let live = own_live(&state, &m, id).await?;
    let step = own_step(&state, &live, step).await?;
    let url = format!(
        "{}#step-{}",
        live_url(&m.partnership.slug, live.id),
        step.id
    );
    let Some(item) = step.item_id else {
        return Ok(redirect_with_problem(
            &url,
            "This step is not from an agenda item, so there is no record to keep it in.",
        ));
    };
    let view = StepView::load(&state, step.clone(), true).await?;
    let text = view.record_text(&live.title);
    state
        .db
        .keep_in_item(&step, item, ItemPart::Notes, &text, m.user.id, now())
        .await?;
    if let Some(conv) = live.conversation_id {
        log(
            &state,
            &m,
            format!(
                "kept live results of “{}” in the record",
                short(&step.title)
            ),
            &crate::web::conversations::item_url(&m.partnership.slug, conv, item),
        )
        .await?;
    }
    Ok(redirect_with_flash(
        &url,
        "Kept in the conversation's notes for this item.",
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct KeepThoughtForm {
    /// "decision", "differ" or "action".
    #[serde(rename = "as")]
    keep_as: String,
    owner: String,
    due: String,
}

/// Keep one thought in the record: as a decision, as where we differ, or as an
/// action with an owner and a due date.
pub async fn keep_thought(
    State(state): State<AppState>,
    m: Member,
    Path((_, id, step, thought)): Path<(String, Id, Id, Id)>,
    SafeForm(f): SafeForm<KeepThoughtForm>,
) -> Result<Response, AppError> {
    m.require(Action::RunLiveSession)?;
    m.require(Action::EditContent)?;
    let live = own_live(&state, &m, id).await?;
    let step = own_step(&state, &live, step).await?;
    let t = state
        .db
        .live_thought(step.id, thought)
        .await?
        .ok_or(AppError::NotFound)?;
    let back = format!(
        "{}#thought-{}",
        live_url(&m.partnership.slug, live.id),
        t.id
    );
    let Some(item) = step.item_id else {
        return Ok(redirect_with_problem(
            &back,
            "This step is not from an agenda item, so there is no record to keep it in.",
        ));
    };
    let item_url = live
        .conversation_id
        .map(|c| crate::web::conversations::item_url(&m.partnership.slug, c, item))
        .unwrap_or_else(|| back.clone());
    match f.keep_as.as_str() {
        "decision" | "differ" => {
            let (part, words) = if f.keep_as == "decision" {
                (ItemPart::Agreed, "what was agreed")
            } else {
                (ItemPart::Differ, "where we differ")
            };
            state
                .db
                .keep_in_item(
                    &step,
                    item,
                    part,
                    &format!("- {}", t.body),
                    m.user.id,
                    now(),
                )
                .await?;
            log(
                &state,
                &m,
                format!(
                    "kept a live thought in {words} for “{}”",
                    short(&step.title)
                ),
                &item_url,
            )
            .await?;
            Ok(redirect_with_flash(
                &back,
                &format!("Kept in {words} for this item."),
            ))
        }
        "action" => {
            let form = crate::web::actions::ActionForm::new_action(&t.body, &f.owner, &f.due);
            let mut errors = crate::web::Errors::default();
            let fields =
                crate::web::actions::check_action(&state, &m, &form, None, &mut errors).await?;
            if let Some((field, message)) = errors.list().first() {
                let field: &'static str = if *field == "due" { "due" } else { "owner" };
                let b = Bounced::at(format!("thought-{}", t.id))
                    .error(field, format!("{field}-{}", t.id), message.clone())
                    .typed("owner", f.owner.clone())
                    .typed("due", f.due.clone());
                return console_page(&state, &m, live, b).await;
            }
            let source =
                crate::web::actions::source_for(&state, &m, live.conversation_id, Some(item))
                    .await?;
            let action = state
                .db
                .create_action(m.partnership.id, &fields, &source, m.user.id, now())
                .await?;
            log(
                &state,
                &m,
                format!("added the action “{}” from a live session", short(&t.body)),
                &format!("/p/{}/actions/{action}", m.partnership.slug),
            )
            .await?;
            Ok(redirect_with_flash(&back, "Added to the action plan."))
        }
        _ => Err(AppError::BadRequest("unknown way to keep a thought".into())),
    }
}

/// Remove a participant (and what they sent).
pub async fn remove(
    State(state): State<AppState>,
    m: Member,
    Path((_, id, participant)): Path<(String, Id, Id)>,
    SafeForm(_): SafeForm<crate::web::extract::NoFields>,
) -> Result<Response, AppError> {
    m.require(Action::RunLiveSession)?;
    let live = own_live(&state, &m, id).await?;
    if state
        .db
        .live_participant_in(live.id, participant)
        .await?
        .is_none()
    {
        return Err(AppError::NotFound);
    }
    state.db.remove_participant(live.id, participant).await?;
    Ok(redirect_with_flash(
        &format!("{}#people", live_url(&m.partnership.slug, live.id)),
        "Removed: what they sent is gone and they can send nothing more.",
    ))
}
