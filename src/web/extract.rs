//! Who is asking, for which partnership, with what role — decided here, once.
//!
//! The session layer (`web/session.rs`) runs before every page: it reads the cookies,
//! loads the session and its user (one query), works out the CSRF token, and leaves a
//! [`RequestCtx`] in the request. Extractors here then demand what a handler needs: [`SignedIn`], [`SiteAdmin`],
//! [`Member`] (a partnership the user belongs to, else 404), [`SafeForm`] (a form whose
//! CSRF token matches).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

pub use super::cookies::{ANON_COOKIE, FLASH_COOKIE, SESSION_COOKIE, cookie, set_cookie};
use super::page::PageCtx;
use super::state::AppState;
use crate::domain::model::{Membership, Partnership, User};
use crate::domain::roles::{Action, Role, can};
use crate::domain::validate;
use crate::error::AppError;
use crate::security;

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
    /// `csrf` masked for this response (see `security::mask_csrf`): every form on one
    /// page carries the same masked copy, so the page cache can mask it afresh.
    pub csrf_masked: String,
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
            // Masked afresh for every page (see `security::mask_csrf`).
            csrf: self.csrf_masked.clone(),
            flash: self.flash.clone(),
            partnership: None,
        }
    }
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
        if !security::csrf_matches(&sent_csrf(&bytes), &expected) {
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

/// The CSRF token a urlencoded form carries (empty if none).
pub fn sent_csrf(form: &[u8]) -> String {
    form_urlencoded::parse(form)
        .find(|(k, _)| k == CSRF_FIELD)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
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

/// Marks a request whose upload was over the limit (set by `guard::request_guard`): its
/// body holds only the start of the form, up to the limit ([`SafeUpload`] keeps the
/// fields before the file).
#[derive(Clone, Copy, Debug)]
pub struct UploadCutShort;

/// A form that may carry a file: `multipart/form-data` (file upload) or a plain
/// urlencoded form. The CSRF token is checked either way.
pub struct SafeUpload {
    pub fields: HashMap<String, String>,
    /// (file name, bytes) of a non-empty file field named `file`.
    pub file: Option<(String, Vec<u8>)>,
    /// The file was over the upload limit and was dropped ([`UploadCutShort`]):
    /// the fields before it are here, the file is not.
    pub too_large: bool,
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
            return Ok(SafeUpload {
                fields,
                file: None,
                too_large: false,
            });
        }
        let expected = req
            .extensions()
            .get::<RequestCtx>()
            .map(|c| c.csrf.clone())
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("session layer missing")))?;
        let cut_short = req.extensions().get::<UploadCutShort>().is_some();
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
        // A body cut short ends part-way through the file: what came before it is kept
        // and reading stops there.
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(_) if cut_short => break,
                Err(e) => return Err(too_large(e)),
            };
            let name = field.name().unwrap_or_default().to_string();
            if name == "file" {
                let file_name = field.file_name().unwrap_or_default().to_string();
                let bytes = match field.bytes().await {
                    Ok(b) => b,
                    Err(_) if cut_short => break,
                    Err(e) => return Err(too_large(e)),
                };
                if !bytes.is_empty() {
                    file = Some((file_name, bytes.to_vec()));
                }
            } else {
                let text = match field.text().await {
                    Ok(t) => t,
                    Err(_) if cut_short => break,
                    Err(e) => return Err(too_large(e)),
                };
                fields.insert(
                    validate::strip_controls(&name).into_owned(),
                    validate::strip_controls(&text).into_owned(),
                );
            }
        }
        let sent = fields.get(CSRF_FIELD).cloned().unwrap_or_default();
        if !security::csrf_matches(&sent, &expected) {
            return Err(AppError::Csrf);
        }
        Ok(SafeUpload {
            fields,
            too_large: cut_short,
            file: if cut_short { None } else { file },
        })
    }
}
