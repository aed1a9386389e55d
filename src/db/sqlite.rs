//! SQLite: the zero-set-up default. One writer connection (SQLite allows one writer at
//! a time, and queueing in-process avoids lock-upgrade failures) and a pool of readers.
//! WAL for concurrent reads, `synchronous=FULL` so an acknowledged write survives a
//! power cut, foreign keys on, and a busy timeout for the odd outside reader.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::cards::{Move, Saved};
use super::common::*;
use super::*;
use crate::domain::decks::{DeckData, PALETTE, ShippedDeck};
use crate::domain::talk::*;

type DB = sqlx::Sqlite;

/// The SQLite implementation of [`Database`].
pub struct SqliteDb {
    /// The single writer.
    w: SqlitePool,
    /// Read-only connections.
    r: SqlitePool,
}

impl SqliteDb {
    /// Open (creating if needed) the file named by a `sqlite:` URL.
    pub async fn connect(url: &str) -> anyhow::Result<SqliteDb> {
        let opts = SqliteConnectOptions::from_str(url)
            .with_context(|| format!("could not understand the SQLite URL {url:?}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        if let Some(dir) = opts.get_filename().parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("could not create the data folder {}", dir.display()))?;
        }
        let w = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts.clone())
            .await
            .with_context(|| {
                format!(
                    "could not open the SQLite database {}",
                    opts.get_filename().display()
                )
            })?;
        let readers = std::thread::available_parallelism()
            .map_or(4, |n| n.get() * 2)
            .max(4) as u32;
        let r = SqlitePoolOptions::new()
            .max_connections(readers)
            .connect_with(opts.read_only(true))
            .await?;
        Ok(SqliteDb { w, r })
    }

    async fn announce(&self) -> DbResult<()> {
        Ok(())
    }

    /// One process owns a SQLite file, and every write goes through it: nothing to hear.
    fn watch(&self, signal: std::sync::Arc<super::cached::ChangeSignal>) {
        signal.set_live(true);
    }

    async fn run_migrations(&self) -> anyhow::Result<()> {
        sqlx::migrate!("migrations/sqlite").run(&self.w).await?;
        Ok(())
    }

    async fn backup_to(&self, path: &Path) -> anyhow::Result<()> {
        if path.exists() {
            anyhow::bail!("{} already exists; choose a new file name", path.display());
        }
        let target = path
            .to_str()
            .context("the backup path must be valid UTF-8")?;
        // VACUUM INTO writes a consistent, compact copy while the app keeps running.
        sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(&self.w)
            .await?;
        Ok(())
    }
}

impl SqliteDb {
    /// Full-text search: $1 the match expression, $2 the partnership, $3 the limit.
    /// The FTS5 index filters by `scope` itself (see migration 0003), so only this
    /// partnership's visible cards are ranked; the deck check below is a second guard.
    const SEARCH_SQL: &'static str = "SELECT c.id AS card_id, c.text, d.id AS deck_id, d.title AS deck_title, t.name AS theme_name, t.colour AS theme_colour
         FROM cards_fts f
         JOIN cards c ON c.id = f.rowid
         JOIN themes t ON t.id = c.theme_id
         JOIN decks d ON d.id = c.deck_id
         WHERE cards_fts MATCH $1 AND NOT c.retired
           AND (d.partnership_id IS NULL OR d.partnership_id = $2 OR d.published)
         ORDER BY f.rank, c.id
         LIMIT $3";

    /// Plain lower-case words (see `CardStore::search_cards`) as a match expression.
    fn search_expr(words: &[String], partnership_id: Id) -> String {
        let terms = words
            .iter()
            .map(|w| format!("\"{w}\"*"))
            .collect::<Vec<_>>()
            .join(" AND ");
        format!("{{text prompt}} : ({terms}) AND scope : (p{partnership_id} OR shared)")
    }
}

super::cards::cards_impl!(SqliteDb);
super::talk::talk_impl!(SqliteDb);
super::stock::stock_impl!(SqliteDb);
database_impl!(SqliteDb, Engine::Sqlite);
