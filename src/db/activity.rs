//! The activity feed in storage: what happened in a partnership, newest first.

use super::*;
use crate::domain::Timestamp;
use crate::domain::model::*;

impl Store {
    /// Add an entry to a partnership's activity feed.
    pub async fn record_activity(
        &self,
        pid: Id,
        user_id: Option<Id>,
        what: &str,
        link: &str,
        now: Timestamp,
    ) -> DbResult<()> {
        writer!(self, |w| {
            sqlx::query(
                "INSERT INTO activity (partnership_id, user_id, at, what, link)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(pid)
            .bind(user_id)
            .bind(now)
            .bind(what)
            .bind(link)
            .execute(w)
            .await
            .map(|_| ())
        })
    }

    /// The latest entries, newest first, before entry `before` (0: from the newest).
    pub async fn activity(&self, pid: Id, before: Id, limit: i64) -> DbResult<Vec<ActivityRow>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT a.id, u.display_name AS user_name, a.at, a.what,
                     a.link FROM activity a LEFT JOIN users u ON u.id = a.user_id
                 WHERE a.partnership_id = $1 AND ($2 = 0 OR a.id < $2) ORDER BY a.id DESC LIMIT $3",
            )
            .bind(pid)
            .bind(before)
            .bind(limit)
            .fetch_all(r)
            .await
        })
    }
}
