//! The stakeholder map in storage: stakeholders and every place each has been.

use crate::db::*;
use crate::domain::Timestamp;
use crate::domain::file::*;
use crate::domain::model::*;

const STAKEHOLDER_SELECT: &str = "SELECT s.id, s.partnership_id, s.name, s.group_name, s.notes,
        s.influence, s.interest, s.stance, s.owner_user_id, u.display_name AS owner_name,
        EXISTS (SELECT 1 FROM memberships m WHERE m.partnership_id = s.partnership_id
            AND m.user_id = s.owner_user_id) AS owner_is_member,
        s.contact_every, s.created_at, s.updated_at, s.version
 FROM stakeholders s
 LEFT JOIN users u ON u.id = s.owner_user_id";

impl Store {
    /// A partnership's stakeholders, by name.
    pub async fn stakeholders(&self, pid: Id) -> DbResult<Vec<StakeholderRow>> {
        reader!(self, |r| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{STAKEHOLDER_SELECT} WHERE s.partnership_id = $1 ORDER BY s.name, s.id"
            )))
            .bind(pid)
            .fetch_all(r)
            .await
        })
    }

    /// One stakeholder.
    pub async fn stakeholder(&self, id: Id) -> DbResult<Option<StakeholderRow>> {
        reader!(self, |r| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{STAKEHOLDER_SELECT} WHERE s.id = $1"
            )))
            .bind(id)
            .fetch_optional(r)
            .await
        })
    }

    /// The places that say how a partnership's stakeholders moved since `since`
    /// (YYYY-MM-DD): for each, the last place before that day and every place from it
    /// on, by stakeholder and then oldest first. Enough for `movement_since`, without
    /// reading a long history (the map of 200 stakeholders with 5 places each read
    /// 1,000 rows for every view; this reads about 400).
    pub async fn stakeholder_moves_since(&self, pid: Id, since: &str) -> DbResult<Vec<MoveRow>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT m.stakeholder_id, m.influence, m.interest, m.stance, m.moved_on,
                        m.moved_at
                 FROM stakeholder_moves m
                 WHERE m.partnership_id = $1
                   AND (m.moved_on >= $2
                        OR m.id = (SELECT p.id FROM stakeholder_moves p
                                   WHERE p.partnership_id = $1
                                     AND p.stakeholder_id = m.stakeholder_id
                                     AND p.moved_on < $2
                                   ORDER BY p.moved_at DESC, p.id DESC LIMIT 1))
                 ORDER BY m.stakeholder_id, m.moved_at, m.id",
            )
            .bind(pid)
            .bind(since)
            .fetch_all(r)
            .await
        })
    }

    /// Every place each of a partnership's stakeholders has been, by stakeholder and
    /// then oldest first.
    pub async fn stakeholder_moves(&self, pid: Id) -> DbResult<Vec<MoveRow>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT stakeholder_id, influence, interest, stance, moved_on, moved_at
                 FROM stakeholder_moves WHERE partnership_id = $1
                 ORDER BY stakeholder_id, moved_at, id",
            )
            .bind(pid)
            .fetch_all(r)
            .await
        })
    }

    /// Put a stakeholder on the map (their first place is kept as their first move);
    /// returns their id.
    pub async fn create_stakeholder(
        &self,
        pid: Id,
        f: &StakeholderFields,
        user_id: Id,
        today: &str,
        now: Timestamp,
    ) -> DbResult<Id> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            let id: Id = sqlx::query_scalar(
                "INSERT INTO stakeholders (partnership_id, name, group_name, notes, influence,
                     interest, stance, owner_user_id, contact_every, created_by, created_at,
                     updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
            )
            .bind(pid)
            .bind(&f.name)
            .bind(&f.group_name)
            .bind(&f.notes)
            .bind(f.influence)
            .bind(f.interest)
            .bind(&f.stance)
            .bind(f.owner_user_id)
            .bind(&f.contact_every)
            .bind(user_id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO stakeholder_moves (stakeholder_id, partnership_id, influence,
                     interest, stance, moved_on, moved_at, moved_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id)
            .bind(pid)
            .bind(f.influence)
            .bind(f.interest)
            .bind(&f.stance)
            .bind(today)
            .bind(now)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Change a stakeholder if still at `version`, keeping a move when their influence,
    /// interest or stance changed. `Stale` if someone else saved first (or they were
    /// removed), and then nothing is written.
    pub async fn update_stakeholder(
        &self,
        current: &StakeholderRow,
        version: i64,
        f: &StakeholderFields,
        user_id: Id,
        today: &str,
        now: Timestamp,
    ) -> DbResult<Saved> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            // The row as it stands at `version`: the place a move is measured from.
            let before: Option<(i64, i64, String)> = sqlx::query_as(
                "SELECT influence, interest, stance FROM stakeholders
                 WHERE id = $1 AND version = $2",
            )
            .bind(current.id)
            .bind(version)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(before) = before else {
                return Ok(Saved::Stale);
            };
            let r = sqlx::query(
                "UPDATE stakeholders SET name = $1, group_name = $2, notes = $3,
                     influence = $4, interest = $5, stance = $6, owner_user_id = $7,
                     contact_every = $8, updated_at = $9, version = version + 1
                 WHERE id = $10 AND version = $11",
            )
            .bind(&f.name)
            .bind(&f.group_name)
            .bind(&f.notes)
            .bind(f.influence)
            .bind(f.interest)
            .bind(&f.stance)
            .bind(f.owner_user_id)
            .bind(&f.contact_every)
            .bind(now)
            .bind(current.id)
            .bind(version)
            .execute(&mut *tx)
            .await?;
            if r.rows_affected() != 1 {
                return Ok(Saved::Stale);
            }
            if before != (f.influence, f.interest, f.stance.clone()) {
                sqlx::query(
                    "INSERT INTO stakeholder_moves (stakeholder_id, partnership_id, influence,
                         interest, stance, moved_on, moved_at, moved_by)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(current.id)
                .bind(current.partnership_id)
                .bind(f.influence)
                .bind(f.interest)
                .bind(&f.stance)
                .bind(today)
                .bind(now)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(Saved::Saved)
        })
    }

    /// Take a stakeholder off the map, with every place they have been.
    pub async fn delete_stakeholder(&self, id: Id) -> DbResult<()> {
        writer!(self, |w| {
            sqlx::query("DELETE FROM stakeholders WHERE id = $1")
                .bind(id)
                .execute(w)
                .await?;
            Ok(())
        })
    }
}
