//! Nothing lost when a session ends mid-edit: a form sent to a partnership page after
//! the person's session expired is kept for a day (see `hold` in the session layer),
//! and after signing in again they see what they sent and finish saving it with one
//! press. The save then goes through the normal route, with its usual checks
//! (including the version check, so a stale copy still gets the conflict page).

use askama::Template;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, Request, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::extract::{NoFields, SafeForm, SignedIn};
use super::{AppState, PageCtx, Routes, redirect_with_flash, render, urlencode};
use crate::domain::model::Id;
use crate::domain::now;
use crate::error::AppError;
use crate::security;

pub fn routes(r: Routes) -> Routes {
    r.get("/held/{token}", page)
        .post("/held/{token}/discard", discard)
}

/// How long a held form is kept.
pub const KEEP_SECONDS: i64 = 24 * 3600;
/// Largest form we hold.
const MAX_HELD: usize = 1024 * 1024;
/// Forms held per address per 15 minutes (anyone can send a stale cookie).
const MAX_PER_WINDOW: i64 = 20;

/// The route patterns whose forms are worth holding (declared with
/// [`Routes::post_keeping`](super::Routes::post_keeping)).
/// Shared, as every request carries it (cloning is a reference count).
#[derive(Debug, Clone, Default)]
pub struct KeepsTyping(std::sync::Arc<Vec<Vec<&'static str>>>);

impl KeepsTyping {
    /// From patterns such as `/p/{slug}/actions/{action}/edit`.
    pub fn new(patterns: Vec<&'static str>) -> Self {
        KeepsTyping(std::sync::Arc::new(
            patterns
                .into_iter()
                .map(|p| p.split('/').collect())
                .collect(),
        ))
    }

    /// Does `path` match one of the patterns (a `{…}` segment matches any one segment)?
    pub fn matches(&self, path: &str) -> bool {
        let segments: Vec<&str> = path.split('/').collect();
        self.0.iter().any(|pattern| {
            pattern.len() == segments.len()
                && pattern.iter().zip(&segments).all(|(p, s)| {
                    if p.starts_with('{') {
                        !s.is_empty()
                    } else {
                        p == s
                    }
                })
        })
    }
}

/// Should this request's form be held? A plain-form POST to a route that keeps typing,
/// from a browser whose real session has ended (`ended_session` is that session's
/// user and cookie token; a cookie that never named a session gets nothing held).
pub fn wants_holding(
    keeps: &KeepsTyping,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    ended_session: Option<&(Id, String)>,
) -> bool {
    ended_session.is_some()
        && method == Method::POST
        && keeps.matches(path)
        && headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

/// Keep the form for the person whose session ended, and send them to sign in, coming
/// back to it. The form must carry the CSRF token of that very session, so nobody can
/// plant a form for someone else: without the session's cookie the token cannot be
/// made. A form that cannot be held is refused as an expired form would be.
pub async fn hold(
    state: &AppState,
    req: Request<Body>,
    ended_session: (Id, String),
    client_ip: &str,
) -> Result<Response, AppError> {
    let (user_id, cookie_token) = ended_session;
    let key = format!("held:{client_ip}");
    let now = now();
    let path = req.uri().path().to_string();
    if !state
        .db
        .take_attempt(
            &security::new_token(),
            &[(key, MAX_PER_WINDOW)],
            now,
            now - 900,
        )
        .await?
    {
        return Err(AppError::LoginRequired("/partnerships".into()));
    }
    let bytes = axum::body::to_bytes(req.into_body(), MAX_HELD)
        .await
        .map_err(|_| AppError::TooLarge)?;
    let body = String::from_utf8(bytes.to_vec())
        .map_err(|_| AppError::BadRequest("form is not UTF-8".into()))?;
    if !security::csrf_matches(
        &super::extract::sent_csrf(body.as_bytes()),
        &security::csrf_for(&cookie_token),
    ) {
        return Err(AppError::LoginRequired("/partnerships".into()));
    }
    let body = super::extract::clean_form(&body);
    let token = security::new_token();
    state
        .db
        .hold_post(
            &security::token_hash(&token),
            Some(user_id),
            &path,
            &body,
            now,
            now + KEEP_SECONDS,
        )
        .await?;
    let next = format!("/held/{token}");
    Ok(Redirect::to(&format!("/login?next={}", urlencode(&next))).into_response())
}

/// Names people see for the fields our forms send.
fn label(name: &str) -> Option<&'static str> {
    Some(match name {
        "notes" => "Notes",
        "agreed" => "What we agreed",
        "differ" => "Where we differ",
        "body" => "Your thoughts",
        "title" => "Title",
        "detail" => "Detail",
        "contingency" => "If it cannot be done",
        "purpose" => "Purpose",
        "place" => "Place or meeting link",
        "note" => "Progress note",
        "text" => "Question",
        "prompt" => "Facilitator prompt",
        "name" => "Name",
        "description" => "Description",
        "aim" => "Aim",
        "owner" => "Owner",
        "due" => "Due date",
        "status" => "Status",
        "minutes" => "Minutes",
        "date" => "Date",
        "time" => "Time",
        "time_zone" => "Time zone",
        "facilitator" => "Facilitator",
        "keywords" => "Keywords",
        "colour" => "Colour",
        "done" => "Done",
        "evidence" => "Evidence link",
        "version" => "Version you started from",
        _ => return None,
    })
}

/// What a held form will change, in words, from the route it goes to.
fn describe(path: &str) -> &'static str {
    let segments: Vec<&str> = path.split('/').collect();
    match segments.as_slice() {
        [_, "p", _, "conversations"] => "a new conversation",
        [_, "p", _, "conversations", _, "edit"] => "a conversation's details",
        [_, "p", _, "conversations", _, "items"] => "a new agenda item",
        [_, "p", _, "conversations", _, "items", _] => "an agenda item's plan",
        [_, "p", _, "conversations", _, "items", _, "record"] => "the record of an agenda item",
        [_, "p", _, "conversations", _, "items", _, "view"] => "your view on an agenda item",
        [_, "p", _, "actions"] => "a new action",
        [_, "p", _, "actions", _, "edit"] => "an action",
        [_, "p", _, "actions", _, "status"] => "an action's progress",
        [_, "p", _, "stock", _, "answer"] => "your answers",
        [_, "p", _, "stock", _, "tally"] => "answers from paper copies",
        [_, "p", _, "checklists", ..] => "a checklist statement",
        [_, "p", _, "decks", ..] => "a card deck",
        _ => "this page",
    }
}

#[derive(Template)]
#[template(path = "held.html")]
struct HeldPage {
    c: PageCtx,
    token: String,
    path: String,
    what: &'static str,
    /// (label, value) of everything that will be sent, text people typed first.
    shown: Vec<(String, String)>,
    /// Every field except the old CSRF token.
    fields: Vec<(String, String)>,
}

/// A held form, only ever for the person whose session sent it.
async fn own_held(
    state: &AppState,
    s: &SignedIn,
    hash: &str,
) -> Result<crate::domain::model::HeldPost, AppError> {
    state
        .db
        .held_post(hash, now())
        .await?
        .filter(|h| h.user_id == Some(s.user.id))
        .ok_or(AppError::NotFound)
}

async fn page(
    State(state): State<AppState>,
    s: SignedIn,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let held = own_held(&state, &s, &security::token_hash(&token)).await?;
    let fields: Vec<(String, String)> = form_urlencoded::parse(held.body.as_bytes())
        .into_owned()
        .filter(|(k, _)| k != super::extract::CSRF_FIELD)
        .collect();
    // Everything that will be sent is shown: fields we know under their own names
    // first, then any other field under its field name.
    let (mut shown, mut other) = (Vec::new(), Vec::new());
    for (k, v) in &fields {
        match label(k) {
            Some(l) => shown.push((l.to_string(), v.clone())),
            None => other.push((k.replace('_', " "), v.clone())),
        }
    }
    shown.append(&mut other);
    render(&HeldPage {
        c: s.ctx.page("Finish saving your work"),
        token,
        what: describe(&held.path),
        path: held.path,
        shown,
        fields,
    })
}

async fn discard(
    State(state): State<AppState>,
    s: SignedIn,
    Path(token): Path<String>,
    SafeForm(_): SafeForm<NoFields>,
) -> Result<Response, AppError> {
    let hash = security::token_hash(&token);
    own_held(&state, &s, &hash).await?;
    state.db.delete_held_post(&hash).await?;
    Ok(redirect_with_flash("/partnerships", "Discarded."))
}
