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
    /// Whose session it is.
    pub user_id: Id,
    /// When they signed in (for the absolute limit).
    pub created_at: Timestamp,
    /// When it was last used (for the idle limit).
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
    /// Whose account the link is for (none for the first set-up).
    pub user_id: Option<Id>,
    /// When the link stops working.
    pub expires_at: Timestamp,
}

/// A group of organisations working toward a shared aim.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Partnership {
    /// Its id.
    pub id: Id,
    /// Its web address word, unique across the site.
    pub slug: String,
    /// Its name.
    pub name: String,
    /// What it is for, in a sentence.
    pub aim: String,
    /// More about it (may be empty).
    pub description: String,
    /// When it was made.
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
    /// Its id.
    pub id: Id,
    /// The partnership it belongs to.
    pub partnership_id: Id,
    /// Its name, unique in the partnership.
    pub name: String,
    /// What sort of organisation (council, charity, …).
    pub kind: String,
    /// How many people belong to it (filled by listings).
    pub member_count: i64,
}

/// A person's place in a partnership.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Membership {
    /// Its id.
    pub id: Id,
    /// The partnership it belongs to.
    pub partnership_id: Id,
    /// The member's account.
    pub user_id: Id,
    /// The organisation they are there for.
    pub organisation_id: Id,
    /// What they may do.
    #[sqlx(try_from = "String")]
    pub role: Role,
    /// When they joined.
    pub joined_at: Timestamp,
}

/// A member as listed on partnership pages.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Member {
    /// The membership.
    pub id: Id,
    /// The member's account.
    pub user_id: Id,
    /// Their name.
    pub display_name: String,
    /// Their email.
    pub email: String,
    /// The organisation they are there for.
    pub organisation_id: Id,
    /// Its name.
    pub organisation_name: String,
    /// What they may do.
    #[sqlx(try_from = "String")]
    pub role: Role,
    /// When they joined.
    pub joined_at: Timestamp,
}

/// A partnership as listed on "my partnerships".
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MyPartnership {
    /// Its web address word.
    pub slug: String,
    /// Its name.
    pub name: String,
    /// What it is for.
    pub aim: String,
    /// The person's role there.
    #[sqlx(try_from = "String")]
    pub role: Role,
    /// The organisation they are there for.
    pub organisation_name: String,
    /// How many members it has.
    pub member_count: i64,
}

/// An invitation link waiting to be used.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Invite {
    /// Its id.
    pub id: Id,
    /// The partnership it belongs to.
    pub partnership_id: Id,
    /// The partnership's name.
    pub partnership_name: String,
    /// Its web address word.
    pub partnership_slug: String,
    /// The organisation the newcomer joins for.
    pub organisation_id: Id,
    /// Its name.
    pub organisation_name: String,
    /// The role they get.
    #[sqlx(try_from = "String")]
    pub role: Role,
    /// Who the lead meant it for (a note, not enforced).
    pub note: String,
    /// Who sent it ("a former member" if they have left).
    pub created_by_name: String,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it stops working.
    pub expires_at: Timestamp,
    /// When it was used, if it has been.
    pub used_at: Option<Timestamp>,
    /// When it was withdrawn, if it was.
    pub revoked_at: Option<Timestamp>,
}

/// A new account before it is saved.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// The email, lower-case.
    pub email: String,
    /// The name other people see.
    pub display_name: String,
    /// The argon2id hash of the password (never the password).
    pub password_hash: String,
    /// Whether the account administers the site.
    pub is_admin: bool,
}

/// A new partnership before it is saved, with the creator's organisation.
#[derive(Debug, Clone)]
pub struct NewPartnership {
    /// Its web address word.
    pub slug: String,
    /// Its name.
    pub name: String,
    /// What it is for.
    pub aim: String,
    /// More about it (may be empty).
    pub description: String,
    /// The creator's organisation, its first.
    pub organisation_name: String,
    /// What sort of organisation that is.
    pub organisation_kind: String,
}

/// A new invitation before it is saved.
#[derive(Debug, Clone)]
pub struct NewInvite {
    /// The partnership it belongs to.
    pub partnership_id: Id,
    /// The organisation the newcomer joins for.
    pub organisation_id: Id,
    /// The role they get.
    pub role: Role,
    /// A note for the leads (who it is for).
    pub note: String,
    /// The hash of the link's secret (the secret itself is shown once).
    pub token_hash: String,
    /// Who sent it.
    pub created_by: Id,
    /// When it stops working.
    pub expires_at: Timestamp,
}

/// A deck as listed and shown.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeckRow {
    /// Its id.
    pub id: Id,
    /// `None` for the decks Tandem ships.
    pub partnership_id: Option<Id>,
    /// The shipped deck's key; none for a partnership's own deck.
    pub builtin_key: Option<String>,
    /// Its title.
    pub title: String,
    /// Notes shown with the deck.
    pub notes: String,
    /// How to choose a card (the first of the three steps).
    pub step_choose: String,
    /// How to talk it through.
    pub step_discuss: String,
    /// How to turn it into action.
    pub step_act: String,
    /// A partnership's deck that a site administrator has shared with everyone.
    pub published: bool,
    /// When it was last changed.
    pub updated_at: Timestamp,
    /// Bumped by each edit of the title or notes.
    pub version: i64,
    /// How many themes it has.
    pub theme_count: i64,
    /// How many cards it has.
    pub card_count: i64,
    /// The owning partnership's name (custom decks).
    pub owner_name: Option<String>,
}

/// A theme of a deck.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ThemeRow {
    /// Its id.
    pub id: Id,
    /// The deck it is in.
    pub deck_id: Id,
    /// Its place in the deck, from 1.
    pub position: i64,
    /// Its name.
    pub name: String,
    /// Comma-separated.
    pub keywords: String,
    /// Its colour (`#rrggbb`).
    pub colour: String,
    /// Bumped by each edit.
    pub version: i64,
    /// How many cards it has.
    pub card_count: i64,
}

/// A card.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CardRow {
    /// Its id.
    pub id: Id,
    /// The deck it is in.
    pub deck_id: Id,
    /// The theme it is in.
    pub theme_id: Id,
    /// Its place in the theme, from 1.
    pub position: i64,
    /// The question.
    pub text: String,
    /// A follow-up prompt, if any.
    pub prompt: Option<String>,
    /// Bumped by each edit.
    pub version: i64,
}

/// A search result.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SearchHit {
    /// The card.
    pub card_id: Id,
    /// The card's question.
    pub text: String,
    /// Its deck.
    pub deck_id: Id,
    /// The deck's title.
    pub deck_title: String,
    /// Its theme's name.
    pub theme_name: String,
    /// Its theme's colour.
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
    /// Its id.
    pub id: Id,
    /// Who did it (none for Tandem itself or a former member).
    pub user_name: Option<String>,
    /// When.
    pub at: Timestamp,
    /// What happened, in words.
    pub what: String,
    /// Where to see it (a path on this site).
    pub link: String,
}

/// A form kept after its session ended.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HeldPost {
    /// Whose form it is; only they can see or send it.
    pub user_id: Option<Id>,
    /// Where the form was sent.
    pub path: String,
    /// The form, URL-encoded, as it arrived.
    pub body: String,
    /// When it is forgotten.
    pub expires_at: Timestamp,
}
