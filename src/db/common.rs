//! The SQL both engines share, compiled once per concrete driver by
//! [`database_impl!`]. Every query here must run unchanged on SQLite and PostgreSQL:
//! `$N` placeholders, BIGINT ids and times, TEXT, BOOLEAN, `RETURNING`, `ON CONFLICT`.
//!
//! Every transaction that changes a partnership's organisations or members starts with
//! `lock_partnership`, which bumps `partnerships.version`. The write takes PostgreSQL's
//! row lock and SQLite's write lock, so two requests cannot both pass a check such as
//! "at least one lead remains", and the new version tells every node that its cached
//! lists for that partnership are stale.

use crate::domain::model::*;
use crate::domain::roles::Role;

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

/// A membership joined with its partnership.
#[derive(sqlx::FromRow)]
pub(super) struct MembershipRow {
    #[sqlx(flatten)]
    pub partnership: Partnership,
    pub m_id: Id,
    pub m_user_id: Id,
    pub m_organisation_id: Id,
    pub m_role: String,
    pub m_joined_at: i64,
}

macro_rules! database_impl {
    ($ty:ty, $engine:expr) => {
        #[async_trait::async_trait]
        impl $crate::db::Database for $ty {
            fn engine(&self) -> $crate::db::Engine {
                $engine
            }

            fn talk(&self) -> &dyn $crate::db::talk::TalkStore {
                self
            }

            fn stock(&self) -> &dyn $crate::db::stock::StockStore {
                self
            }

            async fn migrate(&self) -> anyhow::Result<()> {
                self.run_migrations().await
            }

            async fn announce_change(&self) -> DbResult<()> {
                self.announce().await
            }

            fn watch_changes(&self, signal: std::sync::Arc<super::cached::ChangeSignal>) {
                self.watch(signal)
            }

            async fn ping(&self) -> DbResult<()> {
                sqlx::query("SELECT 1").execute(&self.r).await.map(|_| ())
            }

            async fn backup(&self, path: &std::path::Path) -> anyhow::Result<()> {
                self.backup_to(path).await
            }

            async fn count_admins(&self) -> DbResult<i64> {
                sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE is_admin AND NOT disabled")
                    .fetch_one(&self.r)
                    .await
            }

            async fn create_user(&self, new: &NewUser, now: Timestamp) -> DbResult<CreateUser> {
                let r = sqlx::query_as::<_, User>(
                    "INSERT INTO users (email, display_name, password_hash, is_admin, disabled, created_at)
                     VALUES ($1, $2, $3, $4, FALSE, $5)
                     RETURNING id, email, display_name, password_hash, is_admin, disabled, created_at",
                )
                .bind(&new.email)
                .bind(&new.display_name)
                .bind(&new.password_hash)
                .bind(new.is_admin)
                .bind(now)
                .fetch_one(&self.w)
                .await;
                match r {
                    Ok(u) => Ok(CreateUser::Created(u)),
                    Err(e) if is_unique_violation(&e) => Ok(CreateUser::EmailTaken),
                    Err(e) => Err(e),
                }
            }

            async fn user_by_id(&self, id: Id) -> DbResult<Option<User>> {
                sqlx::query_as("SELECT id, email, display_name, password_hash, is_admin, disabled, created_at FROM users WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.r)
                    .await
            }

            async fn user_by_email(&self, email: &str) -> DbResult<Option<User>> {
                sqlx::query_as("SELECT id, email, display_name, password_hash, is_admin, disabled, created_at FROM users WHERE email = $1")
                    .bind(email)
                    .fetch_optional(&self.r)
                    .await
            }

            async fn list_users(&self) -> DbResult<Vec<User>> {
                sqlx::query_as("SELECT id, email, display_name, password_hash, is_admin, disabled, created_at FROM users ORDER BY lower(display_name), id")
                    .fetch_all(&self.r)
                    .await
            }

            async fn set_display_name(&self, user_id: Id, name: &str) -> DbResult<()> {
                let mut tx = self.w.begin().await?;
                sqlx::query("UPDATE users SET display_name = $1 WHERE id = $2")
                    .bind(name)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                // Member lists show the name, so every partnership they are in has changed.
                sqlx::query("UPDATE partnerships SET version = version + 1 WHERE id IN (SELECT partnership_id FROM memberships WHERE user_id = $1)")
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await
            }

            async fn set_password(&self, user_id: Id, hash: &str, keep_session: Option<&str>) -> DbResult<()> {
                let mut tx = self.w.begin().await?;
                sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                    .bind(hash)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
                    .bind(user_id)
                    .bind(keep_session.unwrap_or(""))
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await
            }

            async fn set_disabled(&self, user_id: Id, disabled: bool) -> DbResult<()> {
                let mut tx = self.w.begin().await?;
                sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
                    .bind(disabled)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                if disabled {
                    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                        .bind(user_id)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await
            }

            async fn create_session(&self, token_hash: &str, user_id: Id, now: Timestamp) -> DbResult<()> {
                sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at) VALUES ($1, $2, $3, $3)")
                    .bind(token_hash)
                    .bind(user_id)
                    .bind(now)
                    .execute(&self.w)
                    .await
                    .map(|_| ())
            }

            async fn session_user(&self, token_hash: &str) -> DbResult<Option<(Session, User)>> {
                let row: Option<SessionUserRow> = sqlx::query_as(
                    "SELECT u.id, u.email, u.display_name, u.password_hash, u.is_admin, u.disabled, u.created_at,
                            s.user_id AS s_user_id, s.created_at AS s_created_at, s.last_seen_at AS s_last_seen_at
                     FROM sessions s JOIN users u ON u.id = s.user_id
                     WHERE s.token_hash = $1 AND NOT u.disabled",
                )
                .bind(token_hash)
                .fetch_optional(&self.r)
                .await?;
                Ok(row.map(|r| {
                    (
                        Session { user_id: r.s_user_id, created_at: r.s_created_at, last_seen_at: r.s_last_seen_at },
                        r.user,
                    )
                }))
            }

            async fn session_user_membership(&self, token_hash: &str, slug: &str) -> DbResult<Option<SessionLookup>> {
                // The partnership only joins through a membership, so "missing" and "not
                // yours" come back the same way, from the same query.
                let row: Option<SessionMembershipRow> = sqlx::query_as(
                    "SELECT u.id, u.email, u.display_name, u.password_hash, u.is_admin, u.disabled, u.created_at,
                            s.user_id AS s_user_id, s.created_at AS s_created_at, s.last_seen_at AS s_last_seen_at,
                            pm.p_id, pm.p_slug, pm.p_name, pm.p_aim, pm.p_description, pm.p_created_at, pm.p_version, pm.p_time_zone,
                            pm.m_id, pm.m_organisation_id, pm.m_role, pm.m_joined_at
                     FROM sessions s
                     JOIN users u ON u.id = s.user_id
                     LEFT JOIN (
                        SELECT p.id AS p_id, p.slug AS p_slug, p.name AS p_name, p.aim AS p_aim,
                               p.description AS p_description, p.created_at AS p_created_at, p.version AS p_version, p.time_zone AS p_time_zone,
                               m.id AS m_id, m.user_id AS m_user_id, m.organisation_id AS m_organisation_id,
                               m.role AS m_role, m.joined_at AS m_joined_at
                        FROM partnerships p JOIN memberships m ON m.partnership_id = p.id
                        WHERE p.slug = $2
                     ) pm ON pm.m_user_id = u.id
                     WHERE s.token_hash = $1 AND NOT u.disabled",
                )
                .bind(token_hash)
                .bind(slug)
                .fetch_optional(&self.r)
                .await?;
                row.map(SessionMembershipRow::split).transpose()
            }

            async fn touch_session(&self, token_hash: &str, now: Timestamp) -> DbResult<()> {
                sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
                    .bind(now)
                    .bind(token_hash)
                    .execute(&self.w)
                    .await
                    .map(|_| ())
            }

            async fn delete_session(&self, token_hash: &str) -> DbResult<()> {
                sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                    .bind(token_hash)
                    .execute(&self.w)
                    .await
                    .map(|_| ())
            }

            async fn delete_expired_sessions(&self, idle_before: Timestamp, created_before: Timestamp) -> DbResult<u64> {
                sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2")
                    .bind(idle_before)
                    .bind(created_before)
                    .execute(&self.w)
                    .await
                    .map(|r| r.rows_affected())
            }

            async fn create_token(&self, token_hash: &str, kind: TokenKind, user_id: Option<Id>, now: Timestamp, expires_at: Timestamp) -> DbResult<()> {
                sqlx::query("INSERT INTO one_time_tokens (token_hash, kind, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(token_hash)
                    .bind(kind.as_str())
                    .bind(user_id)
                    .bind(now)
                    .bind(expires_at)
                    .execute(&self.w)
                    .await
                    .map(|_| ())
            }

            async fn find_token(&self, token_hash: &str, kind: TokenKind, now: Timestamp) -> DbResult<Option<OneTimeToken>> {
                sqlx::query_as(
                    "SELECT user_id, expires_at FROM one_time_tokens
                     WHERE token_hash = $1 AND kind = $2 AND used_at IS NULL AND expires_at > $3",
                )
                .bind(token_hash)
                .bind(kind.as_str())
                .bind(now)
                .fetch_optional(&self.r)
                .await
            }

            async fn complete_setup(&self, token_hash: &str, admin: &NewUser, now: Timestamp) -> DbResult<Setup> {
                let mut tx = self.w.begin().await?;
                let used = sqlx::query(
                    "UPDATE one_time_tokens SET used_at = $1
                     WHERE token_hash = $2 AND kind = 'setup' AND used_at IS NULL AND expires_at > $1",
                )
                .bind(now)
                .bind(token_hash)
                .execute(&mut *tx)
                .await?;
                if used.rows_affected() != 1 {
                    return Ok(Setup::LinkNotValid);
                }
                let admins: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE is_admin AND NOT disabled")
                    .fetch_one(&mut *tx)
                    .await?;
                if admins > 0 {
                    return Ok(Setup::LinkNotValid);
                }
                let r = sqlx::query_as::<_, User>(
                    "INSERT INTO users (email, display_name, password_hash, is_admin, disabled, created_at)
                     VALUES ($1, $2, $3, TRUE, FALSE, $4)
                     RETURNING id, email, display_name, password_hash, is_admin, disabled, created_at",
                )
                .bind(&admin.email)
                .bind(&admin.display_name)
                .bind(&admin.password_hash)
                .bind(now)
                .fetch_one(&mut *tx)
                .await;
                let user = match r {
                    Ok(u) => u,
                    Err(e) if is_unique_violation(&e) => return Ok(Setup::EmailTaken),
                    Err(e) => return Err(e),
                };
                // Every other set-up link dies with this one.
                sqlx::query("UPDATE one_time_tokens SET used_at = $1 WHERE kind = 'setup' AND used_at IS NULL")
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(Setup::Created(user))
            }

            async fn complete_reset(&self, token_hash: &str, new_hash: &str, now: Timestamp) -> DbResult<Option<Id>> {
                let mut tx = self.w.begin().await?;
                let user_id: Option<Option<Id>> = sqlx::query_scalar(
                    "UPDATE one_time_tokens SET used_at = $1
                     WHERE token_hash = $2 AND kind = 'reset' AND used_at IS NULL AND expires_at > $1
                     RETURNING user_id",
                )
                .bind(now)
                .bind(token_hash)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(Some(user_id)) = user_id else {
                    return Ok(None);
                };
                sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                    .bind(new_hash)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(Some(user_id))
            }

            async fn count_failures(&self, key: &str, since: Timestamp) -> DbResult<i64> {
                sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE key = $1 AND at >= $2")
                    .bind(key)
                    .bind(since)
                    .fetch_one(&self.r)
                    .await
            }

            async fn record_failure(&self, keys: &[String], now: Timestamp) -> DbResult<()> {
                let mut tx = self.w.begin().await?;
                for key in keys {
                    sqlx::query("INSERT INTO login_failures (key, at) VALUES ($1, $2)")
                        .bind(key)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await
            }

            async fn clear_failures(&self, key: &str) -> DbResult<()> {
                sqlx::query("DELETE FROM login_failures WHERE key = $1")
                    .bind(key)
                    .execute(&self.w)
                    .await
                    .map(|_| ())
            }

            async fn take_attempt(&self, attempt: &str, limits: &[(String, i64)], now: Timestamp, since: Timestamp) -> DbResult<bool> {
                let mut sorted: Vec<&(String, i64)> = limits.iter().collect();
                sorted.sort_by(|a, b| a.0.cmp(&b.0));
                let mut tx = self.w.begin().await?;
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
                    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE key = $1 AND at >= $2")
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
            }

            async fn delete_old_attempts(&self, before: Timestamp) -> DbResult<u64> {
                let mut tx = self.w.begin().await?;
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
            }

            async fn forget_attempt(&self, attempt: &str) -> DbResult<()> {
                sqlx::query("DELETE FROM login_failures WHERE attempt = $1")
                    .bind(attempt)
                    .execute(&self.w)
                    .await
                    .map(|_| ())
            }

            async fn create_partnership(&self, new: &NewPartnership, creator: Id, now: Timestamp) -> DbResult<CreatePartnership> {
                let mut tx = self.w.begin().await?;
                let r = sqlx::query_as::<_, Partnership>(
                    "INSERT INTO partnerships (slug, name, aim, description, created_by, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $6)
                     RETURNING id, slug, name, aim, description, created_at, version, time_zone",
                )
                .bind(&new.slug)
                .bind(&new.name)
                .bind(&new.aim)
                .bind(&new.description)
                .bind(creator)
                .bind(now)
                .fetch_one(&mut *tx)
                .await;
                let p = match r {
                    Ok(p) => p,
                    Err(e) if is_unique_violation(&e) => return Ok(CreatePartnership::SlugTaken),
                    Err(e) => return Err(e),
                };
                let org_id: Id = sqlx::query_scalar(
                    "INSERT INTO organisations (partnership_id, name, kind, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(p.id)
                .bind(&new.organisation_name)
                .bind(&new.organisation_kind)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO memberships (partnership_id, user_id, organisation_id, role, joined_at) VALUES ($1, $2, $3, 'lead', $4)",
                )
                .bind(p.id)
                .bind(creator)
                .bind(org_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(CreatePartnership::Created(p))
            }

            async fn membership(&self, slug: &str, user_id: Id) -> DbResult<Option<(Partnership, Membership)>> {
                let row: Option<MembershipRow> = sqlx::query_as(
                    "SELECT p.id, p.slug, p.name, p.aim, p.description, p.created_at, p.version, p.time_zone,
                            m.id AS m_id, m.user_id AS m_user_id, m.organisation_id AS m_organisation_id,
                            m.role AS m_role, m.joined_at AS m_joined_at
                     FROM partnerships p JOIN memberships m ON m.partnership_id = p.id AND m.user_id = $2
                     WHERE p.slug = $1",
                )
                .bind(slug)
                .bind(user_id)
                .fetch_optional(&self.r)
                .await?;
                let Some(r) = row else { return Ok(None) };
                let role = Role::parse(&r.m_role).ok_or_else(|| sqlx::Error::Decode(format!("bad role {:?}", r.m_role).into()))?;
                let m = Membership {
                    id: r.m_id,
                    partnership_id: r.partnership.id,
                    user_id: r.m_user_id,
                    organisation_id: r.m_organisation_id,
                    role,
                    joined_at: r.m_joined_at,
                };
                Ok(Some((r.partnership, m)))
            }

            async fn partnership_id_by_slug(&self, slug: &str) -> DbResult<Option<Id>> {
                sqlx::query_scalar("SELECT id FROM partnerships WHERE slug = $1").bind(slug).fetch_optional(&self.r).await
            }

            async fn my_partnerships(&self, user_id: Id) -> DbResult<Vec<MyPartnership>> {
                sqlx::query_as(
                    "SELECT p.slug, p.name, p.aim, m.role, o.name AS organisation_name,
                            (SELECT COUNT(*) FROM memberships x WHERE x.partnership_id = p.id) AS member_count
                     FROM memberships m
                     JOIN partnerships p ON p.id = m.partnership_id
                     JOIN organisations o ON o.id = m.organisation_id
                     WHERE m.user_id = $1
                     ORDER BY lower(p.name), p.id",
                )
                .bind(user_id)
                .fetch_all(&self.r)
                .await
            }

            async fn update_partnership(&self, id: Id, name: &str, aim: &str, description: &str, time_zone: &str, now: Timestamp) -> DbResult<()> {
                sqlx::query("UPDATE partnerships SET name = $1, aim = $2, description = $3, time_zone = $4, updated_at = $5 WHERE id = $6")
                    .bind(name)
                    .bind(aim)
                    .bind(description)
                    .bind(time_zone)
                    .bind(now)
                    .bind(id)
                    .execute(&self.w)
                    .await
                    .map(|_| ())
            }

            async fn organisations(&self, partnership_id: Id) -> DbResult<Vec<Organisation>> {
                sqlx::query_as(
                    "SELECT o.id, o.partnership_id, o.name, o.kind,
                            (SELECT COUNT(*) FROM memberships m WHERE m.organisation_id = o.id) AS member_count
                     FROM organisations o WHERE o.partnership_id = $1
                     ORDER BY lower(o.name), o.id",
                )
                .bind(partnership_id)
                .fetch_all(&self.r)
                .await
            }

            async fn add_organisation(&self, partnership_id: Id, name: &str, kind: &str, now: Timestamp) -> DbResult<Option<Id>> {
                let mut tx = self.w.begin().await?;
                lock_partnership(&mut tx, partnership_id).await?;
                let r = sqlx::query_scalar(
                    "INSERT INTO organisations (partnership_id, name, kind, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(partnership_id)
                .bind(name)
                .bind(kind)
                .bind(now)
                .fetch_one(&mut *tx)
                .await;
                match r {
                    Ok(id) => {
                        tx.commit().await?;
                        Ok(Some(id))
                    }
                    Err(e) if is_unique_violation(&e) => Ok(None),
                    Err(e) => Err(e),
                }
            }

            async fn remove_organisation(&self, partnership_id: Id, organisation_id: Id) -> DbResult<RemoveOrganisation> {
                let mut tx = self.w.begin().await?;
                lock_partnership(&mut tx, partnership_id).await?;
                let found = sqlx::query("SELECT id FROM organisations WHERE id = $1 AND partnership_id = $2")
                    .bind(organisation_id)
                    .bind(partnership_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                if found.is_none() {
                    return Ok(RemoveOrganisation::NotFound);
                }
                let in_use: i64 = sqlx::query_scalar(
                    "SELECT (SELECT COUNT(*) FROM memberships WHERE organisation_id = $1)
                          + (SELECT COUNT(*) FROM invites WHERE organisation_id = $1 AND used_at IS NULL AND revoked_at IS NULL)",
                )
                .bind(organisation_id)
                .fetch_one(&mut *tx)
                .await?;
                if in_use > 0 {
                    return Ok(RemoveOrganisation::InUse);
                }
                // Old, finished invitations only point at it for the record.
                sqlx::query("DELETE FROM invites WHERE organisation_id = $1")
                    .bind(organisation_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM organisations WHERE id = $1")
                    .bind(organisation_id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(RemoveOrganisation::Removed)
            }

            async fn members(&self, partnership_id: Id) -> DbResult<Vec<Member>> {
                sqlx::query_as(
                    "SELECT m.id, m.user_id, u.display_name, u.email, m.organisation_id, o.name AS organisation_name,
                            m.role, m.joined_at
                     FROM memberships m
                     JOIN users u ON u.id = m.user_id
                     JOIN organisations o ON o.id = m.organisation_id
                     WHERE m.partnership_id = $1
                     ORDER BY lower(o.name), o.id, lower(u.display_name), m.id",
                )
                .bind(partnership_id)
                .fetch_all(&self.r)
                .await
            }

            async fn update_member(&self, partnership_id: Id, membership_id: Id, role: Role, organisation_id: Id) -> DbResult<MemberChange> {
                let mut tx = self.w.begin().await?;
                lock_partnership(&mut tx, partnership_id).await?;
                let org_ok: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM organisations WHERE id = $1 AND partnership_id = $2")
                    .bind(organisation_id)
                    .bind(partnership_id)
                    .fetch_one(&mut *tx)
                    .await?;
                if org_ok == 0 {
                    return Ok(MemberChange::NotFound);
                }
                let changed = sqlx::query("UPDATE memberships SET role = $1, organisation_id = $2 WHERE id = $3 AND partnership_id = $4")
                    .bind(role.as_str())
                    .bind(organisation_id)
                    .bind(membership_id)
                    .bind(partnership_id)
                    .execute(&mut *tx)
                    .await?;
                if changed.rows_affected() == 0 {
                    return Ok(MemberChange::NotFound);
                }
                if count_leads(&mut tx, partnership_id).await? == 0 {
                    return Ok(MemberChange::LastLead); // dropping tx rolls back
                }
                tx.commit().await?;
                Ok(MemberChange::Done)
            }

            async fn remove_member(&self, partnership_id: Id, membership_id: Id) -> DbResult<MemberChange> {
                let mut tx = self.w.begin().await?;
                lock_partnership(&mut tx, partnership_id).await?;
                let gone = sqlx::query("DELETE FROM memberships WHERE id = $1 AND partnership_id = $2")
                    .bind(membership_id)
                    .bind(partnership_id)
                    .execute(&mut *tx)
                    .await?;
                if gone.rows_affected() == 0 {
                    return Ok(MemberChange::NotFound);
                }
                if count_leads(&mut tx, partnership_id).await? == 0 {
                    return Ok(MemberChange::LastLead);
                }
                tx.commit().await?;
                Ok(MemberChange::Done)
            }

            async fn create_invite(&self, new: &NewInvite, now: Timestamp) -> DbResult<Id> {
                sqlx::query_scalar(
                    "INSERT INTO invites (partnership_id, token_hash, organisation_id, role, note, created_by, created_at, expires_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(new.partnership_id)
                .bind(&new.token_hash)
                .bind(new.organisation_id)
                .bind(new.role.as_str())
                .bind(&new.note)
                .bind(new.created_by)
                .bind(now)
                .bind(new.expires_at)
                .fetch_one(&self.w)
                .await
            }

            async fn open_invites(&self, partnership_id: Id, now: Timestamp) -> DbResult<Vec<Invite>> {
                sqlx::query_as(
                    "SELECT i.id, i.partnership_id, p.name AS partnership_name, p.slug AS partnership_slug,
                            i.organisation_id, o.name AS organisation_name, i.role, i.note,
                            COALESCE(u.display_name, 'a former member') AS created_by_name,
                            i.created_at, i.expires_at, i.used_at, i.revoked_at
                     FROM invites i
                     JOIN partnerships p ON p.id = i.partnership_id
                     JOIN organisations o ON o.id = i.organisation_id
                     LEFT JOIN users u ON u.id = i.created_by
                     WHERE i.partnership_id = $1 AND i.used_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > $2
                     ORDER BY i.created_at DESC, i.id DESC",
                )
                .bind(partnership_id)
                .bind(now)
                .fetch_all(&self.r)
                .await
            }

            async fn revoke_invite(&self, partnership_id: Id, invite_id: Id, now: Timestamp) -> DbResult<bool> {
                sqlx::query(
                    "UPDATE invites SET revoked_at = $1
                     WHERE id = $2 AND partnership_id = $3 AND used_at IS NULL AND revoked_at IS NULL",
                )
                .bind(now)
                .bind(invite_id)
                .bind(partnership_id)
                .execute(&self.w)
                .await
                .map(|r| r.rows_affected() == 1)
            }

            async fn invite_by_token(&self, token_hash: &str) -> DbResult<Option<Invite>> {
                sqlx::query_as(
                    "SELECT i.id, i.partnership_id, p.name AS partnership_name, p.slug AS partnership_slug,
                            i.organisation_id, o.name AS organisation_name, i.role, i.note,
                            COALESCE(u.display_name, 'a former member') AS created_by_name,
                            i.created_at, i.expires_at, i.used_at, i.revoked_at
                     FROM invites i
                     JOIN partnerships p ON p.id = i.partnership_id
                     JOIN organisations o ON o.id = i.organisation_id
                     LEFT JOIN users u ON u.id = i.created_by
                     WHERE i.token_hash = $1",
                )
                .bind(token_hash)
                .fetch_optional(&self.r)
                .await
            }

            async fn accept_invite(&self, token_hash: &str, joiner: &Joiner, now: Timestamp) -> DbResult<AcceptInvite> {
                let mut tx = self.w.begin().await?;
                // Claim the invitation first: only one request can flip used_at.
                let claimed: Option<(Id, Id, String)> = sqlx::query_as(
                    "UPDATE invites SET used_at = $1
                     WHERE token_hash = $2 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $1
                     RETURNING partnership_id, organisation_id, role",
                )
                .bind(now)
                .bind(token_hash)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((pid, org_id, role)) = claimed else {
                    return Ok(AcceptInvite::NotValid);
                };
                lock_partnership(&mut tx, pid).await?;
                let slug: String = sqlx::query_scalar("SELECT slug FROM partnerships WHERE id = $1")
                    .bind(pid)
                    .fetch_one(&mut *tx)
                    .await?;
                let user_id = match joiner {
                    Joiner::Existing(id) => {
                        let already: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE partnership_id = $1 AND user_id = $2")
                            .bind(pid)
                            .bind(id)
                            .fetch_one(&mut *tx)
                            .await?;
                        if already > 0 {
                            // Leave the invitation unused for whoever it was really for.
                            return Ok(AcceptInvite::AlreadyMember { slug });
                        }
                        *id
                    }
                    Joiner::New(new) => {
                        let r = sqlx::query_scalar(
                            "INSERT INTO users (email, display_name, password_hash, is_admin, disabled, created_at)
                             VALUES ($1, $2, $3, FALSE, FALSE, $4) RETURNING id",
                        )
                        .bind(&new.email)
                        .bind(&new.display_name)
                        .bind(&new.password_hash)
                        .bind(now)
                        .fetch_one(&mut *tx)
                        .await;
                        match r {
                            Ok(id) => id,
                            Err(e) if is_unique_violation(&e) => return Ok(AcceptInvite::EmailTaken),
                            Err(e) => return Err(e),
                        }
                    }
                };
                sqlx::query("UPDATE invites SET used_by = $1 WHERE token_hash = $2")
                    .bind(user_id)
                    .bind(token_hash)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO memberships (partnership_id, user_id, organisation_id, role, joined_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(pid)
                .bind(user_id)
                .bind(org_id)
                .bind(role)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(AcceptInvite::Joined { user_id, slug })
            }
        }

        async fn lock_partnership<'c>(tx: &mut sqlx::Transaction<'c, DB>, partnership_id: Id) -> DbResult<()> {
            sqlx::query("UPDATE partnerships SET version = version + 1 WHERE id = $1")
                .bind(partnership_id)
                .execute(&mut **tx)
                .await
                .map(|_| ())
        }

        async fn count_leads<'c>(tx: &mut sqlx::Transaction<'c, DB>, partnership_id: Id) -> DbResult<i64> {
            sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE partnership_id = $1 AND role = 'lead'")
                .bind(partnership_id)
                .fetch_one(&mut **tx)
                .await
        }
    };
}

pub(super) use database_impl;
