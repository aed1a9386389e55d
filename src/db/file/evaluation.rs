//! The evaluation plan in storage: outcomes, indicators and evidence (with the bytes of
//! uploaded files in `evidence_blobs` on PostgreSQL; on SQLite the web layer writes
//! them to the data folder and the entry names the file).

use crate::db::*;
use crate::domain::Timestamp;
use crate::domain::file::*;
use crate::domain::model::*;

// A whole plan's indicators get their evidence counts and latest days from one grouped
// pass over the partnership's evidence: a subquery per indicator scanned every entry
// for each of 120 indicators (the plan took 1.1 s with the page cache off, 57 requests a
// second), and even naming the partnership left PostgreSQL a plan that depended on
// fresh statistics. One indicator (below) keeps the subqueries, cheap for one row.
const INDICATOR_LIST: &str = "SELECT i.id, i.outcome_id, i.partnership_id, i.name, i.method,
        i.collector_user_id, i.collector_org_id,
        u.display_name AS collector_name, o.name AS collector_org_name,
        EXISTS (SELECT 1 FROM memberships m WHERE m.partnership_id = i.partnership_id
            AND m.user_id = i.collector_user_id) AS collector_is_member,
        i.collect_when, i.collect_where,
        COALESCE(e.entries, 0) AS evidence_count, e.latest AS last_evidence,
        i.version
 FROM indicators i
 LEFT JOIN (SELECT indicator_id, COUNT(*) AS entries, MAX(recorded_on) AS latest
            FROM evidence WHERE partnership_id = $1 GROUP BY indicator_id) e
   ON e.indicator_id = i.id
 LEFT JOIN users u ON u.id = i.collector_user_id
 LEFT JOIN organisations o ON o.id = i.collector_org_id";

// The evidence subqueries name the partnership as well as the indicator, so they use
// the index on evidence (partnership_id, indicator_id, recorded_on): without it each
// indicator scanned every entry (40 outcomes x 3 indicators x 50 entries: the plan
// took 1.1 s with the page cache off, 57 requests a second).
const INDICATOR_ONE: &str = "SELECT i.id, i.outcome_id, i.partnership_id, i.name, i.method,
        i.collector_user_id, i.collector_org_id,
        u.display_name AS collector_name, o.name AS collector_org_name,
        EXISTS (SELECT 1 FROM memberships m WHERE m.partnership_id = i.partnership_id
            AND m.user_id = i.collector_user_id) AS collector_is_member,
        i.collect_when, i.collect_where,
        (SELECT COUNT(*) FROM evidence e WHERE e.partnership_id = i.partnership_id
            AND e.indicator_id = i.id) AS evidence_count,
        (SELECT MAX(e.recorded_on) FROM evidence e WHERE e.partnership_id = i.partnership_id
            AND e.indicator_id = i.id) AS last_evidence,
        i.version
 FROM indicators i
 LEFT JOIN users u ON u.id = i.collector_user_id
 LEFT JOIN organisations o ON o.id = i.collector_org_id";

const EVIDENCE_SELECT: &str = "SELECT e.id, e.indicator_id, e.partnership_id, e.recorded_on,
        e.value, e.note, e.link, e.file_name, e.file_type, e.file_size, e.file_path,
        u.display_name AS created_by_name, e.created_at
 FROM evidence e
 LEFT JOIN users u ON u.id = e.created_by";

impl Store {
    /// A partnership's outcomes, oldest first.
    pub async fn outcomes(&self, pid: Id) -> DbResult<Vec<OutcomeRow>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT id, partnership_id, level, statement, who, direction, what, term,
                        updated_at, version
                 FROM outcomes WHERE partnership_id = $1 ORDER BY id",
            )
            .bind(pid)
            .fetch_all(r)
            .await
        })
    }

    /// One outcome.
    pub async fn outcome(&self, id: Id) -> DbResult<Option<OutcomeRow>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT id, partnership_id, level, statement, who, direction, what, term,
                        updated_at, version
                 FROM outcomes WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(r)
            .await
        })
    }

    /// Add an outcome; returns its id.
    pub async fn create_outcome(
        &self,
        pid: Id,
        f: &OutcomeFields,
        user_id: Id,
        now: Timestamp,
    ) -> DbResult<Id> {
        writer!(self, |w| {
            sqlx::query_scalar(
                "INSERT INTO outcomes (partnership_id, level, statement, who, direction, what,
                     term, created_by, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $9, $7, $8, $8) RETURNING id",
            )
            .bind(pid)
            .bind(&f.level)
            .bind(&f.statement)
            .bind(&f.who)
            .bind(&f.direction)
            .bind(&f.what)
            .bind(user_id)
            .bind(now)
            .bind(&f.term)
            .fetch_one(w)
            .await
        })
    }

    /// Change an outcome, if still at `version`.
    pub async fn update_outcome(
        &self,
        id: Id,
        version: i64,
        f: &OutcomeFields,
        now: Timestamp,
    ) -> DbResult<Saved> {
        writer!(self, |w| {
            let r = sqlx::query(
                "UPDATE outcomes SET level = $1, statement = $2, who = $3, direction = $4,
                     what = $5, updated_at = $6, term = $9, version = version + 1
                 WHERE id = $7 AND version = $8",
            )
            .bind(&f.level)
            .bind(&f.statement)
            .bind(&f.who)
            .bind(&f.direction)
            .bind(&f.what)
            .bind(now)
            .bind(id)
            .bind(version)
            .bind(&f.term)
            .execute(w)
            .await?;
            Ok(if r.rows_affected() == 1 {
                Saved::Saved
            } else {
                Saved::Stale
            })
        })
    }

    /// Remove an outcome with its indicators and their evidence; returns the data-folder
    /// paths of the files that went with them, for the caller to remove.
    pub async fn delete_outcome(&self, id: Id) -> DbResult<Vec<String>> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            let paths: Vec<String> = sqlx::query_scalar(
                "SELECT e.file_path FROM evidence e JOIN indicators i ON i.id = e.indicator_id
                 WHERE i.outcome_id = $1 AND e.file_path IS NOT NULL",
            )
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM outcomes WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(paths)
        })
    }

    /// A partnership's indicators, by outcome and then oldest first, with how much
    /// evidence each has.
    pub async fn indicators(&self, pid: Id) -> DbResult<Vec<IndicatorRow>> {
        reader!(self, |r| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{INDICATOR_LIST} WHERE i.partnership_id = $1 ORDER BY i.outcome_id, i.id"
            )))
            .bind(pid)
            .fetch_all(r)
            .await
        })
    }

    /// One indicator.
    pub async fn indicator(&self, id: Id) -> DbResult<Option<IndicatorRow>> {
        reader!(self, |r| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{INDICATOR_ONE} WHERE i.id = $1"
            )))
            .bind(id)
            .fetch_optional(r)
            .await
        })
    }

    /// Add an indicator to an outcome; returns its id.
    pub async fn create_indicator(
        &self,
        outcome: &OutcomeRow,
        f: &IndicatorFields,
        user_id: Id,
        now: Timestamp,
    ) -> DbResult<Id> {
        writer!(self, |w| {
            sqlx::query_scalar(
                "INSERT INTO indicators (outcome_id, partnership_id, name, method,
                     collector_user_id, collector_org_id, collect_when, collect_where,
                     created_by, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
            )
            .bind(outcome.id)
            .bind(outcome.partnership_id)
            .bind(&f.name)
            .bind(&f.method)
            .bind(f.collector_user_id)
            .bind(f.collector_org_id)
            .bind(&f.collect_when)
            .bind(&f.collect_where)
            .bind(user_id)
            .bind(now)
            .fetch_one(w)
            .await
        })
    }

    /// Change an indicator, if still at `version`.
    pub async fn update_indicator(
        &self,
        id: Id,
        version: i64,
        f: &IndicatorFields,
        now: Timestamp,
    ) -> DbResult<Saved> {
        writer!(self, |w| {
            let r = sqlx::query(
                "UPDATE indicators SET name = $1, method = $2, collector_user_id = $3,
                     collector_org_id = $4, collect_when = $5, collect_where = $6,
                     updated_at = $7, version = version + 1
                 WHERE id = $8 AND version = $9",
            )
            .bind(&f.name)
            .bind(&f.method)
            .bind(f.collector_user_id)
            .bind(f.collector_org_id)
            .bind(&f.collect_when)
            .bind(&f.collect_where)
            .bind(now)
            .bind(id)
            .bind(version)
            .execute(w)
            .await?;
            Ok(if r.rows_affected() == 1 {
                Saved::Saved
            } else {
                Saved::Stale
            })
        })
    }

    /// Remove an indicator with its evidence; returns the data-folder paths of the files
    /// that went with it.
    pub async fn delete_indicator(&self, id: Id) -> DbResult<Vec<String>> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            let paths: Vec<String> = sqlx::query_scalar(
                "SELECT file_path FROM evidence WHERE indicator_id = $1
                 AND file_path IS NOT NULL",
            )
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM indicators WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(paths)
        })
    }

    /// An indicator's evidence, the latest day first.
    pub async fn evidence_for(&self, indicator: Id) -> DbResult<Vec<EvidenceRow>> {
        reader!(self, |r| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{EVIDENCE_SELECT} WHERE e.indicator_id = $1
                 ORDER BY e.recorded_on DESC, e.id DESC"
            )))
            .bind(indicator)
            .fetch_all(r)
            .await
        })
    }

    /// One evidence entry.
    pub async fn evidence(&self, id: Id) -> DbResult<Option<EvidenceRow>> {
        reader!(self, |r| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{EVIDENCE_SELECT} WHERE e.id = $1"
            )))
            .bind(id)
            .fetch_optional(r)
            .await
        })
    }

    /// Add an evidence entry; `bytes` (PostgreSQL) go in the same transaction. Returns
    /// its id.
    pub async fn create_evidence(
        &self,
        indicator: &IndicatorRow,
        f: &EvidenceFields,
        bytes: Option<&[u8]>,
        user_id: Id,
        now: Timestamp,
    ) -> DbResult<Id> {
        let (name, kind, size) = match &f.file {
            Some((n, k, s)) => (Some(n.as_str()), Some(k.as_str()), Some(*s)),
            None => (None, None, None),
        };
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            let id: Id = sqlx::query_scalar(
                "INSERT INTO evidence (indicator_id, partnership_id, recorded_on, value, note,
                     link, file_name, file_type, file_size, file_path, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
            )
            .bind(indicator.id)
            .bind(indicator.partnership_id)
            .bind(&f.recorded_on)
            .bind(&f.value)
            .bind(&f.note)
            .bind(&f.link)
            .bind(name)
            .bind(kind)
            .bind(size)
            .bind(f.file_path.as_deref())
            .bind(user_id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            if let Some(bytes) = bytes {
                sqlx::query("INSERT INTO evidence_blobs (evidence_id, bytes) VALUES ($1, $2)")
                    .bind(id)
                    .bind(bytes)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(id)
        })
    }

    /// The bytes of an entry's file kept in the database (PostgreSQL).
    pub async fn evidence_bytes(&self, id: Id) -> DbResult<Option<Vec<u8>>> {
        reader!(self, |r| {
            sqlx::query_scalar("SELECT bytes FROM evidence_blobs WHERE evidence_id = $1")
                .bind(id)
                .fetch_optional(r)
                .await
        })
    }

    /// Remove an evidence entry (and its bytes in the database).
    pub async fn delete_evidence(&self, id: Id) -> DbResult<()> {
        writer!(self, |w| {
            sqlx::query("DELETE FROM evidence WHERE id = $1")
                .bind(id)
                .execute(w)
                .await?;
            Ok(())
        })
    }
}
