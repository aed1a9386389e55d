//! The records Tandem keeps, as plain data.

use super::Timestamp;
use super::roles::Role;

/// Database row id.
pub type Id = i64;

/// A person with an account.
#[derive(Clone, sqlx::FromRow)]
pub struct User {
    /// The account's number.
    pub id: Id,
    /// Always stored in lower case.
    pub email: String,
    /// The name other people see.
    pub display_name: String,
    /// The argon2id hash (PHC string). Never printed: see the `Debug` impl.
    pub password_hash: String,
    /// A site administrator.
    pub is_admin: bool,
    /// Turned off by an administrator: cannot sign in.
    pub disabled: bool,
    /// When the account was made.
    pub created_at: Timestamp,
}

/// Everything but the password hash, so that a logged or printed `User` (an error's
/// context, a test failure) never carries it.
impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("display_name", &self.display_name)
            .field("password_hash", &"(hidden)")
            .field("is_admin", &self.is_admin)
            .field("disabled", &self.disabled)
            .field("created_at", &self.created_at)
            .finish()
    }
}

/// A signed-in browser.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Session {
    pub user_id: Id,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
}

/// What a one-time link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Creates the first site administrator.
    Setup,
    /// Lets one person choose a new password.
    PasswordReset,
}

impl TokenKind {
    /// Stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Setup => "setup",
            TokenKind::PasswordReset => "reset",
        }
    }
}

/// A one-time link that has not been used yet.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OneTimeToken {
    pub user_id: Option<Id>,
    pub expires_at: Timestamp,
}

/// A group of organisations working toward a shared aim.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Partnership {
    pub id: Id,
    pub slug: String,
    pub name: String,
    pub aim: String,
    pub description: String,
    pub created_at: Timestamp,
    /// Bumped whenever its organisations or members change (see `db::common`).
    pub version: i64,
    /// Its IANA time zone (one of `time::TIME_ZONES`): "today" for overdue actions and
    /// rounds, and the default for its meetings.
    pub time_zone: String,
}

/// The kinds of organisation a partnership can include.
pub const ORG_KINDS: &[(&str, &str)] = &[
    ("charity", "Charity or voluntary organisation"),
    ("council", "Council or local authority"),
    ("health", "Health board or health service"),
    ("housing", "Housing association or provider"),
    ("community", "Community group"),
    ("business", "Business"),
    ("other", "Other"),
];

/// The label people see for a stored organisation kind.
pub fn org_kind_label(kind: &str) -> &'static str {
    ORG_KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, l)| *l)
        .unwrap_or("Other")
}

/// One organisation within one partnership.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Organisation {
    pub id: Id,
    pub partnership_id: Id,
    pub name: String,
    pub kind: String,
    /// How many people belong to it (filled by listings).
    pub member_count: i64,
}

/// A person's place in a partnership.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Membership {
    pub id: Id,
    pub partnership_id: Id,
    pub user_id: Id,
    pub organisation_id: Id,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub joined_at: Timestamp,
}

/// A member as listed on partnership pages.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Member {
    pub id: Id,
    pub user_id: Id,
    pub display_name: String,
    pub email: String,
    pub organisation_id: Id,
    pub organisation_name: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub joined_at: Timestamp,
}

/// A partnership as listed on "my partnerships".
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MyPartnership {
    pub slug: String,
    pub name: String,
    pub aim: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub organisation_name: String,
    pub member_count: i64,
}

/// An invitation link waiting to be used.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Invite {
    pub id: Id,
    pub partnership_id: Id,
    pub partnership_name: String,
    pub partnership_slug: String,
    pub organisation_id: Id,
    pub organisation_name: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    /// Who the lead meant it for (a note, not enforced).
    pub note: String,
    pub created_by_name: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

/// A new account before it is saved.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub is_admin: bool,
}

/// A new partnership before it is saved, with the creator's organisation.
#[derive(Debug, Clone)]
pub struct NewPartnership {
    pub slug: String,
    pub name: String,
    pub aim: String,
    pub description: String,
    pub organisation_name: String,
    pub organisation_kind: String,
}

/// A new invitation before it is saved.
#[derive(Debug, Clone)]
pub struct NewInvite {
    pub partnership_id: Id,
    pub organisation_id: Id,
    pub role: Role,
    pub note: String,
    pub token_hash: String,
    pub created_by: Id,
    pub expires_at: Timestamp,
}

/// A deck as listed and shown.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeckRow {
    pub id: Id,
    /// `None` for the decks Tandem ships.
    pub partnership_id: Option<Id>,
    pub builtin_key: Option<String>,
    pub title: String,
    pub notes: String,
    pub step_choose: String,
    pub step_discuss: String,
    pub step_act: String,
    /// A partnership's deck that a site administrator has shared with everyone.
    pub published: bool,
    pub updated_at: Timestamp,
    /// Bumped by each edit of the title or notes.
    pub version: i64,
    pub theme_count: i64,
    pub card_count: i64,
    /// The owning partnership's name (custom decks).
    pub owner_name: Option<String>,
}

/// A theme of a deck.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ThemeRow {
    pub id: Id,
    pub deck_id: Id,
    pub position: i64,
    pub name: String,
    /// Comma-separated.
    pub keywords: String,
    pub colour: String,
    /// Bumped by each edit.
    pub version: i64,
    pub card_count: i64,
}

/// A card.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CardRow {
    pub id: Id,
    pub deck_id: Id,
    pub theme_id: Id,
    pub position: i64,
    pub text: String,
    pub prompt: Option<String>,
    /// Bumped by each edit.
    pub version: i64,
}

/// A search result.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SearchHit {
    pub card_id: Id,
    pub text: String,
    pub deck_id: Id,
    pub deck_title: String,
    pub theme_name: String,
    pub theme_colour: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_printed_user_never_shows_the_password_hash() {
        let u = User {
            id: 1,
            email: "ann@example.org".into(),
            display_name: "Ann".into(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
            is_admin: false,
            disabled: false,
            created_at: 0,
        };
        let shown = format!("{u:?} {u:#?}");
        assert!(shown.contains("ann@example.org"), "{shown}");
        assert!(!shown.contains("argon2"), "{shown}");
    }
}

/// An entry in a partnership's activity feed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ActivityRow {
    pub id: Id,
    pub user_name: Option<String>,
    pub at: Timestamp,
    pub what: String,
    pub link: String,
}

/// A form kept after its session ended.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HeldPost {
    pub user_id: Option<Id>,
    pub path: String,
    pub body: String,
    pub expires_at: Timestamp,
}
