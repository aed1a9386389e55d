//! PostgreSQL: for larger hosts. Several `tandem serve` nodes may share one database;
//! nothing that matters lives only in a node's memory.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::common::*;
use super::*;

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

database_impl!(PostgresDb, Engine::Postgres);
