//! PostgreSQL: for larger hosts. Several `tandem serve` nodes may share one database;
//! nothing that matters lives only in a node's memory.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};

use super::{ChangeSignal, DbResult};

/// The channel the change triggers notify (migrations 0009 and 0010): an empty
/// payload for the session cache's tables, `data` for every other table.
const CHANNEL: &str = "tandem_changes";
/// The channel live-session changes are announced on, with the session's id
/// (`db/live.rs`).
const LIVE_CHANNEL: &str = "tandem_live";

/// Connect to the database named by a `postgres://` URL.
pub(super) async fn connect(url: &str) -> anyhow::Result<PgPool> {
    let opts =
        PgConnectOptions::from_str(url).context("could not understand the PostgreSQL URL")?;
    PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(opts)
        .await
        .with_context(|| {
            format!(
                "could not connect to PostgreSQL at {}",
                crate::config::hide_password(url)
            )
        })
}

/// Listen for changes made by any node (this one included): to the session cache's
/// tables (`access`, which are data changes too) and to any other table (`data`).
/// While not connected, the caches checked against these signals are off. The same
/// connection hears live sessions' changes (`live`); after reconnecting it says that
/// any session may have changed (0), so followers re-read rather than miss one.
pub(super) fn watch(
    pool: PgPool,
    access: Arc<ChangeSignal>,
    data: Arc<ChangeSignal>,
    live: tokio::sync::broadcast::Sender<i64>,
) {
    tokio::spawn(async move {
        loop {
            if let Err(e) = listen(&pool, &access, &data, &live).await {
                tracing::warn!(error = %e, "change listener lost; caches off until it reconnects");
            }
            access.set_live(false);
            data.set_live(false);
            if pool.is_closed() {
                return;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
}

async fn listen(
    pool: &PgPool,
    access: &ChangeSignal,
    data: &ChangeSignal,
    live: &tokio::sync::broadcast::Sender<i64>,
) -> DbResult<()> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen_all([CHANNEL, LIVE_CHANNEL]).await?;
    access.set_live(true);
    data.set_live(true);
    let _ = live.send(0);
    loop {
        match listener.try_recv().await? {
            Some(n) if n.channel() == LIVE_CHANNEL => {
                if let Ok(id) = n.payload().parse::<i64>() {
                    let _ = live.send(id);
                }
            }
            Some(n) => {
                if n.payload() != "data" {
                    access.bump();
                }
                data.bump();
            }
            // The connection dropped: notifications may have been missed.
            None => return Ok(()),
        }
    }
}

/// Tandem does not copy PostgreSQL databases itself.
pub(super) fn backup() -> anyhow::Result<()> {
    anyhow::bail!(
        "Tandem does not copy PostgreSQL databases itself. Use PostgreSQL's own tool,
             for example:\n  \
         pg_dump --format=custom --file=tandem.dump \"$TANDEM_DATABASE_URL\"\n\
         and restore with pg_restore --dbname=… tandem.dump"
    )
}

/// Full-text search: $1 the match expression, $2 the partnership, $3 the limit.
/// Starts from the decks the partnership can see (their ids, then their cards by
/// index) and tests only those cards against the query, rather than letting the GIN
/// index fetch every match across all partnerships.
pub(super) const SEARCH_SQL: &str = "SELECT c.id AS card_id, c.text, d.id AS deck_id,
        d.title AS deck_title, t.name AS theme_name, t.colour AS theme_colour
     FROM cards c
     JOIN decks d ON d.id = c.deck_id
     JOIN themes t ON t.id = c.theme_id
     WHERE c.deck_id = ANY(ARRAY(
             SELECT id FROM decks WHERE partnership_id IS NULL OR partnership_id = $2 OR published))
       AND NOT c.retired
       AND (c.search || ''::tsvector) @@ to_tsquery('english', $1)
     ORDER BY ts_rank(c.search, to_tsquery('english', $1)) DESC, c.id
     LIMIT $3";

/// Plain lower-case words (see `Store::search_cards`) as a match expression.
pub(super) fn search_expr(words: &[String]) -> String {
    words
        .iter()
        .map(|w| format!("{w}:*"))
        .collect::<Vec<_>>()
        .join(" & ")
}
