//! Operations: health checks, embedded static files, security headers, the 404 page.

use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

use super::AppState;
use crate::error::AppError;

#[derive(RustEmbed)]
#[folder = "static/"]
struct Assets;

/// `/healthz`: the process is up.
pub async fn healthz() -> &'static str {
    "ok"
}

/// `/readyz`: the database answers.
pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// `/static/{*path}`: files embedded in the binary, cached by browsers and revalidated by ETag.
pub async fn static_file(Path(path): Path<String>, req: Request) -> Response {
    let Some(file) = Assets::get(&path) else {
        return AppError::NotFound.into_response();
    };
    let etag = format!("\"{}\"", &hex(&file.metadata.sha256_hash())[..16]);
    let cache = HeaderValue::from_static("public, max-age=86400");
    if req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        return (
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag)],
            [(header::CACHE_CONTROL, cache)],
        )
            .into_response();
    }
    let mime = file.metadata.mimetype().to_string();
    (
        [(header::CONTENT_TYPE, mime), (header::ETAG, etag)],
        [(header::CACHE_CONTROL, cache)],
        file.data.into_owned(),
    )
        .into_response()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The 404 page for unknown addresses.
pub async fn not_found() -> AppError {
    AppError::NotFound
}

/// How long browsers are told to use only HTTPS for us (a year), when people reach us
/// over HTTPS.
pub const HSTS: &str = "max-age=31536000";

/// Headers every response carries.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    if state.secure_cookies() {
        // Only then: sent over plain HTTP it would mean nothing, and a laptop serving
        // a room over local wifi has no certificate.
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    let set = |h: &mut axum::http::HeaderMap, k: &'static str, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    set(
        h,
        "content-security-policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; \
         connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    );
    set(h, "x-content-type-options", "nosniff");
    set(h, "x-frame-options", "DENY");
    set(h, "referrer-policy", "same-origin");
    set(
        h,
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    );
    set(h, "cross-origin-opener-policy", "same-origin");
    if !h.contains_key(header::CACHE_CONTROL) {
        // Pages show private data; shared computers must not keep them.
        set(h, "cache-control", "no-store");
    }
    resp
}
