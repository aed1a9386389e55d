//! Answering from the page cache (`web/pages.rs`): the layer inside the session layer
//! that serves a signed-in GET from a page the same session has just seen, when
//! nothing has changed since, and keeps what it may of the pages it lets through.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};

use super::AppState;
use super::compress::SECRET_ADDRESSES;
use super::extract::RequestCtx;
use super::pages::{Entry, Key, keepable};
use crate::error::AppError;
use crate::security;

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
    if let Some(e) = cache.get(&asked.key, generation) {
        let mut resp = Response::new(Body::from(e.body(&security::mask_csrf(&asked.csrf))));
        *resp.headers_mut() = e.headers.clone();
        return resp;
    }
    let resp = next.run(req).await;
    let Some(len) = keepable(&resp) else {
        return resp;
    };
    let (parts, body) = resp.into_parts();
    let bytes: Bytes = match axum::body::to_bytes(body, len).await {
        Ok(b) => b,
        Err(e) => {
            return AppError::Internal(anyhow::anyhow!("reading a page: {e}")).into_response();
        }
    };
    let entry = Entry::new(
        generation,
        parts.headers.clone(),
        bytes.clone(),
        &asked.csrf_masked,
    );
    // The current generation, for clearing out stale entries to make room.
    let current = state.db.data_generation().unwrap_or(generation);
    cache.put(asked.key, entry, current);
    Response::from_parts(parts, Body::from(bytes))
}
