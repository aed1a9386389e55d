//! Accounts in storage: users, one-time links (first set-up, password reset) and each
//! person's private calendar link. Everything here that changes an account uses
//! `access_writer!`, as the session cache holds users.

use super::*;
use crate::domain::Timestamp;
use crate::domain::model::*;

/// Result of creating an account.
#[derive(Debug)]
pub enum CreateUser {
    /// The account was made.
    Created(User),
    /// Another account already has that email.
    EmailTaken,
}

/// Result of creating the first administrator through the set-up link.
#[derive(Debug)]
pub enum Setup {
    /// The first administrator was made.
    Created(User),
    /// The link was used, expired, or an administrator already exists.
    LinkNotValid,
    /// Another account already has that email.
    EmailTaken,
}

/// How long a password-reset link works.
pub const RESET_LINK_HOURS: i64 = 24;

impl Store {
    /// Make a one-time password-reset link for `user_id` (only its hash is stored), for
    /// the site administrator's page and the command line alike.
    pub async fn make_reset_link(&self, public_url: &str, user_id: Id) -> DbResult<String> {
        let token = crate::security::new_token();
        let t = crate::domain::now();
        self.create_token(
            &crate::security::token_hash(&token),
            TokenKind::PasswordReset,
            Some(user_id),
            t,
            t + RESET_LINK_HOURS * 3600,
        )
        .await?;
        Ok(format!("{public_url}/reset/{token}"))
    }

    /// How many enabled site administrators exist.
    pub async fn count_admins(&self) -> DbResult<i64> {
        reader!(self, |r| {
            sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE is_admin AND NOT disabled")
                .fetch_one(r)
                .await
        })
    }

    /// Create an account; the email must be new.
    pub async fn create_user(&self, new: &NewUser, now: Timestamp) -> DbResult<CreateUser> {
        access_writer!(self, |w| {
            let r = sqlx::query_as::<_, User>(
                "INSERT INTO users (email, display_name, password_hash, is_admin, disabled,
                     created_at)
                 VALUES ($1, $2, $3, $4, FALSE, $5)
                 RETURNING id, email, display_name, password_hash, is_admin, disabled, created_at",
            )
            .bind(&new.email)
            .bind(&new.display_name)
            .bind(&new.password_hash)
            .bind(new.is_admin)
            .bind(now)
            .fetch_one(w)
            .await;
            match r {
                Ok(u) => Ok(CreateUser::Created(u)),
                Err(e) if is_unique_violation(&e) => Ok(CreateUser::EmailTaken),
                Err(e) => Err(e),
            }
        })
    }

    /// Look an account up by id.
    pub async fn user_by_id(&self, id: Id) -> DbResult<Option<User>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT id, email, display_name, password_hash, is_admin, disabled, created_at
                 FROM users
                 WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(r)
            .await
        })
    }

    /// Look an account up by (lower-case) email.
    pub async fn user_by_email(&self, email: &str) -> DbResult<Option<User>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT id, email, display_name, password_hash, is_admin, disabled, created_at
                 FROM users
                 WHERE email = $1",
            )
            .bind(email)
            .fetch_optional(r)
            .await
        })
    }

    /// Every account, for the site administrator.
    pub async fn list_users(&self) -> DbResult<Vec<User>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT id, email, display_name, password_hash, is_admin, disabled, created_at
                 FROM users
                 ORDER BY lower(display_name), id",
            )
            .fetch_all(r)
            .await
        })
    }

    /// Change the name other people see.
    pub async fn set_display_name(&self, user_id: Id, name: &str) -> DbResult<()> {
        access_writer!(self, |w| {
            let mut tx = w.begin().await?;
            sqlx::query("UPDATE users SET display_name = $1 WHERE id = $2")
                .bind(name)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            // Member lists show the name, so every partnership they are in has changed.
            sqlx::query(
                "UPDATE partnerships
                 SET version = version + 1
                 WHERE id IN (SELECT partnership_id
                 FROM memberships
                 WHERE user_id = $1)",
            )
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await
        })
    }

    /// Replace the password hash and end every session except `keep_session`.
    pub async fn set_password(
        &self,
        user_id: Id,
        hash: &str,
        keep_session: Option<&str>,
    ) -> DbResult<()> {
        access_writer!(self, |w| {
            let mut tx = w.begin().await?;
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
        })
    }

    /// Disable (ending every session) or enable an account.
    pub async fn set_disabled(&self, user_id: Id, disabled: bool) -> DbResult<()> {
        access_writer!(self, |w| {
            let mut tx = w.begin().await?;
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
        })
    }

    /// Store a new one-time link (only its hash).
    pub async fn create_token(
        &self,
        token_hash: &str,
        kind: TokenKind,
        user_id: Option<Id>,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> DbResult<()> {
        writer!(self, |w| {
            sqlx::query(
                "INSERT INTO one_time_tokens (token_hash, kind, user_id, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(token_hash)
            .bind(kind.as_str())
            .bind(user_id)
            .bind(now)
            .bind(expires_at)
            .execute(w)
            .await
            .map(|_| ())
        })
    }

    /// An unused, unexpired link of this kind.
    pub async fn find_token(
        &self,
        token_hash: &str,
        kind: TokenKind,
        now: Timestamp,
    ) -> DbResult<Option<OneTimeToken>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT user_id, expires_at FROM one_time_tokens
                 WHERE token_hash = $1 AND kind = $2 AND used_at IS NULL AND expires_at > $3",
            )
            .bind(token_hash)
            .bind(kind.as_str())
            .bind(now)
            .fetch_optional(r)
            .await
        })
    }

    /// Use a set-up link to create the first administrator, atomically.
    pub async fn complete_setup(
        &self,
        token_hash: &str,
        admin: &NewUser,
        now: Timestamp,
    ) -> DbResult<Setup> {
        access_writer!(self, |w| {
            let mut tx = w.begin().await?;
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
            let admins: i64 = sqlx::query_scalar(
                "SELECT COUNT(*)
                 FROM users
                 WHERE is_admin AND NOT disabled",
            )
            .fetch_one(&mut *tx)
            .await?;
            if admins > 0 {
                return Ok(Setup::LinkNotValid);
            }
            let r = sqlx::query_as::<_, User>(
                "INSERT INTO users (email, display_name, password_hash, is_admin, disabled,
                     created_at)
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
            sqlx::query(
                "UPDATE one_time_tokens
                 SET used_at = $1
                 WHERE kind = 'setup' AND used_at IS NULL",
            )
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Setup::Created(user))
        })
    }

    /// Use a reset link to set a new password (ending the user's sessions). Returns the user.
    pub async fn complete_reset(
        &self,
        token_hash: &str,
        new_hash: &str,
        now: Timestamp,
    ) -> DbResult<Option<Id>> {
        access_writer!(self, |w| {
            let mut tx = w.begin().await?;
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
        })
    }

    /// Give a person a new private calendar link (only its hash is kept), replacing any old one.
    pub async fn set_calendar_token(
        &self,
        user_id: Id,
        token_hash: &str,
        now: Timestamp,
    ) -> DbResult<()> {
        writer!(self, |w| {
            sqlx::query(
                "INSERT INTO calendar_feeds (user_id, token_hash, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT (user_id) DO UPDATE SET token_hash = excluded.token_hash,
                     created_at = excluded.created_at",
            )
            .bind(user_id)
            .bind(token_hash)
            .bind(now)
            .execute(w)
            .await
            .map(|_| ())
        })
    }

    /// Whose calendar link this is.
    pub async fn calendar_owner(&self, token_hash: &str) -> DbResult<Option<Id>> {
        reader!(self, |r| {
            sqlx::query_scalar("SELECT user_id FROM calendar_feeds WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(r)
                .await
        })
    }

    /// Whether a person has a calendar link.
    pub async fn has_calendar(&self, user_id: Id) -> DbResult<bool> {
        reader!(self, |r| {
            let n: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM calendar_feeds WHERE user_id = $1")
                    .bind(user_id)
                    .fetch_one(r)
                    .await?;
            Ok(n > 0)
        })
    }
}
