//! Checklists in storage: each partnership's saved statements (done, note, evidence)
//! and the actions made from them.

use super::*;
use crate::domain::Timestamp;
use crate::domain::model::*;
use crate::domain::stock::*;

/// What a checklist save changes.
#[derive(Debug, Clone, Default)]
pub struct TickFields {
    /// Whether the statement is true for the partnership now.
    pub done: bool,
    /// What the partnership wrote about it.
    pub note: String,
    /// A web address where the evidence can be seen (may be empty).
    pub evidence_url: String,
}

pub(super) const TICK_SELECT: &str =
    "SELECT t.entry_key, t.done, t.note, t.evidence_url, u.display_name AS ticked_by_name,
         t.ticked_at, t.action_id, a.title AS action_title, a.status AS action_status, t.version
     FROM checklist_ticks t
     LEFT JOIN users u ON u.id = t.ticked_by
     LEFT JOIN actions a ON a.id = t.action_id";

impl Store {
    /// A partnership's saved checklist statements for one instrument.
    pub async fn ticks(&self, pid: Id, instrument_key: &str) -> DbResult<Vec<Tick>> {
        reader!(self, |r| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{} WHERE t.partnership_id = $1 AND t.instrument_key = $2",
                TICK_SELECT
            )))
            .bind(pid)
            .bind(instrument_key)
            .fetch_all(r)
            .await
        })
    }

    /// Save a statement's state if still at `version` (0: never saved before).
    #[allow(clippy::too_many_arguments)]
    pub async fn save_tick(
        &self,
        pid: Id,
        instrument_key: &str,
        entry_key: &str,
        version: i64,
        f: &TickFields,
        user_id: Id,
        now: Timestamp,
    ) -> DbResult<Saved> {
        writer!(self, |w| {
            // Who ticked it and when change only when the tick itself changes.
            let r = if version == 0 {
                sqlx::query(
                    "INSERT INTO checklist_ticks (partnership_id, instrument_key, entry_key,
                         done, note, evidence_url, ticked_by, ticked_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (partnership_id,
                         instrument_key, entry_key) DO NOTHING",
                )
                .bind(pid)
                .bind(instrument_key)
                .bind(entry_key)
                .bind(f.done)
                .bind(&f.note)
                .bind(&f.evidence_url)
                .bind(f.done.then_some(user_id))
                .bind(f.done.then_some(now))
                .bind(now)
                .execute(w)
                .await?
            } else {
                sqlx::query(
                    "UPDATE checklist_ticks SET
                         ticked_by = CASE WHEN done = $1 THEN ticked_by WHEN $1 THEN $2 ELSE NULL END,
                         ticked_at = CASE WHEN done = $1 THEN ticked_at WHEN $1 THEN $3 ELSE NULL END,
                         done = $1, note = $4, evidence_url = $5, updated_at = $3,
                             version = version + 1
                     WHERE partnership_id = $6 AND instrument_key = $7 AND entry_key = $8
                         AND version = $9",
                )
                .bind(f.done).bind(user_id).bind(now).bind(&f.note).bind(&f.evidence_url)
                .bind(pid).bind(instrument_key).bind(entry_key).bind(version)
                .execute(w).await?
            };
            Ok(if r.rows_affected() == 1 {
                Saved::Saved
            } else {
                Saved::Stale
            })
        })
    }

    /// Link a checklist statement to the action made from it.
    pub async fn set_tick_action(
        &self,
        pid: Id,
        instrument_key: &str,
        entry_key: &str,
        action_id: Id,
        now: Timestamp,
    ) -> DbResult<()> {
        writer!(self, |w| {
            sqlx::query(
                "INSERT INTO checklist_ticks (partnership_id, instrument_key, entry_key,
                     action_id, updated_at)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (partnership_id, instrument_key, entry_key)
                 DO UPDATE SET action_id = $4, updated_at = $5,
                     version = checklist_ticks.version + 1",
            )
            .bind(pid)
            .bind(instrument_key)
            .bind(entry_key)
            .bind(action_id)
            .bind(now)
            .execute(w)
            .await
            .map(|_| ())
        })
    }
}
