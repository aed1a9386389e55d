//! Sessions and sign-in throttling in storage. Looking a session up goes through the
//! session cache (see `cache.rs`); ending sessions uses `access_writer!`.

use super::*;
use crate::domain::Timestamp;
use crate::domain::model::*;
use crate::domain::roles::Role;

/// A session, its user, and (for partnership pages) the user's membership.
pub type SessionLookup = (Session, User, Option<(Partnership, Membership)>);

/// A session row joined with its user.
#[derive(sqlx::FromRow)]
pub(super) struct SessionUserRow {
    #[sqlx(flatten)]
    pub user: User,
    pub s_user_id: Id,
    pub s_created_at: i64,
    pub s_last_seen_at: i64,
}

/// A session and user, with an optional membership (all its columns nullable).
#[derive(sqlx::FromRow)]
pub(super) struct SessionMembershipRow {
    #[sqlx(flatten)]
    pub su: SessionUserRow,
    pub p_id: Option<Id>,
    pub p_slug: Option<String>,
    pub p_name: Option<String>,
    pub p_aim: Option<String>,
    pub p_description: Option<String>,
    pub p_created_at: Option<i64>,
    pub p_version: Option<i64>,
    pub p_time_zone: Option<String>,
    pub m_id: Option<Id>,
    pub m_organisation_id: Option<Id>,
    pub m_role: Option<String>,
    pub m_joined_at: Option<i64>,
}

impl SessionMembershipRow {
    pub fn split(self) -> Result<super::SessionLookup, sqlx::Error> {
        let membership = match (self.p_id, self.m_id) {
            (Some(pid), Some(mid)) => {
                let role_text = self.m_role.unwrap_or_default();
                let role = Role::parse(&role_text)
                    .ok_or_else(|| sqlx::Error::Decode(format!("bad role {role_text:?}").into()))?;
                Some((
                    Partnership {
                        id: pid,
                        slug: self.p_slug.unwrap_or_default(),
                        name: self.p_name.unwrap_or_default(),
                        aim: self.p_aim.unwrap_or_default(),
                        description: self.p_description.unwrap_or_default(),
                        created_at: self.p_created_at.unwrap_or_default(),
                        version: self.p_version.unwrap_or_default(),
                        time_zone: self.p_time_zone.unwrap_or_default(),
                    },
                    Membership {
                        id: mid,
                        partnership_id: pid,
                        user_id: self.su.user.id,
                        organisation_id: self.m_organisation_id.unwrap_or_default(),
                        role,
                        joined_at: self.m_joined_at.unwrap_or_default(),
                    },
                ))
            }
            _ => None,
        };
        let session = Session {
            user_id: self.su.s_user_id,
            created_at: self.su.s_created_at,
            last_seen_at: self.su.s_last_seen_at,
        };
        Ok((session, self.su.user, membership))
    }
}

impl Store {
    /// Record a new session for a signed-in browser.
    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: Id,
        now: Timestamp,
    ) -> DbResult<()> {
        access_writer!(self, |w| {
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at)
                 VALUES ($1, $2, $3, $3)",
            )
            .bind(token_hash)
            .bind(user_id)
            .bind(now)
            .execute(w)
            .await
            .map(|_| ())
        })
    }

    /// The session and its (enabled) user, if the session exists.
    pub async fn session_user(&self, token_hash: &str) -> DbResult<Option<(Session, User)>> {
        let key = (token_hash.to_string(), None);
        if let Some((s, u, _)) = self.cache.get(&key) {
            return Ok(Some((s, u)));
        }
        let generation = self.cache.generation();
        let found = reader!(self, |r| {
            let row: Option<SessionUserRow> = sqlx::query_as(
                "SELECT u.id, u.email, u.display_name, u.password_hash, u.is_admin,
                     u.disabled, u.created_at,
                        s.user_id AS s_user_id, s.created_at AS s_created_at,
                            s.last_seen_at AS s_last_seen_at
                 FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = $1 AND NOT u.disabled",
            )
            .bind(token_hash)
            .fetch_optional(r)
            .await?;
            DbResult::Ok(row.map(|r| {
                (
                    Session {
                        user_id: r.s_user_id,
                        created_at: r.s_created_at,
                        last_seen_at: r.s_last_seen_at,
                    },
                    r.user,
                    None,
                )
            }))
        })?;
        if let Some(v) = &found {
            self.cache.put(key, generation, v);
        }
        Ok(found.map(|(s, u, _)| (s, u)))
    }

    /// Like [`Store::session_user`], and in the same query the user's membership of the
    /// partnership with `slug` (`None` when it is missing or they are not a member).
    pub async fn session_user_membership(
        &self,
        token_hash: &str,
        slug: &str,
    ) -> DbResult<Option<SessionLookup>> {
        let key = (token_hash.to_string(), Some(slug.to_string()));
        if let Some(v) = self.cache.get(&key) {
            return Ok(Some(v));
        }
        let generation = self.cache.generation();
        let found = reader!(self, |r| {
            // The partnership only joins through a membership, so "missing" and "not
            // yours" come back the same way, from the same query.
            let row: Option<SessionMembershipRow> = sqlx::query_as(
                "SELECT u.id, u.email, u.display_name, u.password_hash, u.is_admin,
                     u.disabled, u.created_at,
                        s.user_id AS s_user_id, s.created_at AS s_created_at,
                            s.last_seen_at AS s_last_seen_at,
                        pm.p_id, pm.p_slug, pm.p_name, pm.p_aim, pm.p_description,
                            pm.p_created_at, pm.p_version, pm.p_time_zone,
                        pm.m_id, pm.m_organisation_id, pm.m_role, pm.m_joined_at
                 FROM sessions s
                 JOIN users u ON u.id = s.user_id
                 LEFT JOIN (
                    SELECT p.id AS p_id, p.slug AS p_slug, p.name AS p_name, p.aim AS p_aim,
                           p.description AS p_description, p.created_at AS p_created_at,
                               p.version AS p_version, p.time_zone AS p_time_zone,
                           m.id AS m_id, m.user_id AS m_user_id,
                               m.organisation_id AS m_organisation_id,
                           m.role AS m_role, m.joined_at AS m_joined_at
                    FROM partnerships p JOIN memberships m ON m.partnership_id = p.id
                    WHERE p.slug = $2
                 ) pm ON pm.m_user_id = u.id
                 WHERE s.token_hash = $1 AND NOT u.disabled",
            )
            .bind(token_hash)
            .bind(slug)
            .fetch_optional(r)
            .await?;
            row.map(SessionMembershipRow::split).transpose()
        })?;
        if let Some(v) = &found {
            self.cache.put(key, generation, v);
        }
        Ok(found)
    }

    /// Note that the session was just used.
    pub async fn touch_session(&self, token_hash: &str, now: Timestamp) -> DbResult<()> {
        unseen_writer!(self, |w| {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
                .bind(now)
                .bind(token_hash)
                .execute(w)
                .await
                .map(|_| ())
        })?;
        self.cache.touched(token_hash, now);
        Ok(())
    }

    /// End one session.
    pub async fn delete_session(&self, token_hash: &str) -> DbResult<()> {
        access_writer!(self, |w| {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(w)
                .await
                .map(|_| ())
        })
    }

    /// Remove sessions that can no longer be used.
    pub async fn delete_expired_sessions(
        &self,
        idle_before: Timestamp,
        created_before: Timestamp,
    ) -> DbResult<u64> {
        access_writer!(self, |w| {
            sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2")
                .bind(idle_before)
                .bind(created_before)
                .execute(w)
                .await
                .map(|r| r.rows_affected())
        })
    }

    /// Failed sign-ins for `key` since `since`.
    pub async fn count_failures(&self, key: &str, since: Timestamp) -> DbResult<i64> {
        reader!(self, |r| {
            sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE key = $1 AND at >= $2")
                .bind(key)
                .bind(since)
                .fetch_one(r)
                .await
        })
    }

    /// Record a failed sign-in against each key.
    pub async fn record_failure(&self, keys: &[String], now: Timestamp) -> DbResult<()> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            for key in keys {
                sqlx::query("INSERT INTO login_failures (key, at) VALUES ($1, $2)")
                    .bind(key)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await
        })
    }

    /// Forget failures for `key` (after a successful sign-in).
    pub async fn clear_failures(&self, key: &str) -> DbResult<()> {
        writer!(self, |w| {
            sqlx::query("DELETE FROM login_failures WHERE key = $1")
                .bind(key)
                .execute(w)
                .await
                .map(|_| ())
        })
    }

    /// Take one attempt against every `(key, limit)` if each key has fewer than
    /// `limit` attempts since `since`, all at once; otherwise take none. Atomic: each
    /// key's row in `sign_in_locks` is locked first (in key order), so parallel
    /// attempts for a key queue and at most `limit` are ever taken in a window.
    /// Returns whether the attempt was taken.
    pub async fn take_attempt(
        &self,
        attempt: &str,
        limits: &[(String, i64)],
        now: Timestamp,
        since: Timestamp,
    ) -> DbResult<bool> {
        writer!(self, |w| {
            let mut sorted: Vec<&(String, i64)> = limits.iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
            let mut tx = w.begin().await?;
            for (key, _) in &sorted {
                // Takes PostgreSQL's row lock (SQLite's write lock) until commit.
                sqlx::query(
                    "INSERT INTO sign_in_locks (key, at) VALUES ($1, $2)
                     ON CONFLICT (key) DO UPDATE SET at = excluded.at",
                )
                .bind(key)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            for (key, limit) in &sorted {
                let n: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*)
                     FROM login_failures
                     WHERE key = $1 AND at >= $2",
                )
                .bind(key)
                .bind(since)
                .fetch_one(&mut *tx)
                .await?;
                if n >= *limit {
                    tx.commit().await?;
                    return Ok(false);
                }
            }
            for (key, _) in &sorted {
                sqlx::query("INSERT INTO login_failures (key, at, attempt) VALUES ($1, $2, $3)")
                    .bind(key)
                    .bind(now)
                    .bind(attempt)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Forget one recorded attempt (it was refused unchecked, or it succeeded).
    pub async fn forget_attempt(&self, attempt: &str) -> DbResult<()> {
        writer!(self, |w| {
            sqlx::query("DELETE FROM login_failures WHERE attempt = $1")
                .bind(attempt)
                .execute(w)
                .await
                .map(|_| ())
        })
    }

    /// Remove sign-in attempts (and their lock rows) older than `before`: housekeeping,
    /// off the sign-in path. Returns how many attempts went.
    pub async fn delete_old_attempts(&self, before: Timestamp) -> DbResult<u64> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            let n = sqlx::query("DELETE FROM login_failures WHERE at < $1")
                .bind(before)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            sqlx::query("DELETE FROM sign_in_locks WHERE at < $1")
                .bind(before)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(n)
        })
    }
}
