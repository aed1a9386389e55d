//! What every request passes before anything else reads it.
//!
//! - The whole body is read first (up to the size limit, within a time limit). A
//!   request refused early — sign-in needed, not a member, no such page — would
//!   otherwise leave its body unread, and hyper then drops the kept-alive connection
//!   under the client's next request. A body over the limit, or one that stalls, is
//!   answered with `Connection: close`, so the client knows not to reuse it.
//! - An evidence upload may be larger (the upload limit); one over it is read to its
//!   end and its start handed on marked [`UploadCutShort`], so the form answers with a
//!   message beside the file field and the rest of what was typed kept.
//! - An address whose path holds a control character is no page of ours: 404, before
//!   the characters reach a query (PostgreSQL refuses NUL where SQLite stores it).
//! - Control characters in the query string are removed, as they are from forms
//!   (`extract::clean_form`), so every handler sees the same clean text on both engines.

use std::time::Duration;

use axum::body::{Body, HttpBody as _};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::extract::{UploadCutShort, clean_form};
use crate::domain::validate::is_unwanted_control;
use crate::error::AppError;

/// Longest we wait for a request body to arrive.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(120);

/// Middleware: see the module documentation.
pub async fn request_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if decoded_has_controls(req.uri().path()) {
        return AppError::NotFound.into_response();
    }
    let (mut parts, body) = req.into_parts();
    if let Some(query) = parts.uri.query()
        && decoded_has_controls(query)
    {
        let cleaned = clean_form(query);
        let path_and_query = format!("{}?{cleaned}", parts.uri.path());
        let mut uri = parts.uri.clone().into_parts();
        match path_and_query.parse() {
            Ok(pq) => uri.path_and_query = Some(pq),
            Err(_) => return AppError::NotFound.into_response(),
        }
        match Uri::from_parts(uri) {
            Ok(u) => parts.uri = u,
            Err(_) => return AppError::NotFound.into_response(),
        }
    }
    let upload = is_upload(&parts.method, parts.uri.path(), &parts.headers);
    if upload && parts.headers.get(header::CONTENT_LENGTH).is_some() {
        // An evidence upload: up to the upload limit (and the form around it); a file
        // over it is read to the end and dropped, so the form can say so beside the
        // field with everything else that was typed (see `read_upload`).
        let limit = state.settings.upload_max_bytes + UPLOAD_FORM_ROOM;
        // At most a few uploads held in memory at once; the rest wait their turn.
        let Ok(_turn) = UPLOADS.acquire().await else {
            return AppError::Internal(anyhow::anyhow!("upload semaphore closed")).into_response();
        };
        return match tokio::time::timeout(BODY_TIMEOUT, read_upload(body, limit)).await {
            Ok(Ok((bytes, over))) => {
                if over {
                    parts.extensions.insert(UploadCutShort);
                }
                next.run(Request::from_parts(parts, Body::from(bytes)))
                    .await
            }
            Ok(Err(err)) => closing(err.into_response()),
            Err(_) => {
                let mut r =
                    AppError::BadRequest("the request body took too long".into()).into_response();
                *r.status_mut() = StatusCode::REQUEST_TIMEOUT;
                closing(r)
            }
        };
    }
    let body = if body.size_hint().exact() == Some(0) {
        body
    } else {
        let limit = state.settings.max_body_bytes;
        match tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, limit)).await {
            Ok(Ok(bytes)) => Body::from(bytes),
            Ok(Err(e)) => {
                // Over the limit, or the client went away mid-body.
                let too_large = e
                    .into_inner()
                    .downcast_ref::<http_body_util::LengthLimitError>()
                    .is_some();
                let err = if too_large {
                    AppError::TooLarge
                } else {
                    AppError::BadRequest("the request body could not be read".into())
                };
                return closing(err.into_response());
            }
            Err(_) => {
                let mut r =
                    AppError::BadRequest("the request body took too long".into()).into_response();
                *r.status_mut() = StatusCode::REQUEST_TIMEOUT;
                return closing(r);
            }
        }
    };
    next.run(Request::from_parts(parts, body)).await
}

/// Uploads read at once: each may hold the upload limit in memory.
static UPLOADS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(8);

/// Room for an upload form's other fields, beside the file itself.
pub const UPLOAD_FORM_ROOM: usize = 256 * 1024;

/// A body over this many times the upload limit is not read to its end: the
/// connection is closed after the refusal instead.
const UPLOAD_DRAIN_TIMES: usize = 8;

/// A form that may carry an evidence file: `POST …/file/evaluation/indicators/{id}/evidence`
/// sent as `multipart/form-data`.
fn is_upload(method: &axum::http::Method, path: &str, headers: &axum::http::HeaderMap) -> bool {
    method == axum::http::Method::POST
        && path.contains("/file/evaluation/indicators/")
        && path.ends_with("/evidence")
        && headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"))
}

/// Read an upload's body: all of it up to `limit`; past that, the rest is read and
/// dropped (up to [`UPLOAD_DRAIN_TIMES`] the limit) and only the start is kept, so the
/// handler can answer with the form. `true` when it was cut short.
async fn read_upload(mut body: Body, limit: usize) -> Result<(Vec<u8>, bool), AppError> {
    use http_body_util::BodyExt as _;
    let mut kept = Vec::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let frame =
            frame.map_err(|_| AppError::BadRequest("the request body could not be read".into()))?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        seen += data.len();
        if seen > limit.saturating_mul(UPLOAD_DRAIN_TIMES) {
            return Err(AppError::TooLarge);
        }
        if kept.len() < limit {
            let room = limit - kept.len();
            kept.extend_from_slice(&data[..data.len().min(room)]);
        }
    }
    Ok((kept, seen > limit))
}

/// Tell the client this connection ends with this response.
fn closing(mut resp: Response) -> Response {
    resp.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    resp
}

/// Does this percent-encoded text hold a control character once decoded?
fn decoded_has_controls(encoded: &str) -> bool {
    // `+` means a space in a query and itself in a path: neither is a control.
    percent_encoding::percent_decode_str(encoded)
        .decode_utf8_lossy()
        .chars()
        .any(is_unwanted_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_encoded_control_characters() {
        assert!(decoded_has_controls("/p/a%00b"));
        assert!(decoded_has_controls("q=%0B"));
        assert!(!decoded_has_controls("q=%0A"));
        assert!(decoded_has_controls("q=%C2%85"));
        assert!(decoded_has_controls("q=%7F"));
        assert!(!decoded_has_controls("q=line%09tab"));
        assert!(!decoded_has_controls("/p/caf%C3%A9/decks"));
        assert!(!decoded_has_controls("q=100%"));
    }
}
