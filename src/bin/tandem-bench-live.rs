//! Load client for `scripts/bench-live`: a room of phones against one live session.
//!
//! Usage: tandem-bench-live DATABASE_URL NODES SLUG TOKEN LIVE_ID MODE CLIENTS [ROUNDS] [SERVER_PIDS]
//!
//! NODES is a comma-separated list of base addresses (`http://127.0.0.1:8080,...`);
//! phones are spread over them in turn and the facilitator (the signed-in member whose
//! session TOKEN is given) talks to the first. SERVER_PIDS (comma-separated) are read
//! for memory once every phone is connected.
//!
//! Every mode first puts the session's first poll on the screen; MODE `show` does
//! only that.
//!
//! MODE `fanout`: CLIENTS phones join the session by its code (as a phone does, with a
//! visitor cookie and the form's CSRF token), open the phone's event stream and wait
//! for its first event; then, ROUNDS times, the facilitator reveals or hides the
//! poll's results, and the client times each phone's receipt of the change from just
//! before the facilitator's POST. Prints, per change, the time until the last phone
//! had it (p50, p99, max over the rounds) and each phone's time (p50, p99), per node
//! when there are several, and how many phones missed a change.
//!
//! MODE `burst`: CLIENTS phones join; every phone answers the poll within five
//! seconds, then every phone changes its answer within five seconds. Checks against
//! the database that each phone's answer is stored exactly once and is the last one
//! acknowledged, that the counts per option match what was acknowledged, and that the
//! projector's page shows the right count.
//!
//! The HTTP here is written by hand over tokio's TCP (one request per connection for
//! forms, one long-lived connection per event stream): ten thousand streams in one
//! process need a few kilobytes each, and nothing here is parsed beyond what is timed.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures_util::StreamExt as _;
use tandem::db::Store;
use tandem::domain::live::{StepKind, answer_fields};
use tandem::domain::model::Id;
use tandem::security;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

/// A response: status, headers (names lower-cased) and body.
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    /// The value of a cookie this reply sets.
    fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .filter(|(k, _)| k == "set-cookie")
            .find_map(|(_, v)| {
                v.strip_prefix(&format!("{name}="))
                    .map(|rest| rest.split(';').next().unwrap_or("").to_string())
            })
    }
}

/// `http://host:port` → `host:port`.
fn host_of(base: &str) -> &str {
    base.trim_start_matches("http://").trim_end_matches('/')
}

/// One request on its own connection, read to the end.
async fn request(
    base: &str,
    method: &str,
    path: &str,
    cookies: &str,
    form: Option<&str>,
) -> anyhow::Result<Reply> {
    let host = host_of(base);
    let mut s = TcpStream::connect(host).await.context("connect")?;
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    if !cookies.is_empty() {
        req.push_str(&format!("Cookie: {cookies}\r\n"));
    }
    if let Some(body) = form {
        req.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ));
    } else {
        req.push_str("\r\n");
    }
    s.write_all(req.as_bytes()).await?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").context("no end of headers")?;
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .context("no status")?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Ok(Reply {
        status,
        headers,
        body: body.to_string(),
    })
}

/// A phone in the session: its node, its visitor cookie (for CSRF) and its session cookie.
#[derive(Clone)]
struct Phone {
    node: usize,
    visitor: String,
    live: String,
}

impl Phone {
    fn cookies(&self) -> String {
        format!("tandem_visitor={}; tandem_live={}", self.visitor, self.live)
    }
    fn csrf(&self) -> String {
        security::mask_csrf(&security::csrf_for(&self.visitor))
    }
}

/// Join the session as a phone does.
async fn join(nodes: &[String], node: usize, code: &str) -> anyhow::Result<Phone> {
    let visitor = security::new_token();
    let csrf = security::mask_csrf(&security::csrf_for(&visitor));
    let r = request(
        &nodes[node],
        "POST",
        &format!("/live/{code}/join"),
        &format!("tandem_visitor={visitor}"),
        Some(&format!("_csrf={csrf}&name=&organisation=")),
    )
    .await?;
    let live = r
        .cookie("tandem_live")
        .with_context(|| format!("join gave {} without a cookie: {}", r.status, r.body))?;
    Ok(Phone {
        node,
        visitor,
        live,
    })
}

/// Join `n` phones, 64 at a time, spread over the nodes in turn.
async fn join_all(nodes: &[String], code: &str, n: usize) -> anyhow::Result<Vec<Phone>> {
    let started = Instant::now();
    let phones: Vec<anyhow::Result<Phone>> = futures_util::stream::iter(0..n)
        .map(|i| join(nodes, i % nodes.len(), code))
        .buffer_unordered(64)
        .collect()
        .await;
    let phones = phones.into_iter().collect::<anyhow::Result<Vec<_>>>()?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "  {n} phones joined in {secs:.1} s ({:.0} joins/s)",
        n as f64 / secs
    );
    Ok(phones)
}

/// The facilitator: the member's cookie and a CSRF token for it.
struct Facilitator {
    base: String,
    token: String,
    slug: String,
    live: Id,
}

impl Facilitator {
    async fn post(&self, path: &str, fields: &str) -> anyhow::Result<()> {
        let csrf = security::mask_csrf(&security::csrf_for(&self.token));
        let r = request(
            &self.base,
            "POST",
            &format!("/p/{}/live/{}{path}", self.slug, self.live),
            &format!("tandem_session={}", self.token),
            Some(&format!("_csrf={csrf}&{fields}")),
        )
        .await?;
        if r.status != 303 || r.header("location").is_some_and(|l| l.contains("problem")) {
            bail!("facilitator POST {path} gave {}: {}", r.status, r.body);
        }
        Ok(())
    }
    async fn screen_count(&self) -> anyhow::Result<(i64, i64)> {
        let r = request(
            &self.base,
            "GET",
            &format!("/p/{}/live/{}/screen", self.slug, self.live),
            &format!("tandem_session={}", self.token),
            None,
        )
        .await?;
        let answered = r
            .body
            .split("data-live-answered>")
            .nth(1)
            .and_then(|s| s.split('<').next())
            .and_then(|s| s.trim().parse().ok())
            .context("the screen shows no count")?;
        let people = r
            .body
            .split("</span> of ")
            .nth(1)
            .and_then(|s| s.split(' ').next())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(-1);
        Ok((answered, people))
    }
}

/// An event a phone received: which phone, and when.
struct Heard {
    phone: usize,
    at: Instant,
}

/// Follow a phone's event stream; every `event: live` is reported.
async fn follow(
    nodes: Arc<Vec<String>>,
    code: String,
    phone: Phone,
    index: usize,
    heard: mpsc::UnboundedSender<Heard>,
) -> anyhow::Result<()> {
    let host = host_of(&nodes[phone.node]).to_string();
    let mut s = TcpStream::connect(&host).await.context("connect")?;
    let req = format!(
        "GET /live/{code}/events HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\nCookie: tandem_live={}\r\n\r\n",
        phone.live
    );
    s.write_all(req.as_bytes()).await?;
    let mut buf = vec![0u8; 4096];
    // The end of the last read, so a marker split across reads is still found.
    let mut carry: Vec<u8> = Vec::new();
    let mut checked = false;
    const MARK: &[u8] = b"event: live";
    loop {
        let n = s.read(&mut buf).await?;
        if n == 0 {
            bail!("stream closed");
        }
        let at = Instant::now();
        carry.extend_from_slice(&buf[..n]);
        if !checked {
            if !carry.starts_with(b"HTTP/1.1 200") {
                bail!(
                    "events gave {}",
                    String::from_utf8_lossy(&carry[..carry.len().min(40)])
                );
            }
            checked = true;
        }
        let mut from = 0;
        while let Some(i) = carry[from..].windows(MARK.len()).position(|w| w == MARK) {
            from += i + MARK.len();
            if heard.send(Heard { phone: index, at }).is_err() {
                return Ok(());
            }
        }
        let keep = carry.len().saturating_sub(MARK.len() - 1).max(from);
        carry.drain(..keep);
    }
}

/// The `q` quantile of sorted milliseconds.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(|a, b| a.total_cmp(b));
    v
}

/// Resident memory of each process, in MB.
fn rss(pids: &[String]) -> String {
    pids.iter()
        .map(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/status"))
                .ok()
                .and_then(|s| {
                    s.lines()
                        .find(|l| l.starts_with("VmRSS:"))
                        .and_then(|l| l.split_whitespace().nth(1))
                        .and_then(|kb| kb.parse::<f64>().ok())
                })
                .map_or("?".to_string(), |kb| format!("{:.0} MB", kb / 1024.0))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Wait for `n` events (one from each phone expected), or until `patience` passes.
async fn collect(
    rx: &mut mpsc::UnboundedReceiver<Heard>,
    n: usize,
    patience: Duration,
) -> Vec<Heard> {
    let mut got = Vec::with_capacity(n);
    let until = tokio::time::Instant::now() + patience;
    while got.len() < n {
        match tokio::time::timeout_at(until, rx.recv()).await {
            Ok(Some(h)) => got.push(h),
            _ => break,
        }
    }
    got
}

async fn fanout(
    nodes: Arc<Vec<String>>,
    code: &str,
    f: &Facilitator,
    step: Id,
    clients: usize,
    rounds: usize,
    pids: &[String],
) -> anyhow::Result<()> {
    let phones = join_all(&nodes, code, clients).await?;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, p) in phones.iter().enumerate() {
        let (nodes, code, p, tx) = (nodes.clone(), code.to_string(), p.clone(), tx.clone());
        tasks.push(tokio::spawn(async move {
            if let Err(e) = follow(nodes, code, p, i, tx).await {
                eprintln!("phone {i}: {e:#}");
            }
        }));
        // Connect in waves, so the listen backlog is not the thing measured.
        if i % 500 == 499 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    drop(tx);
    let first = collect(&mut rx, clients, Duration::from_secs(120)).await;
    if first.len() < clients {
        bail!("only {} of {clients} streams opened", first.len());
    }
    println!(
        "  {clients} event streams open and at the current state in {:.1} s; server memory {}",
        started.elapsed().as_secs_f64(),
        rss(pids)
    );
    let mut to_last = Vec::new();
    let mut each: Vec<Vec<f64>> = vec![Vec::new(); nodes.len()];
    let mut missed = 0;
    for r in 0..rounds {
        tokio::time::sleep(Duration::from_millis(400)).await;
        while rx.try_recv().is_ok() {}
        let what = if r % 2 == 0 { "reveal" } else { "hide" };
        let t0 = Instant::now();
        f.post(&format!("/steps/{step}/state"), &format!("do={what}"))
            .await?;
        let got = collect(&mut rx, clients, Duration::from_secs(30)).await;
        missed += clients - got.len();
        let mut last: f64 = 0.0;
        for h in &got {
            let ms = h.at.duration_since(t0).as_secs_f64() * 1000.0;
            last = last.max(ms);
            each[phones[h.phone].node].push(ms);
        }
        to_last.push(last);
    }
    let to_last = sorted(to_last);
    println!(
        "  {rounds} changes, facilitator's POST to the last phone's receipt: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; server memory {}",
        quantile(&to_last, 0.5),
        quantile(&to_last, 0.99),
        to_last.last().copied().unwrap_or(f64::NAN),
        rss(pids)
    );
    for (node, times) in each.into_iter().enumerate() {
        let times = sorted(times);
        println!(
            "  node {}: each phone's receipt p50 {:.1} ms, p99 {:.1} ms ({} receipts)",
            node + 1,
            quantile(&times, 0.5),
            quantile(&times, 0.99),
            times.len()
        );
    }
    println!("  missed changes: {missed}");
    for t in tasks {
        t.abort();
    }
    if missed > 0 {
        bail!("{missed} receipts missing");
    }
    Ok(())
}

/// One wave of answers to a poll: phone `i` chooses option `(7i + shift) mod options`
/// (from 1), the phones' POSTs spread evenly over `spread`.
struct Wave {
    step: Id,
    opening: i64,
    options: usize,
    shift: usize,
    spread: Duration,
}

/// Every phone answers: returns the acknowledged choice per phone and each POST's time.
async fn answer_wave(
    nodes: &Arc<Vec<String>>,
    code: &str,
    phones: &[Phone],
    w: &Wave,
) -> anyhow::Result<(HashMap<usize, usize>, Vec<f64>)> {
    let Wave {
        step,
        opening,
        options,
        shift,
        spread,
    } = *w;
    let started = tokio::time::Instant::now();
    let mut tasks = Vec::new();
    for (i, p) in phones.iter().enumerate() {
        let at = started + spread.mul_f64(i as f64 / phones.len() as f64);
        let (nodes, code, p) = (nodes.clone(), code.to_string(), p.clone());
        let choice = (i * 7 + shift) % options + 1;
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep_until(at).await;
            let t = Instant::now();
            let r = request(
                &nodes[p.node],
                "POST",
                &format!("/live/{code}/answer"),
                &p.cookies(),
                Some(&format!(
                    "_csrf={}&step={step}&opening={opening}&choice={choice}",
                    p.csrf()
                )),
            )
            .await;
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            let acked = matches!(&r, Ok(r) if r.status == 303
                && r.header("location").is_some_and(|l| l.ends_with("#sent")));
            (i, choice, acked, ms)
        }));
    }
    let mut acked = HashMap::new();
    let mut times = Vec::new();
    for t in tasks {
        let (i, choice, ok, ms) = t.await?;
        times.push(ms);
        if ok {
            acked.insert(i, choice);
        }
    }
    Ok((acked, sorted(times)))
}

async fn burst(
    db: &Store,
    nodes: Arc<Vec<String>>,
    code: &str,
    f: &Facilitator,
    poll: Id,
    clients: usize,
) -> anyhow::Result<()> {
    let phones = join_all(&nodes, code, clients).await?;
    let step = db.live_step(poll).await?.context("the poll")?;
    let options = step.choices().len();
    let mut expected: HashMap<usize, usize> = HashMap::new();
    for (what, shift) in [("answer", 0), ("change their answer", 3)] {
        let started = Instant::now();
        let wave = Wave {
            step: step.id,
            opening: step.opening,
            options,
            shift,
            spread: Duration::from_secs(5),
        };
        let (acked, times) = answer_wave(&nodes, code, &phones, &wave).await?;
        println!(
            "  {clients} phones {what} within {:.1} s: {} acknowledged; POST p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            started.elapsed().as_secs_f64(),
            acked.len(),
            quantile(&times, 0.5),
            quantile(&times, 0.99),
            times.last().copied().unwrap_or(f64::NAN)
        );
        expected.extend(acked);
    }
    // What is stored: one answer per phone, the last one acknowledged.
    let stored = db.live_answers(step.id).await?;
    let mut by_participant: HashMap<Id, String> = HashMap::new();
    let mut twice = 0;
    for a in &stored {
        if by_participant
            .insert(a.participant_id, a.value.clone())
            .is_some()
        {
            twice += 1;
        }
    }
    let mut wrong = 0;
    let mut counts_expected = vec![0i64; options + 1];
    let mut counts_stored = vec![0i64; options + 1];
    for (i, choice) in &expected {
        counts_expected[*choice] += 1;
        let p = db
            .live_participant(&security::token_hash(&phones[*i].live))
            .await?
            .context("a phone that joined")?;
        let got = by_participant
            .get(&p.id)
            .map(|v| answer_fields(&step, v))
            .unwrap_or_default();
        if got != vec![("choice".to_string(), choice.to_string())] {
            wrong += 1;
        }
    }
    for v in by_participant.values() {
        for (_, c) in answer_fields(&step, v) {
            if let Ok(c) = c.parse::<usize>() {
                counts_stored[c.min(options)] += 1;
            }
        }
    }
    let (shown, people) = f.screen_count().await?;
    println!(
        "  stored: {} answers from {} phones ({} acknowledged), {twice} stored twice, {wrong} not the last acknowledged; counts per option acknowledged {:?}, stored {:?}; the projector shows {shown} of {people} answered",
        stored.len(),
        by_participant.len(),
        expected.len(),
        &counts_expected[1..],
        &counts_stored[1..],
    );
    let exact = twice == 0
        && wrong == 0
        && stored.len() == expected.len()
        && counts_expected == counts_stored
        && shown == expected.len() as i64;
    println!(
        "  every acknowledged answer counted exactly once: {}",
        if exact { "yes" } else { "NO" }
    );
    if !exact {
        bail!("answers were lost or counted twice");
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if !(8..=10).contains(&args.len()) {
        bail!(
            "usage: tandem-bench-live DATABASE_URL NODES SLUG TOKEN LIVE_ID MODE CLIENTS [ROUNDS] [SERVER_PIDS]"
        );
    }
    let db = Store::connect(&args[1]).await?;
    let nodes: Arc<Vec<String>> = Arc::new(args[2].split(',').map(str::to_string).collect());
    let live: Id = args[5].parse().context("LIVE_ID")?;
    let session = db.live_session(live).await?.context("no such session")?;
    let f = Facilitator {
        base: nodes[0].clone(),
        token: args[4].clone(),
        slug: args[3].clone(),
        live,
    };
    let clients: usize = args[7].parse().context("CLIENTS")?;
    let rounds: usize = args.get(8).map_or(Ok(20), |r| r.parse())?;
    let pids: Vec<String> = args
        .get(9)
        .map(|p| p.split(',').map(str::to_string).collect())
        .unwrap_or_default();
    let steps = db.live_steps(live).await?;
    let poll = steps
        .iter()
        .find(|s| s.kind == StepKind::Poll)
        .context("the session has no poll")?;
    if session.current_step != Some(poll.id) {
        f.post("/show", &format!("step={}", poll.id)).await?;
    }
    match args[6].as_str() {
        "show" => Ok(()),
        "fanout" => fanout(nodes, &session.code, &f, poll.id, clients, rounds, &pids).await,
        "burst" => burst(&db, nodes, &session.code, &f, poll.id, clients).await,
        other => bail!("unknown mode {other}"),
    }
}
