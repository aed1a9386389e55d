//! The communications plan in storage.

use crate::db::*;
use crate::domain::Timestamp;
use crate::domain::file::*;
use crate::domain::model::*;

const COMMS_SELECT: &str = "SELECT c.id, c.partnership_id, c.stakeholder_id, c.audience,
        c.message, c.channel, c.frequency, c.owner_user_id, u.display_name AS owner_name,
        EXISTS (SELECT 1 FROM memberships m WHERE m.partnership_id = c.partnership_id
            AND m.user_id = c.owner_user_id) AS owner_is_member,
        c.next_on, c.action_id, a.status AS action_status, c.updated_at, c.version
 FROM comms_items c
 LEFT JOIN users u ON u.id = c.owner_user_id
 LEFT JOIN actions a ON a.id = c.action_id";

impl Store {
    /// A partnership's communications plan: the soonest next date first, then the rest.
    pub async fn comms_items(&self, pid: Id) -> DbResult<Vec<CommsRow>> {
        reader!(self, |r| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{COMMS_SELECT} WHERE c.partnership_id = $1
                 ORDER BY CASE WHEN c.next_on IS NULL THEN 1 ELSE 0 END, c.next_on, c.id"
            )))
            .bind(pid)
            .fetch_all(r)
            .await
        })
    }

    /// One line.
    pub async fn comms_item(&self, id: Id) -> DbResult<Option<CommsRow>> {
        reader!(self, |r| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{COMMS_SELECT} WHERE c.id = $1"
            )))
            .bind(id)
            .fetch_optional(r)
            .await
        })
    }

    /// Add a line; returns its id.
    pub async fn create_comms_item(
        &self,
        pid: Id,
        f: &CommsFields,
        user_id: Id,
        now: Timestamp,
    ) -> DbResult<Id> {
        writer!(self, |w| {
            sqlx::query_scalar(
                "INSERT INTO comms_items (partnership_id, stakeholder_id, audience, message,
                     channel, frequency, owner_user_id, next_on, created_by, created_at,
                     updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
            )
            .bind(pid)
            .bind(f.stakeholder_id)
            .bind(&f.audience)
            .bind(&f.message)
            .bind(&f.channel)
            .bind(&f.frequency)
            .bind(f.owner_user_id)
            .bind(f.next_on.as_deref())
            .bind(user_id)
            .bind(now)
            .fetch_one(w)
            .await
        })
    }

    /// Change a line, if still at `version`.
    pub async fn update_comms_item(
        &self,
        id: Id,
        version: i64,
        f: &CommsFields,
        now: Timestamp,
    ) -> DbResult<Saved> {
        writer!(self, |w| {
            let r = sqlx::query(
                "UPDATE comms_items SET stakeholder_id = $1, audience = $2, message = $3,
                     channel = $4, frequency = $5, owner_user_id = $6, next_on = $7,
                     updated_at = $8, version = version + 1
                 WHERE id = $9 AND version = $10",
            )
            .bind(f.stakeholder_id)
            .bind(&f.audience)
            .bind(&f.message)
            .bind(&f.channel)
            .bind(&f.frequency)
            .bind(f.owner_user_id)
            .bind(f.next_on.as_deref())
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

    /// Link a line to the action for its next date (not a change people make: no
    /// version bump).
    pub async fn link_comms_action(&self, id: Id, action_id: Id) -> DbResult<()> {
        writer!(self, |w| {
            sqlx::query("UPDATE comms_items SET action_id = $1 WHERE id = $2")
                .bind(action_id)
                .bind(id)
                .execute(w)
                .await?;
            Ok(())
        })
    }

    /// Remove a line (its action stays on the action plan).
    pub async fn delete_comms_item(&self, id: Id) -> DbResult<()> {
        writer!(self, |w| {
            sqlx::query("DELETE FROM comms_items WHERE id = $1")
                .bind(id)
                .execute(w)
                .await?;
            Ok(())
        })
    }
}
