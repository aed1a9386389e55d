//! Storage: one `Database` trait, the only door to the data, with a SQLite and a
//! PostgreSQL implementation chosen at start-up from the URL.
//!
//! Both implementations share their SQL (see `common.rs`): the queries use `$N`
//! placeholders and portable types (BIGINT ids and Unix-second timestamps, TEXT,
//! BOOLEAN), and the same method bodies are compiled once against each concrete sqlx
//! driver. Engine-specific parts (connection set-up, migrations, backup) live in
//! `sqlite.rs` and `postgres.rs`.

pub mod cached;
pub mod cards;
mod common;
pub mod postgres;
pub mod sqlite;
pub mod stock;
pub mod talk;

use std::sync::Arc;

use anyhow::bail;
use async_trait::async_trait;

use crate::domain::Timestamp;
use crate::domain::model::*;
use crate::domain::roles::Role;

/// Which engine a [`Database`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Storage errors are unexpected by definition: expected refusals are outcome enums.
pub type DbResult<T> = Result<T, sqlx::Error>;

/// A session, its user, and (for partnership pages) the user's membership.
pub type SessionLookup = (Session, User, Option<(Partnership, Membership)>);

/// Result of creating an account.
#[derive(Debug)]
pub enum CreateUser {
    Created(User),
    EmailTaken,
}

/// Result of creating the first administrator through the set-up link.
#[derive(Debug)]
pub enum Setup {
    Created(User),
    /// The link was used, expired, or an administrator already exists.
    LinkNotValid,
    EmailTaken,
}

/// Result of creating a partnership.
#[derive(Debug)]
pub enum CreatePartnership {
    Created(Partnership),
    SlugTaken,
}

/// Result of changing a partnership's membership.
#[derive(Debug, PartialEq, Eq)]
pub enum MemberChange {
    Done,
    /// The change would leave the partnership with no lead.
    LastLead,
    NotFound,
}

/// Result of removing an organisation.
#[derive(Debug, PartialEq, Eq)]
pub enum RemoveOrganisation {
    Removed,
    /// People or open invitations still belong to it.
    InUse,
    NotFound,
}

/// Who is accepting an invitation.
#[derive(Debug, Clone)]
pub enum Joiner {
    Existing(Id),
    New(NewUser),
}

/// Result of accepting an invitation.
#[derive(Debug)]
pub enum AcceptInvite {
    Joined {
        user_id: Id,
        slug: String,
    },
    AlreadyMember {
        slug: String,
    },
    /// Used, revoked or expired (or never existed).
    NotValid,
    EmailTaken,
}

/// The one door to storage.
#[async_trait]
pub trait Database: cards::CardStore + Send + Sync + 'static {
    /// Which engine this is.
    fn engine(&self) -> Engine;
    /// Conversations, actions and the activity feed.
    fn talk(&self) -> &dyn talk::TalkStore;
    /// Instrument versions, rounds, answers, paper tallies and checklists.
    fn stock(&self) -> &dyn stock::StockStore;
    /// Apply any migrations not yet applied.
    async fn migrate(&self) -> anyhow::Result<()>;
    /// Is the database reachable?
    async fn ping(&self) -> DbResult<()>;
    /// Tell other nodes that something changed (PostgreSQL: `NOTIFY`; SQLite: nothing,
    /// as one process owns the file).
    async fn announce_change(&self) -> DbResult<()>;
    /// Start hearing about changes other nodes make, reporting them to `signal`.
    fn watch_changes(&self, signal: std::sync::Arc<cached::ChangeSignal>);
    /// Write a consistent copy to `path` (SQLite only; PostgreSQL uses `pg_dump`).
    async fn backup(&self, path: &std::path::Path) -> anyhow::Result<()>;

    // --- accounts
    /// How many enabled site administrators exist.
    async fn count_admins(&self) -> DbResult<i64>;
    /// Create an account; the email must be new.
    async fn create_user(&self, new: &NewUser, now: Timestamp) -> DbResult<CreateUser>;
    /// Look an account up by id.
    async fn user_by_id(&self, id: Id) -> DbResult<Option<User>>;
    /// Look an account up by (lower-case) email.
    async fn user_by_email(&self, email: &str) -> DbResult<Option<User>>;
    /// Every account, for the site administrator.
    async fn list_users(&self) -> DbResult<Vec<User>>;
    /// Change the name other people see.
    async fn set_display_name(&self, user_id: Id, name: &str) -> DbResult<()>;
    /// Replace the password hash and end every session except `keep_session`.
    async fn set_password(
        &self,
        user_id: Id,
        hash: &str,
        keep_session: Option<&str>,
    ) -> DbResult<()>;
    /// Disable (ending every session) or enable an account.
    async fn set_disabled(&self, user_id: Id, disabled: bool) -> DbResult<()>;

    // --- sessions
    /// Record a new session for a signed-in browser.
    async fn create_session(&self, token_hash: &str, user_id: Id, now: Timestamp) -> DbResult<()>;
    /// The session and its (enabled) user, if the session exists.
    async fn session_user(&self, token_hash: &str) -> DbResult<Option<(Session, User)>>;
    /// Like [`Database::session_user`], and in the same query the user's membership of the
    /// partnership with `slug` (`None` when it is missing or they are not a member).
    async fn session_user_membership(
        &self,
        token_hash: &str,
        slug: &str,
    ) -> DbResult<Option<SessionLookup>>;
    /// Note that the session was just used.
    async fn touch_session(&self, token_hash: &str, now: Timestamp) -> DbResult<()>;
    /// End one session.
    async fn delete_session(&self, token_hash: &str) -> DbResult<()>;
    /// Remove sessions that can no longer be used.
    async fn delete_expired_sessions(
        &self,
        idle_before: Timestamp,
        created_before: Timestamp,
    ) -> DbResult<u64>;

    // --- one-time links
    /// Store a new one-time link (only its hash).
    async fn create_token(
        &self,
        token_hash: &str,
        kind: TokenKind,
        user_id: Option<Id>,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> DbResult<()>;
    /// An unused, unexpired link of this kind.
    async fn find_token(
        &self,
        token_hash: &str,
        kind: TokenKind,
        now: Timestamp,
    ) -> DbResult<Option<OneTimeToken>>;
    /// Use a set-up link to create the first administrator, atomically.
    async fn complete_setup(
        &self,
        token_hash: &str,
        admin: &NewUser,
        now: Timestamp,
    ) -> DbResult<Setup>;
    /// Use a reset link to set a new password (ending the user's sessions). Returns the user.
    async fn complete_reset(
        &self,
        token_hash: &str,
        new_hash: &str,
        now: Timestamp,
    ) -> DbResult<Option<Id>>;

    // --- sign-in throttling
    /// Failed sign-ins for `key` since `since`.
    async fn count_failures(&self, key: &str, since: Timestamp) -> DbResult<i64>;
    /// Record a failed sign-in against each key.
    async fn record_failure(&self, keys: &[String], now: Timestamp) -> DbResult<()>;
    /// Forget failures for `key` (after a successful sign-in).
    async fn clear_failures(&self, key: &str) -> DbResult<()>;
    /// Take one attempt against every `(key, limit)` if each key has fewer than
    /// `limit` attempts since `since`, all at once; otherwise take none. Atomic: each
    /// key's row in `sign_in_locks` is locked first (in key order), so parallel
    /// attempts for a key queue and at most `limit` are ever taken in a window.
    /// Returns whether the attempt was taken.
    async fn take_attempt(
        &self,
        attempt: &str,
        limits: &[(String, i64)],
        now: Timestamp,
        since: Timestamp,
    ) -> DbResult<bool>;
    /// Forget one recorded attempt (it was refused unchecked, or it succeeded).
    async fn forget_attempt(&self, attempt: &str) -> DbResult<()>;
    /// Remove sign-in attempts (and their lock rows) older than `before`: housekeeping,
    /// off the sign-in path. Returns how many attempts went.
    async fn delete_old_attempts(&self, before: Timestamp) -> DbResult<u64>;

    // --- partnerships
    /// Create a partnership, its first organisation, and make `creator` its lead.
    async fn create_partnership(
        &self,
        new: &NewPartnership,
        creator: Id,
        now: Timestamp,
    ) -> DbResult<CreatePartnership>;
    /// The partnership with this slug and the user's membership of it — `None` when
    /// either is missing, so outsiders and missing partnerships look the same.
    async fn membership(
        &self,
        slug: &str,
        user_id: Id,
    ) -> DbResult<Option<(Partnership, Membership)>>;
    /// The id of the partnership with this slug (for the command line; no access check).
    async fn partnership_id_by_slug(&self, slug: &str) -> DbResult<Option<Id>>;
    /// Partnerships the user belongs to.
    async fn my_partnerships(&self, user_id: Id) -> DbResult<Vec<MyPartnership>>;
    /// Change name, aim, description and time zone.
    async fn update_partnership(
        &self,
        id: Id,
        name: &str,
        aim: &str,
        description: &str,
        time_zone: &str,
        now: Timestamp,
    ) -> DbResult<()>;

    // --- organisations
    /// Organisations in a partnership, by name, with member counts.
    async fn organisations(&self, partnership_id: Id) -> DbResult<Vec<Organisation>>;
    /// Add an organisation; `None` when the name is already used in this partnership.
    async fn add_organisation(
        &self,
        partnership_id: Id,
        name: &str,
        kind: &str,
        now: Timestamp,
    ) -> DbResult<Option<Id>>;
    /// Remove an organisation nobody belongs to.
    async fn remove_organisation(
        &self,
        partnership_id: Id,
        organisation_id: Id,
    ) -> DbResult<RemoveOrganisation>;

    // --- members
    /// Members of a partnership, by organisation then name.
    async fn members(&self, partnership_id: Id) -> DbResult<Vec<Member>>;
    /// Change a member's role and organisation, keeping at least one lead.
    async fn update_member(
        &self,
        partnership_id: Id,
        membership_id: Id,
        role: Role,
        organisation_id: Id,
    ) -> DbResult<MemberChange>;
    /// Remove a member (or let one leave), keeping at least one lead.
    async fn remove_member(&self, partnership_id: Id, membership_id: Id) -> DbResult<MemberChange>;

    // --- invitations
    /// Store a new invitation.
    async fn create_invite(&self, new: &NewInvite, now: Timestamp) -> DbResult<Id>;
    /// Invitations not yet used, revoked or expired.
    async fn open_invites(&self, partnership_id: Id, now: Timestamp) -> DbResult<Vec<Invite>>;
    /// Revoke an open invitation. Returns whether one was revoked.
    async fn revoke_invite(
        &self,
        partnership_id: Id,
        invite_id: Id,
        now: Timestamp,
    ) -> DbResult<bool>;
    /// The invitation behind a link, whatever its state.
    async fn invite_by_token(&self, token_hash: &str) -> DbResult<Option<Invite>>;
    /// Use an invitation: join an existing account or create one, atomically and once.
    async fn accept_invite(
        &self,
        token_hash: &str,
        joiner: &Joiner,
        now: Timestamp,
    ) -> DbResult<AcceptInvite>;
}

/// Open the database named by `url`: `sqlite:…` or `postgres://…`, behind the
/// session cache of [`cached::CachedDb`].
pub async fn connect(url: &str) -> anyhow::Result<Arc<dyn Database>> {
    let engine: Arc<dyn Database> = if url.starts_with("sqlite:") {
        Arc::new(sqlite::SqliteDb::connect(url).await?)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Arc::new(postgres::PostgresDb::connect(url).await?)
    } else {
        let scheme = url.split(':').next().unwrap_or_default();
        bail!(
            "the database URL must start with sqlite: or postgres:// (it starts with {scheme:?}). \
             Set TANDEM_DATABASE_URL, or leave it empty to use the SQLite file in the data folder"
        )
    };
    Ok(Arc::new(cached::CachedDb::new(engine)))
}

/// How long a password-reset link works.
pub const RESET_LINK_HOURS: i64 = 24;

/// Make a one-time password-reset link for `user_id` (only its hash is stored), for the
/// site administrator's page and the command line alike.
pub async fn make_reset_link(db: &dyn Database, public_url: &str, user_id: Id) -> DbResult<String> {
    let token = crate::security::new_token();
    let t = crate::domain::now();
    db.create_token(
        &crate::security::token_hash(&token),
        TokenKind::PasswordReset,
        Some(user_id),
        t,
        t + RESET_LINK_HOURS * 3600,
    )
    .await?;
    Ok(format!("{public_url}/reset/{token}"))
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}
