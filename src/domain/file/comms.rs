//! The communications plan: for each stakeholder (or a group not on the map), what we
//! want them to know, the channel, how often, who does it and when next. The next date
//! is an action on the action plan, so it reaches "My actions" and the calendar feed.

use crate::domain::Timestamp;
use crate::domain::model::Id;
use crate::domain::time::format_day;

/// A line of the communications plan.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CommsRow {
    /// Its id.
    pub id: Id,
    /// The partnership.
    pub partnership_id: Id,
    /// The stakeholder it is for, if it is one on the map.
    pub stakeholder_id: Option<Id>,
    /// Who it is for, in words.
    pub audience: String,
    /// What we want them to know.
    pub message: String,
    /// How: email, a meeting, the newsletter…
    pub channel: String,
    /// A key of `CONTACT` (how often).
    pub frequency: String,
    /// The member who does it.
    pub owner_user_id: Option<Id>,
    /// Their name.
    pub owner_name: Option<String>,
    /// Whether they are still a member.
    pub owner_is_member: bool,
    /// The next time (YYYY-MM-DD).
    pub next_on: Option<String>,
    /// The action for the next time.
    pub action_id: Option<Id>,
    /// That action's status.
    pub action_status: Option<String>,
    /// When it was last changed.
    pub updated_at: Timestamp,
    /// Bumped by every change.
    pub version: i64,
}

impl CommsRow {
    /// Who does it, in words.
    pub fn owner_label(&self) -> String {
        crate::domain::actions::owner_label(
            self.owner_name.as_deref(),
            self.owner_user_id,
            self.owner_is_member,
            None,
        )
        .unwrap_or_else(|| "Nobody yet".into())
    }

    /// How often, in words.
    pub fn frequency_label(&self) -> &'static str {
        super::contact_label(&self.frequency)
    }

    /// The next date in words.
    pub fn next_label(&self) -> String {
        self.next_on
            .as_deref()
            .map(format_day)
            .unwrap_or_else(|| "No date".into())
    }

    /// The title of the action for the next time.
    pub fn action_title(audience: &str, message: &str) -> String {
        let message: String = message.chars().take(80).collect();
        format!("Tell {audience}: {message}")
    }
}

/// A new line or an edit, as checked.
#[derive(Debug, Clone, Default)]
pub struct CommsFields {
    /// The stakeholder, if one on the map.
    pub stakeholder_id: Option<Id>,
    /// Who it is for.
    pub audience: String,
    /// What we want them to know.
    pub message: String,
    /// How.
    pub channel: String,
    /// How often.
    pub frequency: String,
    /// Who does it.
    pub owner_user_id: Option<Id>,
    /// The next time.
    pub next_on: Option<String>,
}
