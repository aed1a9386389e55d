//! Storage: one [`Store`], the only door to the data, on SQLite or PostgreSQL
//! (chosen at start-up from the URL).
//!
//! Each file holds the store functions of one area, as ordinary `async fn`s in an
//! `impl Store` block: `accounts`, `sessions` (and sign-in throttling),
//! `partnerships`, `people` (organisations, members, invitations), `decks`,
//! `conversations`, `actions`, `held` (forms kept across a sign-in), `activity`,
//! `stock` (instruments, rounds, answers, paper) and `checklists`.
//!
//! Both engines run the same SQL: `$N` placeholders and portable types (BIGINT ids and
//! Unix-second timestamps, TEXT, BOOLEAN, `RETURNING`, `ON CONFLICT`). A function's
//! body is written once inside [`reader!`], [`writer!`] or [`access_writer!`], which
//! compile it against each engine's connection pool; where the engines need different
//! SQL (only full-text search today) the function matches on the engine around that
//! one statement. Engine set-up (connections, migrations, backup, listening for other
//! nodes) lives in `sqlite.rs` and `postgres.rs`.
//!
//! The session cache (see `cache.rs`) cannot be left stale by a forgotten step: see
//! [`access_writer!`] for how every write to the tables behind it invalidates it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::bail;
use sqlx::{PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool, Transaction};

/// Run `$body` with `$r` bound to a pool of read connections, once per engine (the
/// body is compiled against each engine's driver). `return` and `?` in the body
/// leave the body with its result.
macro_rules! reader {
    ($store:expr, |$r:ident| $body:expr) => {
        match &$store.pools {
            $crate::db::Pools::Sqlite { r: $r, .. } => async { $body }.await,
            $crate::db::Pools::Postgres($r) => async { $body }.await,
        }
    };
}

/// Like [`reader!`], with `$w` bound to the pool that writes (SQLite's one writer
/// connection; PostgreSQL's pool). For writes that do not change who may see what.
///
/// On SQLite the writer connection's update hook counts every change to the tables
/// behind the session cache, so if such a write slips through here after all, the
/// cache is invalidated anyway once the body has finished (a unit test also checks
/// that every such statement sits in an [`access_writer!`] function).
macro_rules! writer {
    ($store:expr, |$w:ident| $body:expr) => {
        writer!(@declared false, $store, |$w| $body)
    };
    (@declared $declared:expr, $store:expr, |$w:ident| $body:expr) => {{
        let store: &$crate::db::Store = $store;
        let before = store.writes();
        let result = match &store.pools {
            $crate::db::Pools::Sqlite { w: $w, .. } => async { $body }.await,
            $crate::db::Pools::Postgres($w) => async { $body }.await,
        };
        store.after_write(before, $declared);
        result
    }};
}

/// Like [`writer!`], for the store functions that change who may see what: accounts,
/// sessions, partnerships and memberships (the session cache's tables). Once the body
/// has finished (committed or not) every cached session answer on this node is
/// stale. Other PostgreSQL nodes hear of the change from the database itself: a
/// trigger on each of those tables sends `NOTIFY tandem_changes` when the
/// transaction commits (migration 0009), whoever made the change.
macro_rules! access_writer {
    ($store:expr, |$w:ident| $body:expr) => {
        writer!(@declared true, $store, |$w| $body)
    };
}

/// Like [`writer!`], for the one write that nothing cached depends on: a session's
/// last use (`Store::touch_session`, at most once a minute per session). It moves no
/// generation on, so the pages kept for every session survive it (on PostgreSQL any
/// other write moves the data generation on, and with a hundred people signed in a
/// touch would otherwise empty the page cache more than once a second).
macro_rules! unseen_writer {
    ($store:expr, |$w:ident| $body:expr) => {{
        let store: &$crate::db::Store = $store;
        match &store.pools {
            $crate::db::Pools::Sqlite { w: $w, .. } => async { $body }.await,
            $crate::db::Pools::Postgres($w) => async { $body }.await,
        }
    }};
}

/// Run `$body` with `$c` bound to the engine's connection inside a [`Conn`]: for the
/// few statements several transactions share (see `partnerships::lock_partnership`).
macro_rules! on_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::Conn::Sqlite($c) => $body,
            $crate::db::Conn::Postgres($c) => $body,
        }
    };
}

pub mod accounts;
pub mod actions;
pub mod activity;
mod cache;
pub mod checklists;
pub mod conversations;
pub mod decks;
pub mod file;
pub mod foryou;
pub mod held;
pub mod live;
pub mod partnerships;
pub mod people;
mod postgres;
pub mod sessions;
mod sqlite;
pub mod stock;

pub use accounts::{CreateUser, RESET_LINK_HOURS, Setup};
pub use cache::{ChangeSignal, MAX_AGE as SESSION_CACHE_MAX_AGE};
pub use partnerships::CreatePartnership;
pub use people::{AcceptInvite, Joiner, MemberChange, RemoveOrganisation};
pub use sessions::SessionLookup;

/// How many live-session changes a listener may fall behind before it is told to
/// re-read everything.
pub const LIVE_BACKLOG: usize = 4096;

/// Which engine a [`Store`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// An embedded SQLite file: the zero-set-up default.
    Sqlite,
    /// A PostgreSQL server, which several nodes may share.
    Postgres,
}

/// Storage errors are unexpected by definition: expected refusals are outcome enums.
pub type DbResult<T> = Result<T, sqlx::Error>;

/// The result of saving an edit made to a copy read at some version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    /// The edit was saved.
    Saved,
    /// Someone else saved first (or the record is gone): nothing was changed.
    Stale,
}

/// Which way to move a theme, card or agenda item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// Towards the start.
    Up,
    /// Towards the end.
    Down,
}

/// The connection pools of one engine.
pub(crate) enum Pools {
    /// One writer connection (SQLite allows one writer at a time, and queueing
    /// in-process avoids lock-upgrade failures) and a pool of read-only ones.
    Sqlite { w: SqlitePool, r: SqlitePool },
    /// One pool: PostgreSQL handles concurrent writers itself.
    Postgres(PgPool),
}

/// A connection (usually a transaction's) of either engine, for shared statements.
pub(crate) enum Conn<'a> {
    Sqlite(&'a mut SqliteConnection),
    Postgres(&'a mut PgConnection),
}

impl<'a> From<&'a mut SqliteConnection> for Conn<'a> {
    fn from(c: &'a mut SqliteConnection) -> Self {
        Conn::Sqlite(c)
    }
}

impl<'a> From<&'a mut PgConnection> for Conn<'a> {
    fn from(c: &'a mut PgConnection) -> Self {
        Conn::Postgres(c)
    }
}

impl<'a> From<&'a mut Transaction<'_, Sqlite>> for Conn<'a> {
    fn from(tx: &'a mut Transaction<'_, Sqlite>) -> Self {
        Conn::Sqlite(tx)
    }
}

impl<'a> From<&'a mut Transaction<'_, Postgres>> for Conn<'a> {
    fn from(tx: &'a mut Transaction<'_, Postgres>) -> Self {
        Conn::Postgres(tx)
    }
}

/// The one door to storage. Cheap to share behind an `Arc`; every method is safe to
/// call from many requests at once.
pub struct Store {
    pub(crate) pools: Pools,
    cache: cache::SessionCache,
    /// SQLite only: changes to the session cache's tables, counted by the writer
    /// connection's update hook.
    access_writes: Arc<AtomicU64>,
    /// Any change a page could show (everything but a session's last use): bumped
    /// after each write on this node and, on PostgreSQL, when another node's commits.
    data: Arc<ChangeSignal>,
    /// SQLite only: changes to any table but a session's last use, counted by the
    /// writer connection's update hook.
    data_writes: Arc<AtomicU64>,
    /// Live sessions that changed, by id (0: any may have, after a PostgreSQL listener
    /// reconnected). See [`Store::live_changes`].
    live: tokio::sync::broadcast::Sender<crate::domain::model::Id>,
}

/// What the update hook had counted before a write (see [`Store::after_write`]).
#[derive(Clone, Copy)]
pub(crate) struct Writes {
    access: u64,
    data: u64,
}

impl Store {
    /// Open the database named by `url`: `sqlite:…` or `postgres://…`. Does not
    /// migrate (see [`Store::migrate`]).
    pub async fn connect(url: &str) -> anyhow::Result<Store> {
        let access_writes = Arc::new(AtomicU64::new(0));
        let data_writes = Arc::new(AtomicU64::new(0));
        let signal = Arc::new(ChangeSignal::default());
        let data = Arc::new(ChangeSignal::default());
        let (live, _) = tokio::sync::broadcast::channel(LIVE_BACKLOG);
        let pools = if url.starts_with("sqlite:") {
            let (w, r) = sqlite::connect(url, access_writes.clone(), data_writes.clone()).await?;
            // One process owns a SQLite file and every write goes through it.
            signal.set_live(true);
            data.set_live(true);
            Pools::Sqlite { w, r }
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = postgres::connect(url).await?;
            postgres::watch(pool.clone(), signal.clone(), data.clone(), live.clone());
            Pools::Postgres(pool)
        } else {
            let scheme = url.split(':').next().unwrap_or_default();
            bail!(
                "the database URL must start with sqlite: or postgres:// (it starts with {scheme:?}). \
                 Set TANDEM_DATABASE_URL,
                     or leave it empty to use the SQLite file in the data folder"
            )
        };
        Ok(Store {
            pools,
            cache: cache::SessionCache::new(signal),
            access_writes,
            data,
            data_writes,
            live,
        })
    }

    /// Hear which live sessions change: an id after each committed change made on this
    /// node and, on PostgreSQL, when another node's `NOTIFY tandem_live` arrives (so a
    /// session changed here is heard twice there; listeners re-read and compare). 0
    /// means any session may have changed (the listener was reconnecting). A receiver
    /// that falls more than `LIVE_BACKLOG` behind is told it lagged and must re-read
    /// everything it follows.
    pub fn live_changes(&self) -> tokio::sync::broadcast::Receiver<crate::domain::model::Id> {
        self.live.subscribe()
    }

    /// Tell this node's listeners that a live session changed (after the commit).
    pub(crate) fn live_sent(&self, session_id: crate::domain::model::Id) {
        // No receiver (nobody is following a session) is not an error.
        let _ = self.live.send(session_id);
    }

    /// Which engine this is.
    pub fn engine(&self) -> Engine {
        match self.pools {
            Pools::Sqlite { .. } => Engine::Sqlite,
            Pools::Postgres(_) => Engine::Postgres,
        }
    }

    /// Apply any migrations not yet applied.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match &self.pools {
            Pools::Sqlite { w, .. } => sqlx::migrate!("migrations/sqlite").run(w).await?,
            // sqlx takes an advisory lock, so nodes starting together migrate once.
            Pools::Postgres(p) => sqlx::migrate!("migrations/postgres").run(p).await?,
        }
        Ok(())
    }

    /// Is the database reachable?
    pub async fn ping(&self) -> DbResult<()> {
        reader!(self, |r| sqlx::query("SELECT 1")
            .execute(r)
            .await
            .map(|_| ()))
    }

    /// Write a consistent copy to `path` (SQLite only; PostgreSQL uses `pg_dump`).
    pub async fn backup(&self, path: &std::path::Path) -> anyhow::Result<()> {
        match &self.pools {
            Pools::Sqlite { w, .. } => sqlite::backup(w, path).await,
            Pools::Postgres(_) => postgres::backup(),
        }
    }

    /// What the SQLite writer's update hook has counted so far.
    pub(crate) fn writes(&self) -> Writes {
        Writes {
            access: self.access_writes.load(Ordering::SeqCst),
            data: self.data_writes.load(Ordering::SeqCst),
        }
    }

    /// After a write has finished (committed or not): invalidate the session cache if
    /// the write was declared to change who may see what, or if SQLite's update hook
    /// saw it do so since `before`; and move the data generation on if anything a page
    /// shows may have changed (on PostgreSQL, which has no such hook, after every
    /// write).
    pub(crate) fn after_write(&self, before: Writes, declared: bool) {
        let now = self.writes();
        if declared || now.access != before.access {
            self.cache.changed();
        }
        if now.data != before.data || matches!(self.pools, Pools::Postgres(_)) {
            self.data.bump();
        }
    }

    /// The data generation: it moves on after every change a page could show, made on
    /// this node (once committed) or, on PostgreSQL, by any node or outside Tandem
    /// (when its notification arrives). `None` while this node might miss a change (its
    /// PostgreSQL listener is reconnecting): something cached against it must not be
    /// used then. A reader takes it *before* reading, so anything it builds from what
    /// it read is stale as soon as a write it might have missed has finished.
    pub fn data_generation(&self) -> Option<u64> {
        // The hook's own count is added in, so that even a write made outside
        // `writer!` moves the generation on.
        let hooked = self.data_writes.load(Ordering::SeqCst);
        self.data.current().map(|g| g.wrapping_add(hooked))
    }
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

#[cfg(test)]
mod tests {
    /// The store's source, file by file, for the checks below.
    const SOURCES: &[(&str, &str)] = &[
        ("accounts.rs", include_str!("accounts.rs")),
        ("actions.rs", include_str!("actions.rs")),
        ("activity.rs", include_str!("activity.rs")),
        ("checklists.rs", include_str!("checklists.rs")),
        ("conversations.rs", include_str!("conversations.rs")),
        ("decks.rs", include_str!("decks.rs")),
        ("held.rs", include_str!("held.rs")),
        ("live.rs", include_str!("live.rs")),
        ("partnerships.rs", include_str!("partnerships.rs")),
        ("people.rs", include_str!("people.rs")),
        ("sessions.rs", include_str!("sessions.rs")),
        ("stock.rs", include_str!("stock.rs")),
    ];

    /// Does this function's SQL change a table the session cache reads? Touching a
    /// session's last use is the exception: the cache updates its copy itself.
    fn changes_access(body: &str) -> bool {
        let flat = body.split_whitespace().collect::<Vec<_>>().join(" ");
        let writes = ["INSERT INTO ", "UPDATE ", "DELETE FROM "];
        let tables = ["users", "sessions", "partnerships", "memberships"];
        writes.iter().any(|w| {
            tables.iter().any(|t| {
                flat.match_indices(&format!("{w}{t}")).any(|(i, m)| {
                    let rest = &flat[i + m.len()..];
                    let whole_word = !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_');
                    whole_word && !rest.starts_with(" SET last_seen_at")
                })
            })
        }) || flat.contains("lock_partnership(")
    }

    #[test]
    fn every_write_to_the_session_tables_invalidates_the_cache() {
        let mut checked = 0;
        for (file, src) in SOURCES {
            for f in src.split("\n    pub async fn ").skip(1) {
                let name = f.split('(').next().unwrap_or_default();
                let body = f.split("\n    }\n").next().unwrap_or_default();
                if changes_access(body) {
                    checked += 1;
                    assert!(
                        body.contains("access_writer!(self"),
                        "{file}: {name} changes who may see what, so it must use access_writer!"
                    );
                }
            }
        }
        // The check must have something to check.
        assert!(checked >= 15, "only {checked} functions found");
    }

    #[test]
    fn the_check_sees_writes() {
        assert!(super::tests::changes_access(
            "sqlx::query(\"DELETE FROM sessions WHERE x\")"
        ));
        assert!(changes_access("\"UPDATE\n  memberships SET role = $1\""));
        assert!(changes_access("lock_partnership(&mut tx, id)"));
        assert!(!changes_access("\"UPDATE sessions SET last_seen_at = $1\""));
        assert!(!changes_access("\"INSERT INTO users_extra (a)\""));
        assert!(!changes_access("\"SELECT * FROM users\""));
    }
}
