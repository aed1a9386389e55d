//! The participant's side: joining by code from a phone, without an account, and
//! answering the step on the screen. A cookie for that one session (its path is the
//! session's address) is all that identifies the phone. A participant reaches nothing
//! but the current step's public view: every address here answers 404 to a phone that
//! did not join this session.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::console::StepView;
use super::events::{Follower, stream};
use crate::db::live::Sent;
use crate::domain::live::*;
use crate::domain::model::{Id, Organisation};
use crate::domain::now;
use crate::error::AppError;
use crate::security;
use crate::web::cookies::cookie;
use crate::web::extract::{Ctx, SafeForm};
use crate::web::{AppState, PageCtx, render, render_status};

/// The phone's cookie: a random token whose hash names the participant.
pub const LIVE_COOKIE: &str = "tandem_live";
/// Wrong codes one address may try in `CODE_WINDOW` seconds.
const WRONG_CODES: i64 = 30;
const CODE_WINDOW: i64 = 600;

#[derive(Template)]
#[template(path = "live/code.html")]
struct CodePage {
    c: PageCtx,
    code: String,
    problem: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CodeQuery {
    code: String,
}

/// "Join a session": the box for the code on the screen.
pub async fn code_page(Ctx(ctx): Ctx, Query(q): Query<CodeQuery>) -> Result<Response, AppError> {
    render(&CodePage {
        c: ctx.page("Join a live session"),
        code: q.code.chars().take(20).collect(),
        problem: None,
    })
}

/// Find the session a typed code names. Wrong codes are limited per address, so
/// codes cannot be guessed by trying them all.
pub async fn find_code(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    SafeForm(f): SafeForm<CodeQuery>,
) -> Result<Response, AppError> {
    let typed: String = f.code.chars().take(20).collect();
    let problem = |message: &str| {
        render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &CodePage {
                c: ctx.page("Join a live session"),
                code: typed.clone(),
                problem: Some(message.to_string()),
            },
        )
    };
    let now = now();
    let key = format!("live-code:{}", ctx.client_ip);
    let attempt = security::new_token();
    if !state
        .db
        .take_attempt(&attempt, &[(key, WRONG_CODES)], now, now - CODE_WINDOW)
        .await?
    {
        return problem(
            "Too many wrong codes from this network. Wait ten minutes, then type the code \
             shown on the screen.",
        );
    }
    let found = match normalise_code(&typed) {
        Some(code) => state.db.live_session_by_code(&code).await?,
        None => None,
    };
    match found {
        Some(s) => {
            // A right code is not held against the address.
            state.db.forget_attempt(&attempt).await?;
            if s.ended() {
                return problem("That session has ended. Ask the facilitator for today's code.");
            }
            Ok(Redirect::to(&format!("/live/{}", s.code)).into_response())
        }
        None => problem(
            "No session has that code. Check the six characters on the screen (letters and \
             numbers; there is no O, I or L).",
        ),
    }
}

/// The session a code in the address names, else 404.
async fn session_for(state: &AppState, code: &str) -> Result<LiveSession, AppError> {
    let code = normalise_code(code).ok_or(AppError::NotFound)?;
    state
        .db
        .live_session_by_code(&code)
        .await?
        .ok_or(AppError::NotFound)
}

/// The participant this phone is in this session, if it joined and was not removed.
async fn participant(
    state: &AppState,
    headers: &HeaderMap,
    session: &LiveSession,
) -> Result<Option<Participant>, AppError> {
    let Some(token) = cookie(headers, LIVE_COOKIE).filter(|t| t.len() == 64) else {
        return Ok(None);
    };
    Ok(state
        .db
        .live_participant(&security::token_hash(token))
        .await?
        .filter(|p| p.session_id == session.id && !p.removed))
}

#[derive(Template)]
#[template(path = "live/phone.html")]
struct PhonePage {
    c: PageCtx,
    live: LiveSession,
    /// Not joined yet: the join form with the partnership's organisations.
    joining: Option<Vec<Organisation>>,
    me: Option<Participant>,
    step: Option<StepView>,
    /// This phone's answer to the step as form fields (see `answer_fields`), and its
    /// own thoughts.
    mine: Vec<(String, String)>,
    /// Whether this phone's answer is in.
    answered: bool,
    my_thoughts: Vec<Thought>,
    /// The problem with what was sent, and what was typed.
    problem: Option<String>,
    typed: String,
    /// An answer that came too late: what they chose, in words.
    late: Option<String>,
    view: String,
}

impl PhonePage {
    /// What this phone's answer (or the answer sent back) has in a field.
    fn mine(&self, field: &str) -> &str {
        self.mine
            .iter()
            .find(|(k, _)| k == field)
            .map_or("", |(_, v)| v.as_str())
    }
    fn chose(&self, n: &usize) -> bool {
        let n = n.to_string();
        self.mine.iter().any(|(k, v)| k == "choice" && *v == n)
    }
    fn word(&self) -> &str {
        self.mine("word")
    }
    /// Whether option `n` has `d` dots (no answer: 0).
    fn has_dots(&self, n: &usize, d: &i64) -> bool {
        let v = self.mine(&format!("dots_{n}"));
        v == d.to_string() || (v.is_empty() && *d == 0)
    }
    fn has_place(&self, n: &usize, place: &usize) -> bool {
        self.mine(&format!("rank_{n}")) == place.to_string()
    }
    /// The spectrum step's two questions: (field, words).
    fn spectrum_questions(&self) -> [(&'static str, &'static str); 2] {
        [
            ("now", "Where is the partnership now?"),
            ("wanted", "Where do you want it to be?"),
        ]
    }
    fn on_spectrum(&self, which: &str, point: &usize) -> bool {
        self.mine(which) == point.to_string()
    }
    /// Whether option `n` is at `point` on the grid's `axis` ("x" across, "y" up).
    fn on_grid(&self, axis: &str, n: &usize, point: &usize) -> bool {
        self.mine(&format!("{axis}_{n}")) == point.to_string()
    }
    fn can_send_more(&self) -> bool {
        (self.my_thoughts.len() as i64) < MAX_THOUGHTS_EACH
    }
}

struct Sending {
    problem: Option<String>,
    typed: String,
    late: Option<String>,
    /// The answer sent, as form fields, to show again.
    mine: Option<Vec<(String, String)>>,
}

impl Sending {
    fn none() -> Self {
        Sending {
            problem: None,
            typed: String::new(),
            late: None,
            mine: None,
        }
    }
}

async fn phone(
    state: &AppState,
    ctx: &crate::web::extract::RequestCtx,
    live: LiveSession,
    me: Option<Participant>,
    sending: Sending,
) -> Result<Response, AppError> {
    let view = state
        .db
        .live_pulse(live.id)
        .await?
        .map(|p| p.phone_view())
        .unwrap_or_default();
    let joining = match (&me, live.ended()) {
        (None, false) => Some(state.db.organisations(live.partnership_id).await?),
        _ => None,
    };
    let mut step = None;
    let mut mine = Vec::new();
    let mut answered = false;
    let mut my_thoughts = Vec::new();
    if let (Some(p), Some(id)) = (&me, live.current_step)
        && let Some(s) = state.db.live_step(id).await?
    {
        // This phone's own answer or thoughts only: a page for one phone reads one
        // phone's rows, however many are in the room.
        if s.kind == StepKind::Thoughts {
            my_thoughts = state.db.live_thoughts_of(s.id, p.id).await?;
        } else if let Some(value) = state.db.live_answer_of(s.id, p.id).await? {
            mine = answer_fields(&s, &value);
            answered = true;
        }
        step = Some(StepView::for_phone(state, s).await?);
    }
    if let Some(m) = sending.mine {
        mine = m;
    }
    let status = if sending.problem.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut c = ctx.page(&live.title);
    c.flash = None;
    let mut resp = render_status(
        status,
        &PhonePage {
            c,
            live,
            joining,
            me,
            step,
            mine,
            answered,
            my_thoughts,
            problem: sending.problem,
            typed: sending.typed,
            late: sending.late,
            view,
        },
    )?;
    // Always the latest step: never from a cache.
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

/// The phone's page: the join form, or the step on the screen with its answer form.
pub async fn phone_page(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let live = session_for(&state, &code).await?;
    if code != live.code {
        return Ok(Redirect::to(&format!("/live/{}", live.code)).into_response());
    }
    let me = participant(&state, &headers, &live).await?;
    phone(&state, &ctx, live, me, Sending::none()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct JoinForm {
    name: String,
    organisation: String,
}

/// Join: a first name and organisation if they like, and a cookie for this session.
pub async fn join(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    headers: HeaderMap,
    Path(code): Path<String>,
    SafeForm(f): SafeForm<JoinForm>,
) -> Result<Response, AppError> {
    let live = session_for(&state, &code).await?;
    let here = format!("/live/{}", live.code);
    if live.ended() || participant(&state, &headers, &live).await?.is_some() {
        return Ok(Redirect::to(&here).into_response());
    }
    let name = f.name.trim();
    if name.chars().count() > MAX_NAME {
        return phone(
            &state,
            &ctx,
            live,
            None,
            Sending {
                problem: Some("Keep your name to 40 characters or fewer".into()),
                typed: f.name.clone(),
                ..Sending::none()
            },
        )
        .await;
    }
    let organisation = match f.organisation.parse::<Id>() {
        Ok(id) => Some(
            state
                .db
                .organisations(live.partnership_id)
                .await?
                .into_iter()
                .find(|o| o.id == id)
                .ok_or_else(|| AppError::BadRequest("not an organisation here".into()))?
                .id,
        ),
        Err(_) => None,
    };
    let token = security::new_token();
    state
        .db
        .join_live(
            live.id,
            &security::token_hash(&token),
            name,
            organisation,
            now(),
        )
        .await?;
    let mut resp = Redirect::to(&here).into_response();
    let mut value = format!(
        "{LIVE_COOKIE}={token}; Path={here}; HttpOnly; SameSite=Lax; Max-Age={}",
        12 * 3600
    );
    if state.secure_cookies() {
        value.push_str("; Secure");
    }
    resp.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&value).map_err(|e| AppError::Internal(e.into()))?,
    );
    Ok(resp)
}

/// An answer from a phone: a thought, or a choice on a poll, choices or scale step.
pub async fn answer(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    headers: HeaderMap,
    Path(code): Path<String>,
    SafeForm(f): SafeForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let live = session_for(&state, &code).await?;
    let me = participant(&state, &headers, &live)
        .await?
        .ok_or(AppError::NotFound)?;
    let field = |name: &str| {
        f.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let step_id: Id = field("step").parse().map_err(|_| AppError::NotFound)?;
    let opening: i64 = field("opening").parse().unwrap_or(-1);
    let step = state
        .db
        .live_step(step_id)
        .await?
        .filter(|s| s.session_id == live.id)
        .ok_or(AppError::NotFound)?;
    let here = format!("/live/{}", live.code);
    let back = |sending: Sending| phone(&state, &ctx, live.clone(), Some(me.clone()), sending);
    match step.kind {
        StepKind::Show => Ok(Redirect::to(&here).into_response()),
        StepKind::Thoughts => {
            let typed = field("thought");
            let body = match check_thought(&typed) {
                Ok(b) => b,
                Err(e) => {
                    return back(Sending {
                        problem: Some(e.into()),
                        typed,
                        ..Sending::none()
                    })
                    .await;
                }
            };
            match state
                .db
                .add_live_thought(&step, opening, me.id, &body, now())
                .await?
            {
                Sent::Saved => Ok(Redirect::to(&format!("{here}#sent")).into_response()),
                Sent::TooMany => {
                    back(Sending {
                        problem: Some(format!(
                            "You have sent {MAX_THOUGHTS_EACH} thoughts on this step, the most \
                             one person can. Your last one is below, not sent; keep it for the discussion in the room."
                        )),
                        typed,
                        ..Sending::none()
                    })
                    .await
                }
                Sent::Late => {
                    back(Sending {
                        late: Some(format!("“{body}”")),
                        typed,
                        ..Sending::none()
                    })
                    .await
                }
                Sent::Removed => Err(AppError::NotFound),
            }
        }
        _ => {
            let value = match check_answer(&step, &f) {
                Ok(v) => v,
                Err(e) => {
                    return back(Sending {
                        problem: Some(e),
                        mine: Some(f.clone()),
                        ..Sending::none()
                    })
                    .await;
                }
            };
            match state
                .db
                .save_live_answer(&step, opening, me.id, &value, now())
                .await?
            {
                Sent::Saved => Ok(Redirect::to(&format!("{here}#sent")).into_response()),
                Sent::Late | Sent::TooMany => {
                    back(Sending {
                        late: Some(describe_answer(&step, &value)),
                        mine: Some(answer_fields(&step, &value)),
                        ..Sending::none()
                    })
                    .await
                }
                Sent::Removed => Err(AppError::NotFound),
            }
        }
    }
}

/// The phone's live events: only what its page shows (another step, results shown).
pub async fn phone_events(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let live = session_for(&state, &code).await?;
    participant(&state, &headers, &live)
        .await?
        .ok_or(AppError::NotFound)?;
    let rx = state.live.follow(&state.db, live.id).await?;
    Ok(stream(rx, Follower::Phone))
}
