//! Live events: the projector, the console and every phone follow a session over
//! server-sent events. One task per node hears which sessions changed
//! (`Store::live_changes`: this node's commits at once, other nodes' through
//! PostgreSQL's NOTIFY), reads each changed session's [`LivePulse`] once and hands it
//! to everyone following that session through a `watch` channel — a slow phone skips
//! to the latest state, and one that reconnects gets the current state first, so
//! nobody is left with a gap.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::watch;

use crate::db::Store;
use crate::db::live::LivePulse;
use crate::domain::model::Id;
use crate::error::AppError;

/// Sessions followed on this node, each with the latest pulse read for it. An entry
/// lives while anyone follows its session: the bound is the number of sessions with
/// an open page, and each entry is one small value.
#[derive(Default)]
pub struct LiveHub {
    follows: Mutex<HashMap<Id, watch::Sender<LivePulse>>>,
    started: OnceLock<()>,
    closed: AtomicBool,
}

impl LiveHub {
    /// Follow a session: a receiver that holds its latest pulse.
    pub async fn follow(
        self: &Arc<Self>,
        db: &Arc<Store>,
        id: Id,
    ) -> Result<watch::Receiver<LivePulse>, AppError> {
        if self.closed.load(Ordering::SeqCst) {
            return Err(AppError::Busy);
        }
        self.start(db);
        let (rx, fresh) = {
            let mut map = self.follows.lock().expect("hub lock");
            match map.get(&id) {
                Some(tx) => (tx.subscribe(), false),
                None => {
                    // In the map before the first read, so a change committed while
                    // reading is not missed by the listener task.
                    let (tx, rx) = watch::channel(LivePulse::default());
                    map.insert(id, tx);
                    (rx, true)
                }
            }
        };
        if fresh {
            self.refresh(db, id).await;
        }
        Ok(rx)
    }

    /// The server is stopping: end every event stream (they never end by themselves)
    /// and refuse new ones. Phones reconnect on their own once a server is back.
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.follows.lock().expect("hub lock").clear();
    }

    fn start(self: &Arc<Self>, db: &Arc<Store>) {
        self.started.get_or_init(|| {
            let hub = self.clone();
            let db = db.clone();
            let mut changes = db.live_changes();
            tokio::spawn(async move {
                loop {
                    let ids = match changes.recv().await {
                        Ok(0) | Err(RecvError::Lagged(_)) => hub.followed(),
                        Ok(id) => vec![id],
                        Err(RecvError::Closed) => return,
                    };
                    for id in ids {
                        hub.refresh(&db, id).await;
                    }
                }
            });
        });
    }

    fn followed(&self) -> Vec<Id> {
        self.follows
            .lock()
            .expect("hub lock")
            .keys()
            .copied()
            .collect()
    }

    /// Read a followed session's pulse and pass it on if it is newer than what its
    /// followers have; forget sessions nobody follows any more.
    async fn refresh(&self, db: &Store, id: Id) {
        let followed = {
            let mut map = self.follows.lock().expect("hub lock");
            map.retain(|_, tx| tx.receiver_count() > 0);
            map.contains_key(&id)
        };
        if !followed {
            return;
        }
        let pulse = match db.live_pulse(id).await {
            Ok(Some(p)) => p,
            Ok(None) => LivePulse {
                status: "gone".into(),
                changes: i64::MAX,
                ..Default::default()
            },
            Err(e) => {
                tracing::warn!(error = %e, session = id, "could not read a live session");
                return;
            }
        };
        if let Some(tx) = self.follows.lock().expect("hub lock").get(&id) {
            // Two reads can finish in either order: the counter only goes up.
            tx.send_if_modified(|old| {
                if pulse.changes >= old.changes && *old != pulse {
                    *old = pulse;
                    true
                } else {
                    false
                }
            });
        }
    }
}

/// Who is following: a phone gets only what its page shows; the projector and the
/// console get every change.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Follower {
    Phone,
    Screen,
}

/// The event stream for one follower of a session. Each event's id is the session's
/// change counter; its data is a small JSON object the page's script compares with
/// what it shows.
pub fn stream(rx: watch::Receiver<LivePulse>, who: Follower) -> Response {
    let events =
        futures_util::stream::unfold((rx, None::<String>), move |(mut rx, last)| async move {
            loop {
                // The first event goes at once: the current state, never a gap.
                if last.is_some() {
                    rx.changed().await.ok()?;
                }
                let p = rx.borrow_and_update().clone();
                if p.changes == 0 {
                    // Not read yet: wait for the first read.
                    rx.changed().await.ok()?;
                    continue;
                }
                let ended = p.status != "open";
                let data = match who {
                    Follower::Phone => {
                        format!("{{\"view\":\"{}\",\"ended\":{ended}}}", p.phone_view())
                    }
                    Follower::Screen => format!(
                        "{{\"v\":{},\"people\":{},\"ended\":{ended}}}",
                        p.changes, p.people
                    ),
                };
                // A phone's page changes only with its view: others' answers are not sent.
                if last.as_deref() == Some(data.as_str()) {
                    continue;
                }
                let event = Event::default()
                    .id(p.changes.to_string())
                    .event("live")
                    .data(data.clone())
                    .retry(Duration::from_secs(3));
                return Some((Ok::<_, Infallible>(event), (rx, Some(data))));
            }
        });
    Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(20)))
        .into_response()
}
