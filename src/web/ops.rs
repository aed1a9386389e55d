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
    let mime = file.metadata.mimetype().to_string();
    let gzip = worth_compressing(&mime)
        && req
            .headers()
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("gzip"));
    let hash = &hex(&file.metadata.sha256_hash())[..16];
    let etag = if gzip {
        format!("\"{hash}-gz\"")
    } else {
        format!("\"{hash}\"")
    };
    let cache = HeaderValue::from_static("public, max-age=86400");
    let vary = HeaderValue::from_static("accept-encoding");
    if req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        return (
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag)],
            [(header::CACHE_CONTROL, cache), (header::VARY, vary)],
        )
            .into_response();
    }
    if gzip {
        // Compressed once per file and kept (the files are built in, so the set is
        // fixed); the compression layer leaves the response alone.
        let body = gzipped(&path, &file.data);
        return super::compress::uncompressed(
            (
                [(header::CONTENT_TYPE, mime), (header::ETAG, etag)],
                [
                    (header::CACHE_CONTROL, cache),
                    (header::VARY, vary),
                    (header::CONTENT_ENCODING, HeaderValue::from_static("gzip")),
                ],
                body.as_ref().clone(),
            )
                .into_response(),
        );
    }
    (
        [(header::CONTENT_TYPE, mime), (header::ETAG, etag)],
        [(header::CACHE_CONTROL, cache), (header::VARY, vary)],
        file.data.into_owned(),
    )
        .into_response()
}

/// Text, scripts and SVG shrink; images and fonts are compressed already.
fn worth_compressing(mime: &str) -> bool {
    mime.starts_with("text/") || mime.contains("javascript") || mime.contains("svg")
}

/// A built-in file gzipped (level 9, once per file for the life of the process).
fn gzipped(path: &str, data: &[u8]) -> std::sync::Arc<Vec<u8>> {
    use std::collections::HashMap;
    use std::io::Write;
    use std::sync::{Arc, Mutex, OnceLock};
    static DONE: OnceLock<Mutex<HashMap<String, Arc<Vec<u8>>>>> = OnceLock::new();
    let done = DONE.get_or_init(Default::default);
    if let Some(z) = done.lock().unwrap_or_else(|e| e.into_inner()).get(path) {
        return z.clone();
    }
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let z = Arc::new(
        enc.write_all(data)
            .and_then(|_| enc.finish())
            .expect("gzip into memory cannot fail"),
    );
    done.lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(path.to_string(), z.clone());
    z
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
    // A response may set a stricter policy of its own (an uploaded file: sandboxed).
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        set(
            h,
            "content-security-policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; \
         connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        );
    }
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
