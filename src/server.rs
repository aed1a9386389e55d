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
//! - **Event streams are written here, not by hyper** (`stream_ourselves`). A
//!   connection held by hyper keeps an 8 KB read buffer and an 8 KB write buffer for
//!   as long as it lasts; a live session's phone holds its stream for the whole
//!   meeting, so ten thousand phones held 160 MB in buffers that carry one small event
//!   a minute. A connection whose first request asks for an event stream is read
//!   here (its head, into a buffer freed at once), answered by the same router as
//!   every request (so the same checks), and its events written straight to the
//!   socket: about 4 KB a phone in all. Browsers ask for a phone's stream on a
//!   connection they keep from the page before it; hyper answers that once with a
//!   redirect to the same stream that closes the connection (`fresh_stream`), so the
//!   browser asks again on a new one, which comes here.

use std::cell::Cell;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, Method, Request, Response, StatusCode, Version, header};
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
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
        let app = app.clone();
        let http = http.clone();
        let graceful = graceful.watcher();
        // A task's memory is its largest state's, for as long as it lasts: hyper's
        // connection (some KB) is boxed, so a phone's stream does not keep room for it.
        tokio::spawn(async move {
            match first_request(&tcp).await {
                First::Gone => {}
                First::EventStream => stream_ourselves(tcp, remote, app).await,
                First::Other => {
                    let conn = Box::pin(
                        graceful
                            .watch(http.serve_connection(TokioIo::new(tcp), service(app, remote))),
                    );
                    if let Err(e) = conn.await {
                        // A browser going away mid-response, or a connection idle too long.
                        tracing::debug!(error = %e, "connection ended");
                    }
                }
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

/// The router's answer to one request, boxed (see [`service`]).
type Answer = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

/// The router as hyper's service for one connection.
///
/// Who is asking goes in each request, for the rate limits (`ConnectInfo`, as axum's
/// own server gives). The request's future is boxed: hyper keeps room for it inline
/// for as long as the connection lasts, which for the router's future is some 4 KB per
/// connection, idle or streaming; boxed, that room is 16 bytes and the future's own
/// memory goes once the response has started.
fn service(
    app: Router,
    remote: SocketAddr,
) -> impl hyper::service::Service<
    Request<Incoming>,
    Response = Response<Body>,
    Error = Infallible,
    Future = Answer,
> + Send {
    let served = Cell::new(0u32);
    hyper::service::service_fn(move |mut req: Request<Incoming>| {
        served.set(served.get().saturating_add(1));
        if served.get() > 1
            && let Some(again) = fresh_stream(&req)
        {
            return Box::pin(std::future::ready(Ok(again)))
                as Pin<Box<dyn Future<Output = _> + Send>>;
        }
        req.extensions_mut().insert(ConnectInfo(remote));
        Box::pin(app.clone().oneshot(req.map(Body::new)))
    })
}

/// What a new connection asks first, from its first bytes left unread for hyper.
enum First {
    /// A phone's or a screen's event stream: served by [`stream_ourselves`].
    EventStream,
    Other,
    /// Closed, or nothing within [`IDLE`].
    Gone,
}

/// Whether this request line asks for a live session's event stream: a phone's
/// (`GET /live/{code}/events`) or a screen's (`GET /p/{slug}/live/{id}/events`).
fn is_event_stream(method: &str, target: &str) -> bool {
    let path = target.split('?').next().unwrap_or("");
    let parts: Vec<&str> = path.split('/').collect();
    method == "GET"
        && match parts.as_slice() {
            ["", "live", code, "events"] => !code.is_empty(),
            ["", "p", slug, "live", id, "events"] => !slug.is_empty() && !id.is_empty(),
            _ => false,
        }
}

async fn first_request(tcp: &TcpStream) -> First {
    let mut buf = [0u8; 256];
    let n = match tokio::time::timeout(IDLE, tcp.peek(&mut buf)).await {
        Ok(Ok(n)) if n > 0 => n,
        _ => return First::Gone,
    };
    // The request line as it has arrived so far; a line not yet whole (or longer than
    // this) goes to hyper, which serves event streams too, only with more memory.
    let Some(line) = buf[..n]
        .split(|&b| b == b'\n')
        .next()
        .filter(|_| buf[..n].contains(&b'\n'))
    else {
        return First::Other;
    };
    let line = String::from_utf8_lossy(line);
    let mut words = line.split_ascii_whitespace();
    match (words.next(), words.next()) {
        (Some(method), Some(target)) if is_event_stream(method, target) => First::EventStream,
        _ => First::Other,
    }
}

/// Marks a stream asked for again by [`fresh_stream`]'s redirect, so it is asked for
/// at most once more (a proxy in front may bring every request on a kept connection).
const FRESH: &str = "fresh";

/// A phone's stream asked for on a connection that has served a request before: a
/// redirect to the same stream that closes this connection, so the browser opens a new
/// one for it, whose first request comes to [`stream_ourselves`]. Asked for again (the
/// redirect's mark), hyper serves it.
fn fresh_stream<B>(req: &Request<B>) -> Option<Response<Body>> {
    let uri = req.uri();
    let path = uri.path();
    if req.method() != Method::GET
        || !path.starts_with("/live/")
        || !is_event_stream("GET", path)
        || uri
            .query()
            .is_some_and(|q| q.split('&').any(|p| p == FRESH))
    {
        return None;
    }
    let to = match uri.query() {
        Some(q) => format!("{path}?{q}&{FRESH}"),
        None => format!("{path}?{FRESH}"),
    };
    Response::builder()
        .status(StatusCode::TEMPORARY_REDIRECT)
        .header(header::LOCATION, to)
        .header(header::CONNECTION, "close")
        .header(header::CACHE_CONTROL, "no-store")
        .body(Body::empty())
        .ok()
}

/// How many event streams are set up (head read, router asked) at once.
static SETTING_UP: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(64);

/// The longest request head read for an event stream.
const MAX_HEAD: usize = 8 * 1024;

/// Serve a connection whose first request asks for an event stream: read its head,
/// let the router answer it, and write the answer to the socket ourselves, the
/// events as they come. The connection closes when the stream ends (the response says
/// so); a browser opens a new one for its next stream.
async fn stream_ourselves(mut tcp: TcpStream, remote: SocketAddr, app: Router) {
    let Some(req) = Box::pin(read_head(&mut tcp, remote)).await else {
        return;
    };
    // A room connecting at once (every phone after a wifi drop) waits here with its
    // request read (a slow sender holds no place), rather than as thousands of
    // requests in flight, each holding a few KB of the router's state while they queue
    // for the database: 10,000 phones on PostgreSQL peaked at 265 MB with no bound.
    // Each setup takes a millisecond or two.
    let Ok(permit) = SETTING_UP.acquire().await else {
        return;
    };
    let http10 = req.version() == Version::HTTP_10;
    let Ok(resp) = Box::pin(app.oneshot(req)).await;
    drop(permit);
    let (parts, mut body) = resp.into_parts();
    // Chunked unless the length is known (a refusal's page) or the client speaks
    // HTTP/1.0, for which the body ends where the connection does.
    let sized = parts.headers.contains_key(header::CONTENT_LENGTH);
    let chunked = !sized && !http10;
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        parts.status.as_u16(),
        parts.status.canonical_reason().unwrap_or("")
    )
    .into_bytes();
    for (name, value) in &parts.headers {
        if name == header::CONNECTION || name == header::TRANSFER_ENCODING {
            continue;
        }
        head.extend_from_slice(name.as_str().as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    if !parts.headers.contains_key(header::DATE) {
        head.extend_from_slice(b"date: ");
        head.extend_from_slice(httpdate::fmt_http_date(std::time::SystemTime::now()).as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    if chunked {
        head.extend_from_slice(b"transfer-encoding: chunked\r\n");
    }
    head.extend_from_slice(b"connection: close\r\n\r\n");
    if tcp.write_all(&head).await.is_err() {
        return;
    }
    drop(head);
    drop(parts);
    // Events as they come, until the stream ends or the phone goes away (a read
    // returning nothing; anything it sends after its request is not read as one).
    let mut scratch = [0u8; 16];
    loop {
        let frame = tokio::select! {
            frame = body.frame() => frame,
            read = tcp.read(&mut scratch) => match read {
                Ok(n) if n > 0 => continue,
                _ => return,
            },
        };
        let data = match frame {
            None => break,
            Some(Err(e)) => {
                tracing::debug!(error = %e, "an event stream failed");
                return;
            }
            Some(Ok(f)) => match f.into_data() {
                Ok(d) => d,
                Err(_) => continue, // trailers
            },
        };
        if data.is_empty() {
            continue;
        }
        let sent = if chunked {
            let mut out = Vec::with_capacity(data.len() + 12);
            out.extend_from_slice(format!("{:x}\r\n", data.len()).as_bytes());
            out.extend_from_slice(&data);
            out.extend_from_slice(b"\r\n");
            tcp.write_all(&out).await
        } else {
            tcp.write_all(&data).await
        };
        if sent.is_err() {
            return;
        }
    }
    if chunked {
        let _ = tcp.write_all(b"0\r\n\r\n").await;
    }
    let _ = tcp.shutdown().await;
}

/// Read a request head (within [`IDLE`], at most [`MAX_HEAD`]) into a request for the
/// router; `None` (and an answer where one is due) for what is not a GET without body.
async fn read_head(tcp: &mut TcpStream, remote: SocketAddr) -> Option<Request<Body>> {
    let mut buf = Vec::with_capacity(1024);
    let end = tokio::time::timeout(IDLE, async {
        loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                return Some(i + 4);
            }
            if buf.len() >= MAX_HEAD {
                return None;
            }
            buf.reserve(1024);
            match tcp.read_buf(&mut buf).await {
                Ok(n) if n > 0 => {}
                _ => return None,
            }
        }
    })
    .await
    .ok()
    .flatten();
    let parsed = match end {
        Some(end) => parse_head(&buf[..end]),
        None if buf.len() >= MAX_HEAD => Err(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE),
        None => return None,
    };
    match parsed {
        Ok(mut req) => {
            req.extensions_mut().insert(ConnectInfo(remote));
            Some(req)
        }
        Err(status) => {
            let refusal = format!(
                "HTTP/1.1 {} {}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                status.as_u16(),
                status.canonical_reason().unwrap_or("")
            );
            let _ = tcp.write_all(refusal.as_bytes()).await;
            None
        }
    }
}

/// A whole request head as a request for the router, if it is a GET for an event
/// stream without a body.
fn parse_head(head: &[u8]) -> Result<Request<Body>, StatusCode> {
    let mut fields = [httparse::EMPTY_HEADER; 64];
    let mut parsed = httparse::Request::new(&mut fields);
    let complete = matches!(parsed.parse(head), Ok(httparse::Status::Complete(_)));
    let path = parsed.path.unwrap_or("");
    if !complete || parsed.method != Some("GET") || !is_event_stream("GET", path) {
        return Err(StatusCode::BAD_REQUEST);
    }
    let with_body = parsed.headers.iter().any(|h| {
        h.name.eq_ignore_ascii_case("content-length") && h.value != b"0"
            || h.name.eq_ignore_ascii_case("transfer-encoding")
    });
    if with_body {
        return Err(StatusCode::BAD_REQUEST);
    }
    let version = if parsed.version == Some(0) {
        Version::HTTP_10
    } else {
        Version::HTTP_11
    };
    let mut req = Request::builder()
        .method(Method::GET)
        .uri(path)
        .version(version);
    for h in parsed.headers.iter() {
        let value = HeaderValue::from_bytes(h.value).map_err(|_| StatusCode::BAD_REQUEST)?;
        req = req.header(h.name, value);
    }
    req.body(Body::empty()).map_err(|_| StatusCode::BAD_REQUEST)
}
