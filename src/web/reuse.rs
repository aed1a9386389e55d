//! Answering from the page cache (`web/pages.rs`): the layer inside the session layer
//! that serves a signed-in GET from a page the same session has just seen, when
//! nothing has changed since, and keeps what it may of the pages it lets through.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};

use super::AppState;
use super::compress::{SECRET_ADDRESSES, WhenSafe};
use super::extract::RequestCtx;
use super::pages::{Entry, Key, keepable};
use crate::error::AppError;
use crate::security;
use tower_http::compression::Predicate as _;

/// Does the request accept gzip (named, or `*`, with a weight above 0)?
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut params = coding.split(';');
            let name = params.next().unwrap_or("").trim();
            let refused = params.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

/// A kept page as a response: gzipped when the browser asked and it is kept so.
fn answer(e: &Entry, csrf: &str, gzip: bool) -> Response {
    let mut headers = e.headers.clone();
    let zipped = match (&e.gzipped, gzip) {
        (Some(g), true) => g.body(csrf),
        _ => None,
    };
    let body = match zipped {
        Some(z) => {
            headers.remove(header::CONTENT_LENGTH);
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
            z
        }
        None => e.body(csrf),
    };
    let mut resp = Response::new(Body::from(body));
    *resp.headers_mut() = headers;
    resp
}

/// What this layer needs of a request it may answer: its key, and its CSRF token
/// bare (to mask afresh) and as masked for this response (to cut a kept page at).
struct Asked {
    key: Key,
    csrf: String,
    csrf_masked: String,
}

/// The key and tokens of a request this cache may answer, if it may.
fn asked(req: &Request) -> Option<Asked> {
    if req.method() != Method::GET {
        return None;
    }
    let ctx = req.extensions().get::<RequestCtx>()?;
    if ctx.user.is_none() || ctx.flash.is_some() {
        return None;
    }
    let path = req.uri().path();
    if SECRET_ADDRESSES.iter().any(|p| path.starts_with(p)) {
        return None;
    }
    let address = req.uri().path_and_query()?.as_str().to_string();
    Some(Asked {
        key: (ctx.session_hash.clone()?, address),
        csrf: ctx.csrf.clone(),
        csrf_masked: ctx.csrf_masked.clone(),
    })
}

/// Middleware, inside the session layer: answer from the cache when it can, and keep
/// what it may.
pub async fn page_cache_layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let cache = &state.pages;
    if !cache.is_on() {
        return next.run(req).await;
    }
    let (Some(asked), Some(generation)) = (asked(&req), state.db.data_generation()) else {
        return next.run(req).await;
    };
    let gzip = accepts_gzip(req.headers());
    if let Some(e) = cache.get(&asked.key, generation) {
        return answer(&e, &security::mask_csrf(&asked.csrf), gzip);
    }
    let resp = next.run(req).await;
    let Some(len) = keepable(&resp) else {
        return resp;
    };
    let compressible = WhenSafe.should_compress(&resp);
    let (parts, body) = resp.into_parts();
    let bytes: Bytes = match axum::body::to_bytes(body, len).await {
        Ok(b) => b,
        Err(e) => {
            return AppError::Internal(anyhow::anyhow!("reading a page: {e}")).into_response();
        }
    };
    let entry = Entry::new(generation, parts.headers.clone(), bytes, &asked.csrf_masked);
    // Gzipped in line, once per build (~2 ms for the 170 KB results page, less for
    // the rest): the compression layer did the same work on these threads for every
    // request before. On blocking threads it cost more memory than time: each new
    // thread's allocator arena kept its compressors' blocks (RSS under the mixed load
    // 31 -> 66 MB).
    let entry = if compressible {
        entry.with_gzip()
    } else {
        entry
    };
    let entry = std::sync::Arc::new(entry);
    // This response: the page as built (its own token), gzipped if asked for.
    let mut resp = answer(&entry, &asked.csrf_masked, gzip);
    *resp.status_mut() = parts.status;
    resp.extensions_mut().extend(parts.extensions);
    // The current generation, for clearing out stale entries to make room.
    let current = state.db.data_generation().unwrap_or(generation);
    cache.put(asked.key, entry, current);
    resp
}
