//! SQLite: the zero-set-up default. One writer connection and a pool of readers; WAL
//! for concurrent reads, `synchronous=FULL` so an acknowledged write survives a power
//! cut, foreign keys on, and a busy timeout for the odd outside reader.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;
use sqlx::SqlitePool;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqliteOperation, SqlitePoolOptions, SqliteSynchronous,
};

use crate::domain::model::Id;

/// The tables the session cache reads. Sessions count only when one is removed (or
/// added): the only update of a session is its last use, which the cache copies
/// itself.
fn changes_access(table: &str, op: &SqliteOperation) -> bool {
    match table {
        "users" | "partnerships" | "memberships" => true,
        "sessions" => !matches!(op, SqliteOperation::Update),
        _ => false,
    }
}

/// Does this change show on any page? Everything but a session's last use does.
fn changes_data(table: &str, op: &SqliteOperation) -> bool {
    !(table == "sessions" && matches!(op, SqliteOperation::Update))
}

/// Open (creating if needed) the file named by a `sqlite:` URL: the writer and the
/// readers. The writer counts its changes to the session cache's tables in
/// `access_writes`, and its changes to anything a page shows in `data_writes`.
pub(super) async fn connect(
    url: &str,
    access_writes: Arc<AtomicU64>,
    data_writes: Arc<AtomicU64>,
) -> anyhow::Result<(SqlitePool, SqlitePool)> {
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
        .after_connect(move |conn, _| {
            let counter = access_writes.clone();
            let data = data_writes.clone();
            Box::pin(async move {
                conn.lock_handle().await?.set_update_hook(move |change| {
                    if changes_access(change.table, &change.operation) {
                        counter.fetch_add(1, Ordering::SeqCst);
                    }
                    if changes_data(change.table, &change.operation) {
                        data.fetch_add(1, Ordering::SeqCst);
                    }
                });
                Ok(())
            })
        })
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
    Ok((w, r))
}

/// Write a consistent, compact copy to a new file while the app keeps running.
pub(super) async fn backup(w: &SqlitePool, path: &Path) -> anyhow::Result<()> {
    if path.exists() {
        anyhow::bail!("{} already exists; choose a new file name", path.display());
    }
    let target = path
        .to_str()
        .context("the backup path must be valid UTF-8")?;
    sqlx::query("VACUUM INTO $1")
        .bind(target)
        .execute(w)
        .await?;
    Ok(())
}

/// Full-text search: $1 the match expression, $2 the partnership, $3 the limit.
/// The FTS5 index filters by `scope` itself (see migration 0003), so only this
/// partnership's visible cards are ranked; the deck check below is a second guard.
pub(super) const SEARCH_SQL: &str = "SELECT c.id AS card_id, c.text, d.id AS deck_id,
        d.title AS deck_title, t.name AS theme_name, t.colour AS theme_colour
     FROM cards_fts f
     JOIN cards c ON c.id = f.rowid
     JOIN themes t ON t.id = c.theme_id
     JOIN decks d ON d.id = c.deck_id
     WHERE cards_fts MATCH $1 AND NOT c.retired
       AND (d.partnership_id IS NULL OR d.partnership_id = $2 OR d.published)
     ORDER BY f.rank, c.id
     LIMIT $3";

/// Plain lower-case words (see `Store::search_cards`) as a match expression.
pub(super) fn search_expr(words: &[String], partnership_id: Id) -> String {
    let terms = words
        .iter()
        .map(|w| format!("\"{w}\"*"))
        .collect::<Vec<_>>()
        .join(" AND ");
    format!("{{text prompt}} : ({terms}) AND scope : (p{partnership_id} OR shared)")
}
