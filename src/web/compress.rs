//! Compression on the wire (gzip, when the browser asks), kept safe against
//! BREACH: CSRF tokens are masked afresh on every page (`security::mask_csrf`), and a
//! response that shows a one-time secret — a new invitation, reset or calendar link,
//! or a page reached through one — is sent uncompressed, so its size can never hint at
//! the secret.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::compression::{CompressionLayer, CompressionLevel};

/// Marks a response that must go uncompressed (see [`uncompressed`]).
#[derive(Clone, Copy, Debug)]
pub struct Uncompressed;

/// Send this response uncompressed: it shows a one-time secret.
pub fn uncompressed(mut resp: Response) -> Response {
    resp.extensions_mut().insert(Uncompressed);
    resp
}

/// Addresses that carry a one-time secret themselves; their pages may echo it.
pub(crate) const SECRET_ADDRESSES: &[&str] = &["/invite/", "/reset/", "/setup/", "/calendar/"];

/// Marks every response to an address carrying a secret as [`Uncompressed`].
pub async fn secret_addresses(req: Request, next: Next) -> Response {
    let secret = SECRET_ADDRESSES
        .iter()
        .any(|p| req.uri().path().starts_with(p));
    let resp = next.run(req).await;
    if secret { uncompressed(resp) } else { resp }
}

/// Compress unless the response is marked, is small, is an image other than SVG, is
/// an event stream, or is a PDF (already compressed inside).
#[derive(Clone, Copy, Default)]
pub struct WhenSafe;

impl Predicate for WhenSafe {
    fn should_compress<B>(&self, response: &axum::http::Response<B>) -> bool
    where
        B: axum::body::HttpBody,
    {
        response.extensions().get::<Uncompressed>().is_none()
            && DefaultPredicate::new()
                .and(NotForContentType::const_new("application/pdf"))
                .should_compress(response)
    }
}

/// The compression layer: gzip at level 6, for what the page cache does not already
/// send gzipped (`web/pages.rs` keeps pages gzipped once, around a fresh token). The fastest level left the results page at
/// 33 KB of its 219 KB; level 6 gives 17 KB. Brotli (quality 4) was no smaller here and
/// cost about twice the CPU per page, so it waits until static files are compressed
/// once rather than per request. Its feature is left out of tower-http altogether:
/// the layer's body holds room for each encoder it was built with, brotli's state is
/// over 2 KB, and every response kept that room for as long as it lasted (a live
/// session's event stream lasts the whole meeting).
pub fn layer() -> CompressionLayer<WhenSafe> {
    CompressionLayer::new()
        .gzip(true)
        .quality(CompressionLevel::Default)
        .compress_when(WhenSafe)
}
