//! The session layer: runs before every page. It reads the cookies, loads the session
//! and its user (and, for `/p/{slug}/…`, the membership) in one query, works out the
//! CSRF token, passes on the one-off message, holds a form sent after a session ended
//! (see `held`), and sets or clears cookies on the way out.

use std::net::SocketAddr;

use axum::extract::connect_info::MockConnectInfo;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::IntoResponse as _;
use axum::response::Response;

use super::AppState;
use super::extract::{
    ANON_COOKIE, CURRENT, FLASH_COOKIE, RequestCtx, SESSION_COOKIE, cookie, set_cookie,
};
use crate::domain::{Timestamp, now};
use crate::error::AppError;
use crate::security;

fn client_ip(req: &Request, trust_proxy: bool) -> String {
    if trust_proxy
        && let Some(last) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
    {
        return last.trim().to_string();
    }
    let ext = req.extensions();
    ext.get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0)
        .or_else(|| ext.get::<MockConnectInfo<SocketAddr>>().map(|c| c.0))
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn session_alive(
    state: &AppState,
    created: Timestamp,
    last_seen: Timestamp,
    now: Timestamp,
) -> bool {
    now - last_seen < state.settings.session_idle_minutes * 60
        && now - created < state.settings.session_max_hours * 3600
}

/// Middleware: load the session, compute CSRF, pass the flash message, set cookies.
pub async fn session_layer(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Result<Response, AppError> {
    let now = now();
    let headers = req.headers();
    let mut user = None;
    let mut session_hash = None;
    let mut session_token = None;
    let mut clear_session = false;
    let mut preloaded = None;
    // The user and cookie token of a real session that has just ended.
    let mut ended_session = None;
    if let Some(token) = cookie(headers, SESSION_COOKIE) {
        let hash = security::token_hash(token);
        // Partnership pages need the membership too: one query instead of two.
        let slug = req
            .uri()
            .path()
            .strip_prefix("/p/")
            .and_then(|rest| rest.split('/').next())
            .filter(|s| !s.is_empty());
        let found = match slug {
            Some(slug) => state
                .db
                .session_user_membership(&hash, slug)
                .await?
                .map(|(s, u, m)| {
                    preloaded = Some((slug.to_string(), m));
                    (s, u)
                }),
            None => state.db.session_user(&hash).await?,
        };
        match found {
            Some((s, u)) if session_alive(&state, s.created_at, s.last_seen_at, now) => {
                if now - s.last_seen_at >= 60 {
                    state.db.touch_session(&hash, now).await?;
                }
                user = Some(u);
                session_token = Some(token.to_string());
                session_hash = Some(hash);
            }
            Some((s, _)) => {
                // Ended: it signs nobody in, ever again. The row and the cookie stay
                // (housekeeping removes the row a day later), so that a form sent from
                // any tab left open — even after an autosave or a reload noticed the
                // end first — is recognised as this person's and held for them.
                preloaded = None;
                ended_session = Some((s.user_id, token.to_string()));
            }
            None => clear_session = true,
        }
    }
    let mut new_anon = None;
    let csrf_source = match (&session_token, cookie(headers, ANON_COOKIE)) {
        (Some(t), _) => t.clone(),
        (None, Some(a)) if a.len() == 64 => a.to_string(),
        _ => {
            let a = security::new_token();
            new_anon = Some(a.clone());
            a
        }
    };
    let flash = cookie(headers, FLASH_COOKIE).map(|f| {
        form_urlencoded::parse(format!("m={f}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    });
    let had_flash = flash.is_some();
    let csrf = security::csrf_for(&csrf_source);
    let ctx = RequestCtx {
        user,
        session_hash,
        csrf_masked: security::mask_csrf(&csrf),
        csrf,
        flash,
        client_ip: client_ip(&req, state.settings.trust_proxy),
        preloaded,
    };
    // A form sent after the session ended is kept, not lost (see `held`).
    let hold = req
        .extensions()
        .get::<super::held::KeepsTyping>()
        .is_some_and(|keeps| {
            super::held::wants_holding(
                keeps,
                req.method(),
                req.uri().path(),
                req.headers(),
                ended_session.as_ref(),
            )
        });
    let mut resp = if let (true, Some(ended)) = (hold, ended_session) {
        let ip = ctx.client_ip.clone();
        match Box::pin(super::held::hold(&state, req, ended, &ip)).await {
            Ok(r) => r,
            Err(e) => e.into_response(),
        }
    } else {
        req.extensions_mut().insert(ctx.clone());
        CURRENT.scope(ctx, next.run(req)).await
    };
    let secure = state.secure_cookies();
    let h = resp.headers_mut();
    if let Some(a) = new_anon {
        h.append(
            header::SET_COOKIE,
            set_cookie(ANON_COOKIE, &a, secure, None),
        );
    }
    if clear_session && !sets_cookie(h, SESSION_COOKIE) {
        h.append(
            header::SET_COOKIE,
            set_cookie(SESSION_COOKIE, "", secure, Some(0)),
        );
    }
    if had_flash && !sets_cookie(h, FLASH_COOKIE) {
        h.append(
            header::SET_COOKIE,
            set_cookie(FLASH_COOKIE, "", secure, Some(0)),
        );
    }
    if secure {
        mark_cookies_secure(h);
    }
    Ok(resp)
}

/// Over HTTPS every cookie we send is `Secure`, whichever code made it (a handler
/// setting a flash message does not know how people reach us; this layer does).
fn mark_cookies_secure(h: &mut HeaderMap) {
    let all: Vec<HeaderValue> = h.get_all(header::SET_COOKIE).iter().cloned().collect();
    if all.iter().all(|v| has_secure(v.as_bytes())) {
        return;
    }
    h.remove(header::SET_COOKIE);
    for v in all {
        let v = if has_secure(v.as_bytes()) {
            v
        } else {
            let mut s = v.as_bytes().to_vec();
            s.extend_from_slice(b"; Secure");
            HeaderValue::from_bytes(&s).unwrap_or(v)
        };
        h.append(header::SET_COOKIE, v);
    }
}

fn has_secure(cookie: &[u8]) -> bool {
    String::from_utf8_lossy(cookie)
        .split(';')
        .any(|attr| attr.trim().eq_ignore_ascii_case("secure"))
}

fn sets_cookie(h: &HeaderMap, name: &str) -> bool {
    h.get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.as_bytes().starts_with(format!("{name}=").as_bytes()))
}
