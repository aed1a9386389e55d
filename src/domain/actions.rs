//! Actions: what a partnership agreed to do, who owns it, when it is due, its
//! history, and how the action plan filters and sorts them.

use super::Timestamp;
use super::model::Id;
use super::time::format_day;

/// Where an action is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionStatus {
    Open,
    InProgress,
    Done,
    Dropped,
}

impl ActionStatus {
    pub const ALL: [ActionStatus; 4] = [Self::Open, Self::InProgress, Self::Done, Self::Dropped];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::InProgress => "in_progress",
            Self::Done => "done",
            Self::Dropped => "dropped",
        }
    }

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
    pub id: Id,
    pub partnership_id: Id,
    pub title: String,
    pub detail: String,
    pub owner_user_id: Option<Id>,
    pub owner_org_id: Option<Id>,
    pub owner_name: Option<String>,
    pub owner_org_name: Option<String>,
    /// Whether the owning person is still a member of the partnership.
    pub owner_is_member: bool,
    pub due_on: Option<String>,
    #[sqlx(try_from = "String")]
    pub status: ActionStatus,
    pub conversation_id: Option<Id>,
    pub item_id: Option<Id>,
    pub source: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: i64,
    /// For "my actions": the partnership's slug and name.
    pub p_slug: String,
    pub p_name: String,
}

impl ActionRow {
    /// Who owns it, in words: a person (or "former member"), an organisation, or nobody.
    pub fn owner_label(&self) -> String {
        match (&self.owner_name, self.owner_user_id, &self.owner_org_name) {
            (Some(n), Some(_), _) if self.owner_is_member => n.clone(),
            (Some(n), Some(_), _) => format!("{n} (former member)"),
            (None, Some(_), _) => "Former member".into(),
            (_, None, Some(o)) => o.clone(),
            _ => "No owner yet".into(),
        }
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

/// A new action, or an edit of one.
#[derive(Debug, Clone, Default)]
pub struct ActionFields {
    pub title: String,
    pub detail: String,
    pub owner_user_id: Option<Id>,
    pub owner_org_id: Option<Id>,
    pub due_on: Option<String>,
}

/// Where a new action came from.
#[derive(Debug, Clone, Default)]
pub struct ActionSource {
    pub conversation_id: Option<Id>,
    pub item_id: Option<Id>,
    pub label: String,
}

/// One step in an action's history.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ActionEvent {
    pub id: Id,
    pub user_name: Option<String>,
    pub at: Timestamp,
    pub what: String,
    pub status: Option<String>,
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
    pub owner_user_id: Option<Id>,
    pub owner_org_id: Option<Id>,
    pub status: Option<ActionStatus>,
    /// Only live actions due before this day (YYYY-MM-DD).
    pub overdue_before: Option<String>,
    pub sort: ActionSort,
    pub limit: i64,
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
    pub const ALL: [ActionSort; 4] = [Self::Due, Self::Newest, Self::Status, Self::Owner];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Due => "due",
            Self::Newest => "newest",
            Self::Status => "status",
            Self::Owner => "owner",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Due => "Due date",
            Self::Newest => "Newest first",
            Self::Status => "Status",
            Self::Owner => "Owner",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// Counts for the top of the action plan.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct ActionCounts {
    pub total: i64,
    pub open: i64,
    pub in_progress: i64,
    pub done: i64,
    pub dropped: i64,
    pub overdue: i64,
}
