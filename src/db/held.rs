//! Held forms in storage: a form that arrived after its session ended, kept (for its
//! owner only) to be sent again after signing in.

use super::*;
use crate::domain::Timestamp;
use crate::domain::model::*;

impl Store {
    /// Keep a form that arrived after its session ended, to be sent again after signing in.
    pub async fn hold_post(
        &self,
        token_hash: &str,
        user_id: Option<Id>,
        path: &str,
        body: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> DbResult<()> {
        writer!(self, |w| {
            sqlx::query(
                "INSERT INTO held_posts (token_hash, user_id, path, body, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(token_hash)
            .bind(user_id)
            .bind(path)
            .bind(body)
            .bind(now)
            .bind(expires_at)
            .execute(w)
            .await
            .map(|_| ())
        })
    }

    /// A held form, if it has not expired.
    pub async fn held_post(&self, token_hash: &str, now: Timestamp) -> DbResult<Option<HeldPost>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT user_id, path, body, expires_at
                 FROM held_posts
                 WHERE token_hash = $1 AND expires_at > $2",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(r)
            .await
        })
    }

    /// Forget a held form (sent again, or discarded).
    pub async fn delete_held_post(&self, token_hash: &str) -> DbResult<()> {
        writer!(self, |w| {
            sqlx::query("DELETE FROM held_posts WHERE token_hash = $1")
                .bind(token_hash)
                .execute(w)
                .await
                .map(|_| ())
        })
    }

    /// Remove held forms past their expiry; returns how many went.
    pub async fn delete_expired_held(&self, now: Timestamp) -> DbResult<u64> {
        writer!(self, |w| {
            let r = sqlx::query("DELETE FROM held_posts WHERE expires_at <= $1")
                .bind(now)
                .execute(w)
                .await?;
            Ok(r.rows_affected())
        })
    }
}
