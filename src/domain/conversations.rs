//! Conversations: their status, agenda items and records, attendees, pre-meeting
//! views and drafts, as plain types with their rules.

use super::Timestamp;
use super::model::Id;
use super::time::format_meeting;

/// Where a conversation is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConversationStatus {
    Planned,
    Held,
    WrittenUp,
}

impl ConversationStatus {
    pub const ALL: [ConversationStatus; 3] = [Self::Planned, Self::Held, Self::WrittenUp];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Planned => "planned",
            Self::Held => "held",
            Self::WrittenUp => "written_up",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Planned => "Planned",
            Self::Held => "Held",
            Self::WrittenUp => "Written up",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

impl TryFrom<String> for ConversationStatus {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s).ok_or_else(|| format!("unknown conversation status {s:?}"))
    }
}

/// A meeting of the partnership.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Conversation {
    pub id: Id,
    pub partnership_id: Id,
    pub title: String,
    pub starts_at: Option<Timestamp>,
    pub time_zone: String,
    pub place: String,
    pub facilitator_id: Option<Id>,
    pub facilitator_name: Option<String>,
    pub purpose: String,
    #[sqlx(try_from = "String")]
    pub status: ConversationStatus,
    pub views_named: bool,
    pub views_revealed: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: i64,
    /// Agenda items (filled by list queries; 0 elsewhere).
    pub item_count: i64,
    /// Total planned minutes.
    pub total_minutes: i64,
}

impl Conversation {
    /// Can other people's pre-meeting views be read yet?
    pub fn views_open(&self, now: Timestamp) -> bool {
        self.views_revealed
            || self.status != ConversationStatus::Planned
            || self.starts_at.is_some_and(|t| t <= now)
    }

    /// The date and time as people read it, in the meeting's time zone.
    pub fn when(&self) -> String {
        match self.starts_at {
            Some(t) => format_meeting(t, &self.time_zone),
            None => "No date yet".into(),
        }
    }
}

/// The fields of a conversation a person edits.
#[derive(Debug, Clone, Default)]
pub struct ConversationFields {
    pub title: String,
    pub starts_at: Option<Timestamp>,
    pub time_zone: String,
    pub place: String,
    pub facilitator_id: Option<Id>,
    pub purpose: String,
}

/// One agenda item, with what was recorded about it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AgendaItem {
    pub id: Id,
    pub conversation_id: Id,
    pub position: i64,
    pub card_id: Option<Id>,
    pub is_card: bool,
    pub title: String,
    pub prompt: Option<String>,
    pub deck_title: String,
    pub theme_name: String,
    pub colour: String,
    pub minutes: i64,
    pub notes: String,
    pub agreed: String,
    pub differ: String,
    pub updated_at: Timestamp,
    pub updated_by_name: Option<String>,
    pub version: i64,
}

impl AgendaItem {
    /// The non-empty lines of "what we agreed".
    pub fn agreed_lines(&self) -> Vec<String> {
        lines(&self.agreed)
    }

    /// The non-empty lines of "where we differ".
    pub fn differ_lines(&self) -> Vec<String> {
        lines(&self.differ)
    }

    /// Anything recorded at all?
    pub fn has_record(&self) -> bool {
        !(self.notes.trim().is_empty()
            && self.agreed.trim().is_empty()
            && self.differ.trim().is_empty())
    }
}

/// Non-empty lines with any list marker ("- ", "* ", "1. ") taken off.
pub fn lines(s: &str) -> Vec<String> {
    s.lines()
        .map(|l| {
            let l = l.trim();
            let l = l
                .strip_prefix("- ")
                .or_else(|| l.strip_prefix("* "))
                .or_else(|| l.strip_prefix("• "))
                .unwrap_or(l);
            let digits = l.chars().take_while(|c| c.is_ascii_digit()).count();
            if digits > 0 && l[digits..].starts_with(". ") {
                l[digits + 2..].trim().to_string()
            } else {
                l.trim().to_string()
            }
        })
        .filter(|l| !l.is_empty())
        .collect()
}

/// What is recorded about an agenda item.
#[derive(Debug, Clone, Default)]
pub struct RecordText {
    pub notes: String,
    pub agreed: String,
    pub differ: String,
}

/// A card kept with an agenda item (its words are copied so the record outlives it).
#[derive(Debug, Clone)]
pub struct CardSnapshot {
    pub card_id: Id,
    pub text: String,
    pub prompt: Option<String>,
    pub deck_title: String,
    pub theme_name: String,
    pub colour: String,
}

/// Someone invited to a conversation.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Attendee {
    pub id: Id,
    pub conversation_id: Id,
    pub user_id: Option<Id>,
    pub name: String,
    pub organisation: String,
}

/// A thought added before the meeting.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PriorView {
    pub id: Id,
    pub item_id: Id,
    pub user_id: Id,
    pub author: String,
    pub body: String,
    pub updated_at: Timestamp,
}

/// An autosaved draft of an item's record.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Draft {
    pub notes: String,
    pub agreed: String,
    pub differ: String,
    pub base_version: i64,
    pub saved_at: Timestamp,
}

/// A card discussed in a held or written-up conversation.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Discussed {
    pub card_id: Id,
    pub conversation_id: Id,
    pub conversation_title: String,
    pub starts_at: Option<Timestamp>,
    /// How many held conversations it was on.
    pub times: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_drop_markers() {
        assert_eq!(
            lines("- one\n\n* two\n3. three\nfour"),
            vec!["one", "two", "three", "four"]
        );
    }
}
