//! The HTTP server under the app: accepting connections and serving each with hyper's
//! HTTP/1 (what browsers speak to a server without TLS; TLS is left to a proxy in
//! front, which speaks HTTP/1 to us too).
//!
//! Written here, rather than taken from `axum::serve`, for what that does not set:
//!
//! - **An idle connection is closed after [`IDLE`].** A browser keeps a connection
//!   open after each page for minutes; each costs the server about 20 KB (hyper's read
//!   and write buffers), so a room of ten thousand phones, each holding its event
//!   stream and one idle connection, held twice the memory it needs.
//! - **A request's headers must arrive within [`IDLE`]**, so a client sending one byte
//!   a minute cannot hold a connection (and its memory) for ever.
//! - **Shutdown ends the live event streams** (`LiveHub::close`): they never finish on
//!   their own, so Ctrl-C or SIGTERM waited for as long as a phone stayed in the room.
//!   Requests in flight get [`DRAIN`] to finish.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tower::ServiceExt as _;

/// How long a connection may wait for a request's headers: between requests (an idle
/// keep-alive connection) and while they arrive.
pub const IDLE: Duration = Duration::from_secs(30);

/// How long requests in flight get to finish once shutdown starts.
pub const DRAIN: Duration = Duration::from_secs(10);

/// Serve `app` on `listener` until `shutdown` completes; then stop accepting, call
/// `closing` (which ends the responses that never end by themselves) and wait up to
/// [`DRAIN`] for the rest.
pub async fn run(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()>,
    closing: impl FnOnce(),
) {
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(IDLE);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (tcp, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(c) => c,
                Err(e) => {
                    wait_after_accept_error(&e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Pages go out as soon as they are written: without TCP_NODELAY, the last small
        // write of a response made of several could wait ~40 ms for the browser's
        // delayed acknowledgement (seen with the streamed CSV and pages sent in parts).
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
        // Who is asking, for the rate limits (`ConnectInfo`, as axum's own server
        // gives). The request's future is boxed: hyper keeps room for it inline for as
        // long as the connection lasts, which for the router's future is some 4 KB per
        // connection, idle or streaming; boxed, that room is 16 bytes and the future's
        // own memory goes once the response has started.
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(remote));
            let answer: Pin<Box<dyn Future<Output = _> + Send>> =
                Box::pin(app.clone().oneshot(req));
            answer
        });
        let conn = graceful.watch(http.serve_connection(TokioIo::new(tcp), service));
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                // A browser going away mid-response, or a connection idle too long.
                tracing::debug!(error = %e, "connection ended");
            }
        });
    }
    drop(listener);
    closing();
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(DRAIN) => {
            tracing::warn!("some requests were still running after {} s and were cut off", DRAIN.as_secs());
        }
    }
}

/// After a failed accept: a connection reset before it was accepted is nothing; running
/// out of file descriptors (or memory) is, and trying again at once would only spin.
async fn wait_after_accept_error(e: &std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::warn!(error = %e, "could not accept a connection; trying again in a moment");
    tokio::time::sleep(Duration::from_millis(200)).await;
}
