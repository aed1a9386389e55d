//! The logic model's own items in storage (its outcomes are the evaluation plan's, its
//! risks the register's).

use crate::db::*;
use crate::domain::Timestamp;
use crate::domain::file::*;
use crate::domain::model::*;

impl Store {
    /// A partnership's logic model items, oldest first.
    pub async fn logic_items(&self, pid: Id) -> DbResult<Vec<LogicItemRow>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT id, partnership_id, kind, text, still_true, checked_on, updated_at,
                        version
                 FROM logic_items WHERE partnership_id = $1 ORDER BY id",
            )
            .bind(pid)
            .fetch_all(r)
            .await
        })
    }

    /// One item.
    pub async fn logic_item(&self, id: Id) -> DbResult<Option<LogicItemRow>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT id, partnership_id, kind, text, still_true, checked_on, updated_at,
                        version
                 FROM logic_items WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(r)
            .await
        })
    }

    /// Add an item; returns its id.
    pub async fn create_logic_item(
        &self,
        pid: Id,
        f: &LogicFields,
        user_id: Id,
        now: Timestamp,
    ) -> DbResult<Id> {
        writer!(self, |w| {
            sqlx::query_scalar(
                "INSERT INTO logic_items (partnership_id, kind, text, still_true, checked_on,
                     created_by, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
            )
            .bind(pid)
            .bind(&f.kind)
            .bind(&f.text)
            .bind(f.still_true)
            .bind(f.checked_on.as_deref())
            .bind(user_id)
            .bind(now)
            .fetch_one(w)
            .await
        })
    }

    /// Change an item, if still at `version`.
    pub async fn update_logic_item(
        &self,
        id: Id,
        version: i64,
        f: &LogicFields,
        now: Timestamp,
    ) -> DbResult<Saved> {
        writer!(self, |w| {
            let r = sqlx::query(
                "UPDATE logic_items SET kind = $1, text = $2, still_true = $3,
                     checked_on = $4, updated_at = $5, version = version + 1
                 WHERE id = $6 AND version = $7",
            )
            .bind(&f.kind)
            .bind(&f.text)
            .bind(f.still_true)
            .bind(f.checked_on.as_deref())
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

    /// Remove an item.
    pub async fn delete_logic_item(&self, id: Id) -> DbResult<()> {
        writer!(self, |w| {
            sqlx::query("DELETE FROM logic_items WHERE id = $1")
                .bind(id)
                .execute(w)
                .await?;
            Ok(())
        })
    }
}
