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

/// Should this request's form be held? A POST to a partnership page, as a plain form,
/// from a browser whose session cookie no longer works.
pub fn wants_holding(method: &Method, path: &str, headers: &HeaderMap) -> bool {
    method == Method::POST
        && path.starts_with("/p/")
        // Autosaved drafts are not worth holding: the page still has the text.
        && !path.ends_with("/draft")
        && headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

/// Keep the form and send the person to sign in, coming back to it. Returns the
/// request untouched (as `Err`) when it cannot be held.
pub async fn hold(
    state: &AppState,
    req: Request<Body>,
    user_id: Option<Id>,
    client_ip: &str,
) -> Result<Response, AppError> {
    let key = format!("held:{client_ip}");
    let now = now();
    let path = req.uri().path().to_string();
    if state.db.count_failures(&key, now - 900).await? >= MAX_PER_WINDOW {
        return Err(AppError::LoginRequired("/partnerships".into()));
    }
    let bytes = axum::body::to_bytes(req.into_body(), MAX_HELD)
        .await
        .map_err(|_| AppError::TooLarge)?;
    let body = String::from_utf8(bytes.to_vec())
        .map_err(|_| AppError::BadRequest("form is not UTF-8".into()))?;
    let token = security::new_token();
    state
        .db
        .talk()
        .hold_post(
            &security::token_hash(&token),
            user_id,
            &path,
            &body,
            now,
            now + KEEP_SECONDS,
        )
        .await?;
    state.db.record_failure(&[key], now).await?;
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
        "purpose" => "Purpose",
        "place" => "Place or meeting link",
        "note" => "Progress note",
        "text" => "Question",
        "prompt" => "Facilitator prompt",
        "name" => "Name",
        "description" => "Description",
        "aim" => "Aim",
        _ => return None,
    })
}

#[derive(Template)]
#[template(path = "held.html")]
struct HeldPage {
    c: PageCtx,
    token: String,
    path: String,
    /// (label, value) of the text people typed.
    shown: Vec<(&'static str, String)>,
    /// Every field except the old CSRF token.
    fields: Vec<(String, String)>,
}

async fn page(
    State(state): State<AppState>,
    s: SignedIn,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let held = state
        .db
        .talk()
        .held_post(&security::token_hash(&token), now())
        .await?
        .filter(|h| h.user_id.is_none_or(|u| u == s.user.id))
        .ok_or(AppError::NotFound)?;
    let fields: Vec<(String, String)> = form_urlencoded::parse(held.body.as_bytes())
        .into_owned()
        .filter(|(k, _)| k != super::extract::CSRF_FIELD)
        .collect();
    let shown = fields
        .iter()
        .filter_map(|(k, v)| label(k).map(|l| (l, v.clone())))
        .filter(|(_, v)| !v.trim().is_empty())
        .collect();
    render(&HeldPage {
        c: s.ctx.page("Finish saving your work"),
        token,
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
    let talk = state.db.talk();
    if talk
        .held_post(&hash, now())
        .await?
        .is_some_and(|h| h.user_id.is_none_or(|u| u == s.user.id))
    {
        talk.delete_held_post(&hash).await?;
    }
    Ok(redirect_with_flash("/partnerships", "Discarded."))
}
