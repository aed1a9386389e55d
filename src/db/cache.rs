//! The session cache: the answer to "whose session is this, and are they a member
//! here?", asked on every page, kept in memory.
//!
//! Correctness comes before speed:
//! - Every write that could change such an answer (sign-out, disabling, password
//!   changes, membership, partnership or account changes) bumps a generation counter
//!   (see `access_writer!` in `db/mod.rs`), and only entries from the current
//!   generation are used. The generation is read *before* the database is, so an
//!   entry raced by a write is born stale.
//! - On PostgreSQL, several nodes share the data: triggers on those tables send
//!   `NOTIFY tandem_changes` when a change commits, every node listens, and a node
//!   whose listener is not connected does not use the cache at all.
//! - Entries also expire after [`MAX_AGE`], as a backstop, and there are at most
//!   [`MAX_ENTRIES`] of them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::SessionLookup;
use crate::domain::Timestamp;

/// Entries older than this are fetched again whatever happened.
pub const MAX_AGE: Duration = Duration::from_secs(30);
/// Entries kept at once; past this the cache starts afresh.
pub const MAX_ENTRIES: usize = 20_000;

/// Shared between the cache and the engine's change listener.
#[derive(Default)]
pub struct ChangeSignal {
    generation: AtomicU64,
    /// True while this node is sure to hear about every change (always on SQLite).
    live: AtomicBool,
}

impl ChangeSignal {
    /// Something changed: every cached answer is now stale.
    pub fn bump(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// The current generation, or `None` while changes may go unheard (a cache that
    /// checks itself against this signal must then not be used).
    pub fn current(&self) -> Option<u64> {
        let generation = self.generation.load(Ordering::SeqCst);
        self.live.load(Ordering::SeqCst).then_some(generation)
    }

    /// Whether changes are being heard (the cache is used only then).
    pub fn set_live(&self, live: bool) {
        self.live.store(live, Ordering::SeqCst);
        self.bump();
    }
}

/// A session token's hash, and the partnership slug asked about (if any).
pub(super) type Key = (String, Option<String>);

struct Entry {
    generation: u64,
    at: Instant,
    value: SessionLookup,
}

/// See the module documentation.
pub(super) struct SessionCache {
    signal: Arc<ChangeSignal>,
    entries: Mutex<HashMap<Key, Entry>>,
}

impl SessionCache {
    pub(super) fn new(signal: Arc<ChangeSignal>) -> SessionCache {
        SessionCache {
            signal,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Key, Entry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The generation to store a fresh answer under: read it before the database.
    pub(super) fn generation(&self) -> u64 {
        self.signal.generation.load(Ordering::SeqCst)
    }

    /// A current answer, if there is one.
    pub(super) fn get(&self, key: &Key) -> Option<SessionLookup> {
        if !self.signal.live.load(Ordering::SeqCst) {
            return None;
        }
        let generation = self.generation();
        let entries = self.lock();
        let e = entries.get(key)?;
        (e.generation == generation && e.at.elapsed() < MAX_AGE).then(|| e.value.clone())
    }

    /// Keep an answer read from the database under the generation read before it.
    pub(super) fn put(&self, key: Key, generation: u64, value: &SessionLookup) {
        let mut entries = self.lock();
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(
            key,
            Entry {
                generation,
                at: Instant::now(),
                value: value.clone(),
            },
        );
    }

    /// A session was just used: keep cached copies in step, so the idle check sees
    /// the new time.
    pub(super) fn touched(&self, token_hash: &str, now: Timestamp) {
        for (key, e) in self.lock().iter_mut() {
            if key.0 == token_hash {
                e.value.0.last_seen_at = now;
            }
        }
    }

    /// Every cached answer on this node is stale.
    pub(super) fn changed(&self) {
        self.signal.bump();
    }
}
