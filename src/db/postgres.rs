//! PostgreSQL: for larger hosts. Several `tandem serve` nodes may share one database;
//! nothing that matters lives only in a node's memory.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::cards::{Move, Saved};
use super::common::*;
use super::*;
use crate::domain::decks::{DeckData, PALETTE, ShippedDeck};
use crate::domain::talk::*;

type DB = sqlx::Postgres;

/// The PostgreSQL implementation of [`Database`].
pub struct PostgresDb {
    w: PgPool,
    /// The same pool: PostgreSQL handles concurrent writers itself.
    r: PgPool,
}

impl PostgresDb {
    /// Connect to the database named by a `postgres://` URL.
    pub async fn connect(url: &str) -> anyhow::Result<PostgresDb> {
        let opts =
            PgConnectOptions::from_str(url).context("could not understand the PostgreSQL URL")?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await
            .with_context(|| {
                format!(
                    "could not connect to PostgreSQL at {}",
                    crate::config::hide_password(url)
                )
            })?;
        Ok(PostgresDb {
            w: pool.clone(),
            r: pool,
        })
    }

    async fn announce(&self) -> DbResult<()> {
        sqlx::query("SELECT pg_notify('tandem_changes', '')")
            .execute(&self.w)
            .await
            .map(|_| ())
    }

    /// Listen for other nodes' changes. While not connected, the cache is off.
    fn watch(&self, signal: std::sync::Arc<super::cached::ChangeSignal>) {
        let pool = self.w.clone();
        tokio::spawn(async move {
            loop {
                match listen(&pool, &signal).await {
                    Ok(()) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "change listener lost; session cache off until it reconnects")
                    }
                }
                signal.set_live(false);
                if pool.is_closed() {
                    return;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }

    async fn run_migrations(&self) -> anyhow::Result<()> {
        // sqlx takes an advisory lock, so nodes starting together migrate once.
        sqlx::migrate!("migrations/postgres").run(&self.w).await?;
        Ok(())
    }

    async fn backup_to(&self, _path: &Path) -> anyhow::Result<()> {
        anyhow::bail!(
            "Tandem does not copy PostgreSQL databases itself. Use PostgreSQL's own tool, for example:\n  \
             pg_dump --format=custom --file=tandem.dump \"$TANDEM_DATABASE_URL\"\n\
             and restore with pg_restore --dbname=… tandem.dump"
        )
    }
}

async fn listen(pool: &PgPool, signal: &super::cached::ChangeSignal) -> DbResult<()> {
    let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
    listener.listen("tandem_changes").await?;
    signal.set_live(true);
    loop {
        match listener.try_recv().await? {
            Some(_) => signal.bump(),
            // The connection dropped: notifications may have been missed.
            None => return Ok(()),
        }
    }
}

impl PostgresDb {
    /// Full-text search: $1 the match expression, $2 the partnership, $3 the limit.
    /// Starts from the decks the partnership can see (their ids, then their cards by
    /// index) and tests only those cards against the query, rather than letting the GIN
    /// index fetch every match across all partnerships.
    const SEARCH_SQL: &'static str = "SELECT c.id AS card_id, c.text, d.id AS deck_id, d.title AS deck_title, t.name AS theme_name, t.colour AS theme_colour
         FROM cards c
         JOIN decks d ON d.id = c.deck_id
         JOIN themes t ON t.id = c.theme_id
         WHERE c.deck_id = ANY(ARRAY(SELECT id FROM decks WHERE partnership_id IS NULL OR partnership_id = $2 OR published))
           AND NOT c.retired
           AND (c.search || ''::tsvector) @@ to_tsquery('english', $1)
         ORDER BY ts_rank(c.search, to_tsquery('english', $1)) DESC, c.id
         LIMIT $3";

    /// Plain lower-case words (see `CardStore::search_cards`) as a match expression.
    fn search_expr(words: &[String], _partnership_id: Id) -> String {
        words
            .iter()
            .map(|w| format!("{w}:*"))
            .collect::<Vec<_>>()
            .join(" & ")
    }
}

super::cards::cards_impl!(PostgresDb);
super::talk::talk_impl!(PostgresDb);
super::stock::stock_impl!(PostgresDb);
database_impl!(PostgresDb, Engine::Postgres);
