//! Grows a database that `tandem-bench-seed` filled with ONE partnership into COPIES
//! partnerships, each an exact copy of the first (its members, organisations, decks,
//! conversations, actions, rounds and answers), for `scripts/bench-growth`.
//!
//! Usage: tandem-bench-grow DATABASE_URL COPIES
//!
//! Seeding 10,000 partnerships through the app's own code would take hours; copying
//! rows inside the database takes minutes. Each table is copied with one
//! `INSERT … SELECT` per batch of copies over a numbers table (`WITH RECURSIVE`, on both
//! engines). The tables and their references are read from the database itself, so a
//! new table is copied too: copy k moves every id by k times the table's id range and
//! every reference into a copied table by that table's range, so the copies point only
//! into themselves; references to shared rows (the shipped decks' cards, instrument
//! versions) are kept. The first partnership is left as it was: the benchmark loads
//! its pages, and with 10 or 10,000 copies it holds exactly the same rows.

use std::collections::HashMap;
use std::time::Instant;

use anyhow::{Context, bail};
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{PgPool, SqlitePool};

/// Tables that belong to no partnership (or to a device, not a partnership): left out.
const NOT_COPIED: &[&str] = &[
    "sessions",
    "one_time_tokens",
    "login_failures",
    "sign_in_locks",
    "held_posts",
    "calendar_feeds",
    "instrument_versions",
];

/// Columns that must stay unique across copies: (table, column, expression of the copy).
const UNIQUE_TEXT: &[(&str, &str, &str)] = &[
    ("users", "email", "'c' || n.k || '.' || email"),
    ("partnerships", "slug", "slug || '-' || n.k"),
    ("partnerships", "name", "name || ' ' || n.k"),
    ("invites", "token_hash", "token_hash || '-' || n.k"),
];

/// Copies made per statement: bounds the size of one transaction.
const BATCH: i64 = 500;

enum Db {
    Sqlite(SqlitePool),
    Pg(PgPool),
}

/// A table being copied.
struct Copied {
    /// Which rows are the original's (a condition on the table's own columns).
    rows: String,
    /// How far each copy moves the ids.
    span: i64,
    /// Whether every row of the table is the original's (no shipped rows in it).
    whole: bool,
}

struct Table {
    name: String,
    columns: Vec<String>,
    /// (column, referenced table)
    refs: Vec<(String, String)>,
}

/// Runs `$body` with `$p` bound to whichever pool this is (the same code, two types).
macro_rules! on_pool {
    ($db:expr, |$p:ident| $body:expr) => {
        match $db {
            Db::Sqlite($p) => $body,
            Db::Pg($p) => $body,
        }
    };
}

impl Db {
    async fn close(&self) {
        on_pool!(self, |p| p.close().await)
    }

    async fn execute(&self, sql: &str) -> anyhow::Result<u64> {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        Ok(on_pool!(self, |p| sqlx::query(sql)
            .execute(p)
            .await?
            .rows_affected()))
    }

    async fn number(&self, sql: &str) -> anyhow::Result<Option<i64>> {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        Ok(on_pool!(self, |p| sqlx::query_scalar(sql)
            .fetch_one(p)
            .await?))
    }

    async fn numbers(&self, sql: &str) -> anyhow::Result<(Option<i64>, Option<i64>)> {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        Ok(on_pool!(self, |p| sqlx::query_as(sql).fetch_one(p).await?))
    }

    async fn strings(&self, sql: &str, arg: &str) -> anyhow::Result<Vec<(String, String)>> {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        Ok(on_pool!(self, |p| sqlx::query_as(sql)
            .bind(arg)
            .fetch_all(p)
            .await?))
    }

    /// Every table with its insertable columns and its references, from the catalogue.
    async fn tables(&self) -> anyhow::Result<Vec<Table>> {
        let (list, columns, refs) = match self {
            Db::Sqlite(_) => (
                // Not the search index (a virtual table and its shadows): the cards'
                // insert trigger fills it for the copies.
                "SELECT name, '' FROM pragma_table_list WHERE type = 'table' AND schema = 'main' \
                 AND ? = '' AND name NOT LIKE 'sqlite%' AND name NOT LIKE '\\_sqlx%' ESCAPE '\\'",
                // hidden = 0: not a generated column.
                "SELECT name, '' FROM pragma_table_xinfo(?) WHERE hidden = 0 ORDER BY cid",
                "SELECT \"from\", \"table\" FROM pragma_foreign_key_list(?)",
            ),
            Db::Pg(_) => (
                "SELECT table_name::text, '' FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
                 AND $1 = '' AND table_name NOT LIKE '\\_sqlx%'",
                "SELECT column_name::text, '' FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 \
                 AND is_generated = 'NEVER' ORDER BY ordinal_position",
                "SELECT a.attname::text, f.relname::text FROM pg_constraint c \
                 JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class f ON f.oid = c.confrelid \
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] \
                 WHERE c.contype = 'f' AND t.relname = $1 \
                 AND t.relnamespace = current_schema()::regnamespace",
            ),
        };
        let mut tables = Vec::new();
        for (name, _) in self.strings(list, "").await? {
            let columns = self
                .strings(columns, &name)
                .await?
                .into_iter()
                .map(|c| c.0)
                .collect();
            let refs = self.strings(refs, &name).await?;
            tables.push(Table {
                name,
                columns,
                refs,
            });
        }
        Ok(tables)
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        bail!("usage: tandem-bench-grow DATABASE_URL COPIES");
    }
    let url = &args[1];
    let copies: i64 = args[2].parse().context("COPIES")?;
    let db = if url.starts_with("postgres") {
        let pool = PgPoolOptions::new()
            .max_connections(1)
            // Bulk copy: skip the per-row reference checks and the change triggers
            // (needs a superuser; the copies are consistent by construction).
            .after_connect(|c, _| {
                Box::pin(async move {
                    let _ = sqlx::query("SET session_replication_role = replica")
                        .execute(c)
                        .await;
                    Ok(())
                })
            })
            .connect(url)
            .await?;
        Db::Pg(pool)
    } else {
        let options: SqliteConnectOptions = url.parse()?;
        let options = options
            .foreign_keys(false)
            .synchronous(sqlx::sqlite::SqliteSynchronous::Off);
        Db::Sqlite(
            SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(options)
                .await?,
        )
    };
    if db.number("SELECT count(*) FROM partnerships").await? != Some(1) {
        bail!("expected a database seeded with exactly one partnership");
    }
    let tables: Vec<Table> = db
        .tables()
        .await?
        .into_iter()
        .filter(|t| !NOT_COPIED.contains(&t.name.as_str()))
        .collect();
    let mut tables = in_reference_order(tables)?;
    // Empty tables have nothing to copy.
    let mut kept = Vec::new();
    for t in tables.drain(..) {
        if db
            .number(&format!("SELECT count(*) FROM {}", t.name))
            .await?
            != Some(0)
        {
            kept.push(t);
        }
    }
    let tables = kept;

    // Each copied table: its original rows (a condition on `id`) and how far each
    // copy moves its ids (`span`: the whole table's id range, so copies never meet).
    // Most tables hold only the partnership's rows; the shipped decks, their themes
    // and cards belong to nobody and are not copied (they are made when first needed,
    // so their ids lie among the partnership's own).
    let mut copied: HashMap<String, Copied> = HashMap::new();
    for t in tables.iter().filter(|t| has_id(t)) {
        let range = db
            .numbers(&format!("SELECT min(id), max(id) FROM {}", t.name))
            .await?;
        let (Some(min), Some(max)) = range else {
            bail!("{} emptied itself", t.name);
        };
        let own_deck = || {
            format!(
                "deck_id IN (SELECT id FROM decks WHERE {})",
                copied["decks"].rows
            )
        };
        let rows = match t.name.as_str() {
            "decks" => format!("partnership_id IS NOT NULL AND id <= {max}"),
            "themes" | "cards" => format!("{} AND id <= {max}", own_deck()),
            _ => format!("id >= {min} AND id <= {max}"),
        };
        let whole = !matches!(t.name.as_str(), "decks" | "themes" | "cards");
        copied.insert(
            t.name.clone(),
            Copied {
                rows,
                span: max - min + 1,
                whole,
            },
        );
    }

    let started = Instant::now();
    let mut total: u64 = 0;
    let mut lo = 1;
    while lo < copies {
        let hi = (lo + BATCH - 1).min(copies - 1);
        if let Db::Sqlite(_) = db {
            db.execute("BEGIN").await?;
        }
        for t in &tables {
            let exprs: Vec<String> = t.columns.iter().map(|c| copy_of(t, c, &copied)).collect();
            let sql = format!(
                "WITH RECURSIVE n(k) AS (SELECT {lo} UNION ALL SELECT k + 1 FROM n WHERE k < {hi}) \
                 INSERT INTO {name} ({cols}) SELECT {exprs} FROM n CROSS JOIN {name} WHERE {rows}",
                name = t.name,
                cols = t.columns.join(", "),
                exprs = exprs.join(", "),
                rows = original_rows(t, &copied)?,
            );
            total += db.execute(&sql).await?;
        }
        if let Db::Sqlite(_) = db {
            db.execute("COMMIT").await?;
        }
        eprintln!(
            "copies {lo}..={hi}: {total} rows so far, {:.0} s",
            started.elapsed().as_secs_f64()
        );
        lo = hi + 1;
    }
    if let Db::Pg(_) = db {
        for t in tables.iter().filter(|t| has_id(t)) {
            db.execute(&format!(
                "SELECT setval(pg_get_serial_sequence('{0}', 'id'), (SELECT max(id) FROM {0}))",
                t.name
            ))
            .await?;
        }
        // What autovacuum would have done by the time a database grew this large.
        db.execute("VACUUM ANALYZE").await?;
    }
    let mut rows: i64 = 0;
    for t in db.tables().await? {
        rows += db
            .number(&format!("SELECT count(*) FROM {}", t.name))
            .await?
            .unwrap_or(0);
    }
    eprintln!(
        "copied {total} rows into {} partnerships in {:.0} s; {rows} rows in all",
        copies,
        started.elapsed().as_secs_f64()
    );
    println!("{rows}");
    db.close().await;
    Ok(())
}

fn has_id(t: &Table) -> bool {
    t.columns.iter().any(|c| c == "id")
}

/// The expression for column `c` in copy `n.k`.
fn copy_of(t: &Table, c: &str, copied: &HashMap<String, Copied>) -> String {
    if let Some((_, _, e)) = UNIQUE_TEXT
        .iter()
        .find(|(table, col, _)| *table == t.name && *col == c)
    {
        return e.to_string();
    }
    if c == "id"
        && let Some(me) = copied.get(&t.name)
    {
        return format!("id + n.k * {}", me.span);
    }
    let Some(target) = t
        .refs
        .iter()
        .find(|(col, _)| col == c)
        .and_then(|(_, target)| copied.get(target).map(|x| (target, x)))
    else {
        return c.to_string();
    };
    let (name, to) = target;
    if to.whole {
        // Every row of the table is the original's: move the reference with it
        // (NULL stays NULL).
        format!("{c} + n.k * {}", to.span)
    } else {
        format!(
            "CASE WHEN {c} IN (SELECT id FROM {name} WHERE {}) THEN {c} + n.k * {} ELSE {c} END",
            to.rows, to.span
        )
    }
}

/// The condition that picks the original's rows of a table (not shipped rows, not
/// earlier copies): with an id, the table's own condition; without one, a reference
/// into a copied table that points at one of its original rows.
fn original_rows(t: &Table, copied: &HashMap<String, Copied>) -> anyhow::Result<String> {
    if let Some(me) = copied.get(&t.name) {
        return Ok(me.rows.clone());
    }
    let mut refs = t
        .refs
        .iter()
        .filter_map(|(col, target)| copied.get(target).map(|x| (col, target, x)));
    let first = refs.clone().find(|(_, target, _)| *target != "users");
    let Some((col, name, to)) = first.or_else(|| refs.next()) else {
        bail!(
            "{} has no id and no reference to tell the original's rows by",
            t.name
        );
    };
    Ok(format!(
        "{col} IN (SELECT id FROM {name} WHERE {})",
        to.rows
    ))
}

/// Tables ordered so that each comes after the tables it refers to.
fn in_reference_order(mut tables: Vec<Table>) -> anyhow::Result<Vec<Table>> {
    let mut ordered: Vec<Table> = Vec::new();
    while !tables.is_empty() {
        let names: Vec<String> = tables.iter().map(|t| t.name.clone()).collect();
        let Some(i) = tables.iter().position(|t| {
            t.refs
                .iter()
                .all(|(_, target)| *target == t.name || !names.contains(target))
        }) else {
            bail!("the tables' references go round in a circle");
        };
        ordered.push(tables.remove(i));
    }
    Ok(ordered)
}
