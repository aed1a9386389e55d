//! The facilitator's side of a live session: starting one, the console that runs it,
//! the projector's screen, and everything done to steps, thoughts and participants.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::events::{Follower, stream};
use super::{live_url, own_live, own_step};
use crate::db::live::{NewSession, NewStep, StepChange, StepSetup};
use crate::domain::conversations::ConversationStatus;
use crate::domain::live::*;
use crate::domain::model::Id;
use crate::domain::now;
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
        let pairs: Vec<(String, String)> = answers
            .iter()
            .map(|(_, v, name)| (v.clone(), name.clone()))
            .collect();
        let mut tally = Tally::count(&step, &pairs, &hands);
        if !everything {
            // Names are the facilitator's to see, in named steps only.
            for c in &mut tally.counts {
                c.names.clear();
            }
        }
        let mut thoughts = state.db.live_thoughts(step.id).await?;
        let held = thoughts.iter().filter(|t| t.released_at.is_none()).count();
        if !everything {
            thoughts.retain(|t| t.released_at.is_some());
        }
        if step.anonymous {
            for t in &mut thoughts {
                t.author.clear();
            }
        }
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
        for line in self.tally.lines() {
            out.push_str(&format!("\n- {line}"));
        }
        for t in self.thoughts.iter().filter(|t| t.released_at.is_some()) {
            if t.author.is_empty() {
                out.push_str(&format!("\n- {}", t.body));
            } else {
                out.push_str(&format!("\n- {} ({})", t.body, t.author));
            }
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
        })
        .collect();
    // A clash with another open session's code is rare (31^6 codes); try again.
    for _ in 0..8 {
        let mut bytes = [0u8; CODE_LENGTH];
        getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
        let code = code_from(bytes);
        if let Some(id) = state
            .db
            .start_live_session(
                &NewSession {
                    partnership_id: m.partnership.id,
                    conversation_id: Some(conv.id),
                    title: &conv.title,
                    code: &code,
                    created_by: m.user.id,
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
    let status = bounced.status();
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
            bounced,
        },
    )
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
    people: usize,
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
    let people = state
        .db
        .live_participants(live.id)
        .await?
        .iter()
        .filter(|p| !p.removed)
        .count();
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
                 record."
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
    kind: String,
    options: String,
    named: String,
    minutes: String,
}

/// Choose what a step asks: its kind, options, named or anonymous, and its timer.
pub async fn set_up(
    State(state): State<AppState>,
    m: Member,
    Path((_, id, step)): Path<(String, Id, Id)>,
    SafeForm(f): SafeForm<SetUpForm>,
) -> Result<Response, AppError> {
    m.require(Action::RunLiveSession)?;
    let live = own_live(&state, &m, id).await?;
    let step = own_step(&state, &live, step).await?;
    let form = format!("step-{}", step.id);
    let bounce = |field: &'static str, message: &str| {
        Bounced::at(form.clone())
            .error(field, format!("{field}-{}", step.id), message)
            .typed("options", f.options.clone())
            .typed("minutes", f.minutes.clone())
    };
    let Some(kind) = StepKind::parse(&f.kind) else {
        return console_page(
            &state,
            &m,
            live,
            bounce("kind", "Choose what people answer"),
        )
        .await;
    };
    let options = if kind.has_options() {
        match check_options(&f.options) {
            Ok(o) => o,
            Err(e) => return console_page(&state, &m, live, bounce("options", e)).await,
        }
    } else {
        String::new()
    };
    let minutes = match f.minutes.trim() {
        "" => 0,
        t => match t.parse::<i64>() {
            Ok(n) if (0..=240).contains(&n) => n,
            _ => {
                return console_page(
                    &state,
                    &m,
                    live,
                    bounce(
                        "minutes",
                        "Enter the minutes as a whole number from 0 to 240",
                    ),
                )
                .await;
            }
        },
    };
    let setup = StepSetup {
        kind,
        options,
        anonymous: f.named != "yes",
        minutes,
    };
    if !state.db.set_up_step(&step, &setup).await? {
        return console_page(
            &state,
            &m,
            live,
            bounce(
                "kind",
                "People have already answered this step, so what it asks cannot change. \
                 Anonymity and the timer can.",
            ),
        )
        .await;
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

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ChangeForm {
    #[serde(rename = "do")]
    what: String,
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
    if !state
        .db
        .live_thoughts(step.id)
        .await?
        .iter()
        .any(|t| t.id == thought)
    {
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
        .keep_step_in_notes(&step, item, &text, m.user.id, now())
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

/// Remove a participant (and what they sent).
pub async fn remove(
    State(state): State<AppState>,
    m: Member,
    Path((_, id, participant)): Path<(String, Id, Id)>,
    SafeForm(_): SafeForm<crate::web::extract::NoFields>,
) -> Result<Response, AppError> {
    m.require(Action::RunLiveSession)?;
    let live = own_live(&state, &m, id).await?;
    if !state
        .db
        .live_participants(live.id)
        .await?
        .iter()
        .any(|p| p.id == participant)
    {
        return Err(AppError::NotFound);
    }
    state.db.remove_participant(live.id, participant).await?;
    Ok(redirect_with_flash(
        &format!("{}#people", live_url(&m.partnership.slug, live.id)),
        "Removed: what they sent is gone and they can send nothing more.",
    ))
}
