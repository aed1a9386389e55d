//! The skills and resources grid in storage.

use crate::db::*;
use crate::domain::Timestamp;
use crate::domain::file::*;
use crate::domain::model::*;

impl Store {
    /// A partnership's rows, by kind then name.
    pub async fn skills(&self, pid: Id) -> DbResult<Vec<SkillRow>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT id, partnership_id, name, kind FROM skills WHERE partnership_id = $1
                 ORDER BY kind, name, id",
            )
            .bind(pid)
            .fetch_all(r)
            .await
        })
    }

    /// Every answer in a partnership's grid.
    pub async fn skill_cells(&self, pid: Id) -> DbResult<Vec<SkillCell>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT skill_id, organisation_id, offers, wants FROM skill_cells
                 WHERE partnership_id = $1",
            )
            .bind(pid)
            .fetch_all(r)
            .await
        })
    }

    /// Add a row; returns its id.
    pub async fn create_skill(
        &self,
        pid: Id,
        name: &str,
        kind: &str,
        user_id: Id,
        now: Timestamp,
    ) -> DbResult<Id> {
        writer!(self, |w| {
            sqlx::query_scalar(
                "INSERT INTO skills (partnership_id, name, kind, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(pid)
            .bind(name)
            .bind(kind)
            .bind(user_id)
            .bind(now)
            .fetch_one(w)
            .await
        })
    }

    /// Remove a row with its answers.
    pub async fn delete_skill(&self, id: Id) -> DbResult<()> {
        writer!(self, |w| {
            sqlx::query("DELETE FROM skills WHERE id = $1")
                .bind(id)
                .execute(w)
                .await?;
            Ok(())
        })
    }

    /// Replace one organisation's answers, if they are still as `fingerprint` says
    /// (in one transaction: nothing is saved by half). `Stale` if someone changed them.
    pub async fn save_skill_column(
        &self,
        pid: Id,
        organisation: Id,
        fingerprint_was: &str,
        cells: &[SkillCell],
        now: Timestamp,
    ) -> DbResult<Saved> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            let current: Vec<SkillCell> = sqlx::query_as(
                "SELECT skill_id, organisation_id, offers, wants FROM skill_cells
                 WHERE partnership_id = $1 AND organisation_id = $2",
            )
            .bind(pid)
            .bind(organisation)
            .fetch_all(&mut *tx)
            .await?;
            if fingerprint(&current, organisation) != fingerprint_was {
                return Ok(Saved::Stale);
            }
            sqlx::query(
                "DELETE FROM skill_cells WHERE partnership_id = $1 AND organisation_id = $2",
            )
            .bind(pid)
            .bind(organisation)
            .execute(&mut *tx)
            .await?;
            for c in cells.iter().filter(|c| c.offers || c.wants) {
                sqlx::query(
                    "INSERT INTO skill_cells (skill_id, organisation_id, partnership_id, offers,
                         wants, updated_at)
                     SELECT $1, $2, $3, $4, $5, $6
                     WHERE EXISTS (SELECT 1 FROM skills WHERE id = $1 AND partnership_id = $3)",
                )
                .bind(c.skill_id)
                .bind(organisation)
                .bind(pid)
                .bind(c.offers)
                .bind(c.wants)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(Saved::Saved)
        })
    }
}
