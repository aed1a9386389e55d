//! Conversations: their status, agenda items and records, attendees, pre-meeting
//! views and drafts, as plain types with their rules.

use super::Timestamp;
use super::model::Id;
use super::time::format_meeting;

/// Where a conversation is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConversationStatus {
    /// Being prepared.
    Planned,
    /// It has taken place.
    Held,
    /// Its record is complete.
    WrittenUp,
}

impl ConversationStatus {
    /// Every value, in the order people are offered them.
    pub const ALL: [ConversationStatus; 3] = [Self::Planned, Self::Held, Self::WrittenUp];

    /// The word stored in the database and used in addresses.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Planned => "planned",
            Self::Held => "held",
            Self::WrittenUp => "written_up",
        }
    }

    /// The word people read.
    pub fn label(self) -> &'static str {
        match self {
            Self::Planned => "Planned",
            Self::Held => "Held",
            Self::WrittenUp => "Written up",
        }
    }

    /// The value stored as `s`, if it is one.
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
    /// Its id.
    pub id: Id,
    /// The partnership it belongs to.
    pub partnership_id: Id,
    /// Its title.
    pub title: String,
    /// When it starts, if set.
    pub starts_at: Option<Timestamp>,
    /// The zone its time was given in.
    pub time_zone: String,
    /// Where (a room, or a call link).
    pub place: String,
    /// The member facilitating, if chosen.
    pub facilitator_id: Option<Id>,
    /// Their name.
    pub facilitator_name: Option<String>,
    /// What it is for.
    pub purpose: String,
    /// Where it is in its life.
    #[sqlx(try_from = "String")]
    pub status: ConversationStatus,
    /// Whether pre-meeting views carry names.
    pub views_named: bool,
    /// Whether everyone may read the views yet.
    pub views_revealed: bool,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it was last changed.
    pub updated_at: Timestamp,
    /// Bumped by every change; an edit names the version it started from, so two people never overwrite each other unseen.
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
    /// Its title.
    pub title: String,
    /// When it starts, if set.
    pub starts_at: Option<Timestamp>,
    /// The zone its time was given in.
    pub time_zone: String,
    /// Where.
    pub place: String,
    /// The member facilitating.
    pub facilitator_id: Option<Id>,
    /// What it is for.
    pub purpose: String,
}

/// One agenda item, with what was recorded about it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AgendaItem {
    /// Its id.
    pub id: Id,
    /// The conversation.
    pub conversation_id: Id,
    /// Its place on the agenda, from 1.
    pub position: i64,
    /// The card it was made from, if it still exists.
    pub card_id: Option<Id>,
    /// Whether it was made from a card (its words are a copy).
    pub is_card: bool,
    /// The card's question or the item's own title.
    pub title: String,
    /// The card's follow-up prompt.
    pub prompt: Option<String>,
    /// The card's deck, when added.
    pub deck_title: String,
    /// The card's theme, when added.
    pub theme_name: String,
    /// The theme's colour.
    pub colour: String,
    /// Time planned for it.
    pub minutes: i64,
    /// The record: notes.
    pub notes: String,
    /// The record: what was agreed.
    pub agreed: String,
    /// The record: where people differ.
    pub differ: String,
    /// When it was last changed.
    pub updated_at: Timestamp,
    /// Who last saved the record.
    pub updated_by_name: Option<String>,
    /// Bumped by every change; an edit names the version it started from, so two people never overwrite each other unseen.
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
    /// Notes.
    pub notes: String,
    /// What was agreed.
    pub agreed: String,
    /// Where people differ.
    pub differ: String,
}

/// A card kept with an agenda item (its words are copied so the record outlives it).
#[derive(Debug, Clone)]
pub struct CardSnapshot {
    /// The card.
    pub card_id: Id,
    /// Its question.
    pub text: String,
    /// Its follow-up prompt.
    pub prompt: Option<String>,
    /// Its deck's title.
    pub deck_title: String,
    /// Its theme's name.
    pub theme_name: String,
    /// Its theme's colour.
    pub colour: String,
}

/// Someone invited to a conversation.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Attendee {
    /// The entry on the list.
    pub id: Id,
    /// The conversation.
    pub conversation_id: Id,
    /// The member, or none for a guest.
    pub user_id: Option<Id>,
    /// Their name.
    pub name: String,
    /// Their organisation (a member's own, or as typed for a guest).
    pub organisation: String,
    /// Whether they came: "came", "apologies", or "" while nobody has said.
    pub attendance: String,
}

impl Attendee {
    /// Marked as having come.
    pub fn came(&self) -> bool {
        self.attendance == "came"
    }

    /// Marked as having sent apologies.
    pub fn sent_apologies(&self) -> bool {
        self.attendance == "apologies"
    }
}

/// A thought added before the meeting.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PriorView {
    /// The view.
    pub id: Id,
    /// The agenda item it is about.
    pub item_id: Id,
    /// Whose view.
    pub user_id: Id,
    /// Their name (kept from everyone in anonymous views).
    pub author: String,
    /// What they wrote.
    pub body: String,
    /// When it was last changed.
    pub updated_at: Timestamp,
}

/// An autosaved draft of an item's record.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Draft {
    /// Notes typed so far.
    pub notes: String,
    /// What was agreed, typed so far.
    pub agreed: String,
    /// Where people differ, typed so far.
    pub differ: String,
    /// The record's version when typing began.
    pub base_version: i64,
    /// When the draft was kept.
    pub saved_at: Timestamp,
}

/// A card discussed in a held or written-up conversation.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Discussed {
    /// The card.
    pub card_id: Id,
    /// The latest conversation it was discussed in.
    pub conversation_id: Id,
    /// That conversation's title.
    pub conversation_title: String,
    /// When that conversation was.
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
