//! Who is asking, for which partnership, with what role — decided here, once.
//!
//! `session_layer` runs before every page: it reads the cookies, loads the session and
//! its user (one query), works out the CSRF token, and leaves a [`RequestCtx`] in the
//! request. Extractors then demand what a handler needs: [`SignedIn`], [`SiteAdmin`],
//! [`Member`] (a partnership the user belongs to, else 404), [`SafeForm`] (a form whose
//! CSRF token matches).

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::connect_info::MockConnectInfo;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::IntoResponse as _;
use axum::response::Response;
use serde::de::DeserializeOwned;

use super::{AppState, PageCtx};
use crate::domain::model::{Membership, Partnership, User};
use crate::domain::roles::{Action, Role, can};
use crate::domain::{Timestamp, now, validate};
use crate::error::AppError;
use crate::security;

/// Holds the session token of a signed-in browser.
pub const SESSION_COOKIE: &str = "tandem_session";
/// Holds a random value for visitors who are not signed in, so their forms get CSRF tokens too.
pub const ANON_COOKIE: &str = "tandem_visitor";
/// A one-off message for the next page ("Saved").
pub const FLASH_COOKIE: &str = "tandem_flash";

/// Name of the hidden CSRF field in every form.
pub const CSRF_FIELD: &str = "_csrf";

tokio::task_local! {
    /// The current request's context, so error pages (rendered far from any handler
    /// argument) can show the same header as every other page.
    pub static CURRENT: RequestCtx;
}

/// What `session_layer` learned about a request.
#[derive(Clone, Debug)]
pub struct RequestCtx {
    pub user: Option<User>,
    /// Hash of the session token, when signed in.
    pub session_hash: Option<String>,
    pub csrf: String,
    pub flash: Option<String>,
    pub client_ip: String,
    /// For `/p/{slug}/…` addresses, the membership loaded with the session: (slug, membership).
    pub preloaded: Option<(String, Option<(Partnership, Membership)>)>,
}

impl RequestCtx {
    /// Layout data for a page titled `title`.
    pub fn page(&self, title: &str) -> PageCtx {
        PageCtx {
            title: title.to_string(),
            user_name: self.user.as_ref().map(|u| u.display_name.clone()),
            is_admin: self.user.as_ref().is_some_and(|u| u.is_admin),
            csrf: self.csrf.clone(),
            flash: self.flash.clone(),
            partnership: None,
        }
    }
}

/// Read one cookie's value.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value with our standard flags.
pub fn set_cookie(name: &str, value: &str, secure: bool, max_age: Option<i64>) -> HeaderValue {
    let mut s = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if secure {
        s.push_str("; Secure");
    }
    if let Some(age) = max_age {
        s.push_str(&format!("; Max-Age={age}"));
    }
    HeaderValue::from_str(&s).expect("cookie values are hex or percent-encoded")
}

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
    let ctx = RequestCtx {
        user,
        session_hash,
        csrf: security::csrf_for(&csrf_source),
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
        match super::held::hold(&state, req, ended, &ip).await {
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

/// Any visitor, signed in or not.
pub struct Ctx(pub RequestCtx);

impl FromRequestParts<AppState> for Ctx {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, AppError> {
        parts
            .extensions
            .get::<RequestCtx>()
            .cloned()
            .map(Ctx)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("session layer missing")))
    }
}

/// A signed-in user; anyone else is sent to the sign-in page.
pub struct SignedIn {
    pub user: User,
    pub ctx: RequestCtx,
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let Ctx(ctx) = Ctx::from_request_parts(parts, state).await?;
        match ctx.user.clone() {
            Some(user) => Ok(SignedIn { user, ctx }),
            None => Err(AppError::LoginRequired(login_return_path(parts))),
        }
    }
}

/// Where to come back to after signing in: the page itself for GET, else "my partnerships".
fn login_return_path(parts: &Parts) -> String {
    if parts.method == axum::http::Method::GET {
        parts
            .uri
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_else(|| "/".into())
    } else {
        "/partnerships".into()
    }
}

/// A site administrator. Anyone else signed in gets 404: the admin area is not advertised.
pub struct SiteAdmin {
    pub user: User,
    pub ctx: RequestCtx,
}

impl FromRequestParts<AppState> for SiteAdmin {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let SignedIn { user, ctx } = SignedIn::from_request_parts(parts, state).await?;
        if user.is_admin {
            Ok(SiteAdmin { user, ctx })
        } else {
            Err(AppError::NotFound)
        }
    }
}

/// A signed-in member of the partnership named by `{slug}` in the path. Anyone who is
/// not a member — or a partnership that does not exist — gets the same 404.
pub struct Member {
    pub user: User,
    pub ctx: RequestCtx,
    pub partnership: Partnership,
    pub membership: Membership,
}

impl Member {
    /// This member's role.
    pub fn role(&self) -> Role {
        self.membership.role
    }

    /// May this member do `action`? Otherwise 403 (they can see the partnership).
    pub fn require(&self, action: Action) -> Result<(), AppError> {
        if can(self.role(), action) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Layout data for a page inside this partnership.
    pub fn page(&self, title: &str) -> PageCtx {
        let mut c = self.ctx.page(title);
        c.partnership = Some((self.partnership.slug.clone(), self.partnership.name.clone()));
        c
    }
}

impl FromRequestParts<AppState> for Member {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let SignedIn { user, ctx } = SignedIn::from_request_parts(parts, state).await?;
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound)?;
        let slug = params.get("slug").ok_or(AppError::NotFound)?;
        let found = match &ctx.preloaded {
            Some((loaded_for, m)) if loaded_for == slug => m.clone(),
            _ => state.db.membership(slug, user.id).await?,
        };
        match found {
            Some((partnership, membership)) => Ok(Member {
                user,
                ctx,
                partnership,
                membership,
            }),
            None => Err(AppError::NotFound),
        }
    }
}

/// A submitted form whose CSRF token has been checked. Every POST handler takes one.
pub struct SafeForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for SafeForm<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, AppError> {
        let expected = req
            .extensions()
            .get::<RequestCtx>()
            .map(|c| c.csrf.clone())
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("session layer missing")))?;
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::TooLarge
            } else {
                AppError::BadRequest(e.body_text())
            }
        })?;
        let sent = form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == CSRF_FIELD)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        if !security::constant_time_eq(&sent, &expected) {
            return Err(AppError::Csrf);
        }
        let parsed = if has_controls(&bytes) {
            serde_urlencoded::from_str(&clean_form(&String::from_utf8_lossy(&bytes)))
        } else {
            serde_urlencoded::from_bytes(&bytes)
        };
        parsed
            .map(SafeForm)
            .map_err(|e| AppError::BadRequest(format!("form did not match: {e}")))
    }
}

/// Does a urlencoded form carry a control character we do not keep?
fn has_controls(form: &[u8]) -> bool {
    form_urlencoded::parse(form).any(|(k, v)| {
        k.chars().any(validate::is_unwanted_control) || v.chars().any(validate::is_unwanted_control)
    })
}

/// The same urlencoded form with control characters (other than tab and line breaks)
/// removed from every name and value: the one place form input is cleaned, so both
/// engines store the same text (PostgreSQL refuses NUL) and nobody gets an error page
/// for an invisible character pasted from another program.
pub fn clean_form(form: &str) -> String {
    let mut out = form_urlencoded::Serializer::new(String::with_capacity(form.len()));
    for (k, v) in form_urlencoded::parse(form.as_bytes()) {
        out.append_pair(&validate::strip_controls(&k), &validate::strip_controls(&v));
    }
    out.finish()
}

/// For forms that carry nothing but the CSRF token.
#[derive(serde::Deserialize)]
pub struct NoFields {}

/// A form that may carry a file: `multipart/form-data` (file upload) or a plain
/// urlencoded form. The CSRF token is checked either way.
pub struct SafeUpload {
    pub fields: HashMap<String, String>,
    /// (file name, bytes) of a non-empty file field named `file`.
    pub file: Option<(String, Vec<u8>)>,
}

impl FromRequest<AppState> for SafeUpload {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, AppError> {
        let is_multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        if !is_multipart {
            let SafeForm(fields) =
                SafeForm::<HashMap<String, String>>::from_request(req, state).await?;
            return Ok(SafeUpload { fields, file: None });
        }
        let expected = req
            .extensions()
            .get::<RequestCtx>()
            .map(|c| c.csrf.clone())
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("session layer missing")))?;
        let mut multipart = axum::extract::Multipart::from_request(req, state)
            .await
            .map_err(|e| AppError::BadRequest(e.body_text()))?;
        let mut fields = HashMap::new();
        let mut file = None;
        let too_large = |e: axum::extract::multipart::MultipartError| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::TooLarge
            } else {
                AppError::BadRequest(e.body_text())
            }
        };
        while let Some(field) = multipart.next_field().await.map_err(too_large)? {
            let name = field.name().unwrap_or_default().to_string();
            if name == "file" {
                let file_name = field.file_name().unwrap_or_default().to_string();
                let bytes = field.bytes().await.map_err(too_large)?;
                if !bytes.is_empty() {
                    file = Some((file_name, bytes.to_vec()));
                }
            } else {
                let text = field.text().await.map_err(too_large)?;
                fields.insert(
                    validate::strip_controls(&name).into_owned(),
                    validate::strip_controls(&text).into_owned(),
                );
            }
        }
        let sent = fields.get(CSRF_FIELD).cloned().unwrap_or_default();
        if !security::constant_time_eq(&sent, &expected) {
            return Err(AppError::Csrf);
        }
        Ok(SafeUpload { fields, file })
    }
}
