//! The risk register in storage.

use crate::db::*;
use crate::domain::Timestamp;
use crate::domain::file::*;
use crate::domain::model::*;

const RISK_SELECT: &str = "SELECT r.id, r.partnership_id, r.title, r.likelihood, r.impact,
        r.owner_user_id, r.owner_org_id,
        u.display_name AS owner_name, o.name AS owner_org_name,
        EXISTS (SELECT 1 FROM memberships m WHERE m.partnership_id = r.partnership_id
            AND m.user_id = r.owner_user_id) AS owner_is_member,
        r.prevention, r.response, r.review_on, r.status, r.created_at, r.updated_at,
        r.version
 FROM risks r
 LEFT JOIN users u ON u.id = r.owner_user_id
 LEFT JOIN organisations o ON o.id = r.owner_org_id";

impl Store {
    /// A partnership's risks: open ones first, the highest score first, then the oldest.
    pub async fn risks(&self, pid: Id) -> DbResult<Vec<RiskRow>> {
        reader!(self, |r| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{RISK_SELECT} WHERE r.partnership_id = $1
                 ORDER BY CASE WHEN r.status = 'closed' THEN 1 ELSE 0 END,
                          r.likelihood * r.impact DESC, r.id"
            )))
            .bind(pid)
            .fetch_all(r)
            .await
        })
    }

    /// One risk, with its owner's names.
    pub async fn risk(&self, id: Id) -> DbResult<Option<RiskRow>> {
        reader!(self, |r| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{RISK_SELECT} WHERE r.id = $1"
            )))
            .bind(id)
            .fetch_optional(r)
            .await
        })
    }

    /// Add a risk; returns its id.
    pub async fn create_risk(
        &self,
        pid: Id,
        f: &RiskFields,
        user_id: Id,
        now: Timestamp,
    ) -> DbResult<Id> {
        writer!(self, |w| {
            sqlx::query_scalar(
                "INSERT INTO risks (partnership_id, title, likelihood, impact, owner_user_id,
                     owner_org_id, prevention, response, review_on, status, created_by,
                     created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
            )
            .bind(pid)
            .bind(&f.title)
            .bind(f.likelihood)
            .bind(f.impact)
            .bind(f.owner_user_id)
            .bind(f.owner_org_id)
            .bind(&f.prevention)
            .bind(&f.response)
            .bind(&f.review_on)
            .bind(&f.status)
            .bind(user_id)
            .bind(now)
            .fetch_one(w)
            .await
        })
    }

    /// Change a risk, if still at `version`.
    pub async fn update_risk(
        &self,
        id: Id,
        version: i64,
        f: &RiskFields,
        now: Timestamp,
    ) -> DbResult<Saved> {
        writer!(self, |w| {
            let r = sqlx::query(
                "UPDATE risks SET title = $1, likelihood = $2, impact = $3, owner_user_id = $4,
                     owner_org_id = $5, prevention = $6, response = $7, review_on = $8,
                     status = $9, updated_at = $10, version = version + 1
                 WHERE id = $11 AND version = $12",
            )
            .bind(&f.title)
            .bind(f.likelihood)
            .bind(f.impact)
            .bind(f.owner_user_id)
            .bind(f.owner_org_id)
            .bind(&f.prevention)
            .bind(&f.response)
            .bind(&f.review_on)
            .bind(&f.status)
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

    /// Remove a risk from the register.
    pub async fn delete_risk(&self, id: Id) -> DbResult<()> {
        writer!(self, |w| {
            sqlx::query("DELETE FROM risks WHERE id = $1")
                .bind(id)
                .execute(w)
                .await?;
            Ok(())
        })
    }
}
