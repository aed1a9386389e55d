//! Actions: what a partnership agreed to do, who owns it, when it is due, its
//! history, and how the action plan filters and sorts them.

use super::Timestamp;
use super::model::Id;
use super::time::format_day;

/// Where an action is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionStatus {
    /// Agreed, not started.
    Open,
    /// Someone is on it.
    InProgress,
    /// Finished.
    Done,
    /// Decided against; kept for the record.
    Dropped,
}

impl ActionStatus {
    /// Every value, in the order people are offered them.
    pub const ALL: [ActionStatus; 4] = [Self::Open, Self::InProgress, Self::Done, Self::Dropped];

    /// The word stored in the database and used in addresses.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::InProgress => "in_progress",
            Self::Done => "done",
            Self::Dropped => "dropped",
        }
    }

    /// The word people read.
    pub fn label(self) -> &'static str {
        match self {
            Self::Open => "Open",
            Self::InProgress => "In progress",
            Self::Done => "Done",
            Self::Dropped => "Dropped",
        }
    }

    /// Still to be done (so it can be overdue).
    pub fn is_live(self) -> bool {
        matches!(self, Self::Open | Self::InProgress)
    }

    /// The value stored as `s`, if it is one.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

impl TryFrom<String> for ActionStatus {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s).ok_or_else(|| format!("unknown action status {s:?}"))
    }
}

/// An action on the action plan.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ActionRow {
    /// Its id.
    pub id: Id,
    /// The partnership it belongs to.
    pub partnership_id: Id,
    /// What is to be done.
    pub title: String,
    /// More about it (may be empty).
    pub detail: String,
    /// What the partnership does if it cannot be done (may be empty).
    pub contingency: String,
    /// The member who owns it, if one does.
    pub owner_user_id: Option<Id>,
    /// The organisation that owns it, if one does.
    pub owner_org_id: Option<Id>,
    /// The owner's name.
    pub owner_name: Option<String>,
    /// The owning organisation's name.
    pub owner_org_name: Option<String>,
    /// Whether the owning person is still a member of the partnership.
    pub owner_is_member: bool,
    /// When it is due (YYYY-MM-DD), if set.
    pub due_on: Option<String>,
    /// Where it is.
    #[sqlx(try_from = "String")]
    pub status: ActionStatus,
    /// The conversation it came from, if any.
    pub conversation_id: Option<Id>,
    /// The agenda item it came from, if any.
    pub item_id: Option<Id>,
    /// Where it came from, in words ("Health check, principle 3").
    pub source: String,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it was last changed.
    pub updated_at: Timestamp,
    /// Bumped by every change; an edit names the version it started from, so two people never overwrite each other unseen.
    pub version: i64,
    /// For "my actions": the partnership's slug and name.
    pub p_slug: String,
    /// The partnership's name (for lists across partnerships).
    pub p_name: String,
}

impl ActionRow {
    /// Who owns it, in words: a person (or "former member"), an organisation, or nobody.
    pub fn owner_label(&self) -> String {
        owner_label(
            self.owner_name.as_deref(),
            self.owner_user_id,
            self.owner_is_member,
            self.owner_org_name.as_deref(),
        )
        .unwrap_or_else(|| "No owner yet".into())
    }

    /// Due before `today` (YYYY-MM-DD) and not done or dropped.
    pub fn is_overdue(&self, today: &str) -> bool {
        self.status.is_live() && self.due_on.as_deref().is_some_and(|d| d < today)
    }

    /// The due date as people read it.
    pub fn due_label(&self) -> String {
        self.due_on
            .as_deref()
            .map(format_day)
            .unwrap_or_else(|| "No date".into())
    }
}

/// Who owns a record (an action, a risk), in words: a person (or "former member"), or
/// an organisation; `None` when nobody does.
pub fn owner_label(
    name: Option<&str>,
    user_id: Option<Id>,
    is_member: bool,
    org_name: Option<&str>,
) -> Option<String> {
    Some(match (name, user_id, org_name) {
        (Some(n), Some(_), _) if is_member => n.to_string(),
        (Some(n), Some(_), _) => format!("{n} (former member)"),
        (None, Some(_), _) => "Former member".into(),
        (_, None, Some(o)) => o.to_string(),
        _ => return None,
    })
}

/// A new action, or an edit of one.
#[derive(Debug, Clone, Default)]
pub struct ActionFields {
    /// What is to be done.
    pub title: String,
    /// More about it.
    pub detail: String,
    /// What to do if it cannot be done.
    pub contingency: String,
    /// The member who owns it.
    pub owner_user_id: Option<Id>,
    /// The organisation that owns it.
    pub owner_org_id: Option<Id>,
    /// When it is due (YYYY-MM-DD).
    pub due_on: Option<String>,
}

/// Where a new action came from.
#[derive(Debug, Clone, Default)]
pub struct ActionSource {
    /// The conversation it came from.
    pub conversation_id: Option<Id>,
    /// The agenda item it came from.
    pub item_id: Option<Id>,
    /// Where it came from, in words.
    pub label: String,
}

/// One step in an action's history.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ActionEvent {
    /// The entry.
    pub id: Id,
    /// Who made the change.
    pub user_name: Option<String>,
    /// When.
    pub at: Timestamp,
    /// What changed, in words.
    pub what: String,
    /// The status after it, if it changed.
    pub status: Option<String>,
    /// A progress note, if one was written.
    pub note: String,
}

impl ActionEvent {
    /// The status it moved to, in words ("" if none).
    pub fn status_label(&self) -> &'static str {
        self.status
            .as_deref()
            .and_then(ActionStatus::parse)
            .map_or("", |s| s.label())
    }

    /// When, as people read it.
    pub fn when(&self) -> String {
        super::format_date(self.at)
    }
}

/// Filters and order for the action plan.
#[derive(Debug, Clone, Default)]
pub struct ActionFilter {
    /// Only actions this member owns.
    pub owner_user_id: Option<Id>,
    /// Only actions this organisation (or its members) owns.
    pub owner_org_id: Option<Id>,
    /// Only actions with this status.
    pub status: Option<ActionStatus>,
    /// Only live actions due before this day (YYYY-MM-DD).
    pub overdue_before: Option<String>,
    /// The order.
    pub sort: ActionSort,
    /// How many to a page.
    pub limit: i64,
    /// How many to skip (earlier pages).
    pub offset: i64,
    /// Skip counting the matches (the caller knows the total already).
    pub skip_count: bool,
}

impl ActionFilter {
    /// No filter at all: every action of the partnership matches.
    pub fn is_everything(&self) -> bool {
        self.owner_user_id.is_none()
            && self.owner_org_id.is_none()
            && self.status.is_none()
            && self.overdue_before.is_none()
    }
}

/// How the action plan is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ActionSort {
    /// Soonest due first, undated last.
    #[default]
    Due,
    /// Newest first.
    Newest,
    /// By status (open, in progress, done, dropped), then due.
    Status,
    /// By owner's name.
    Owner,
}

impl ActionSort {
    /// Every value, in the order people are offered them.
    pub const ALL: [ActionSort; 4] = [Self::Due, Self::Newest, Self::Status, Self::Owner];
    /// The word stored in the database and used in addresses.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Due => "due",
            Self::Newest => "newest",
            Self::Status => "status",
            Self::Owner => "owner",
        }
    }
    /// The word people read.
    pub fn label(self) -> &'static str {
        match self {
            Self::Due => "Due date",
            Self::Newest => "Newest first",
            Self::Status => "Status",
            Self::Owner => "Owner",
        }
    }
    /// The value stored as `s`, if it is one.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// Counts for the top of the action plan.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct ActionCounts {
    /// Every action.
    pub total: i64,
    /// Agreed, not started.
    pub open: i64,
    /// Someone is on it.
    pub in_progress: i64,
    /// Finished.
    pub done: i64,
    /// Decided against.
    pub dropped: i64,
    /// Open or in progress, and past their due day.
    pub overdue: i64,
}
