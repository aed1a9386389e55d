//! Conversations, their agendas and records, and the actions that follow: the plain
//! types, the status rules, and dates and times as people type and read them.

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;

use super::Timestamp;
use super::model::Id;

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

/// An entry in a partnership's activity feed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ActivityRow {
    pub id: Id,
    pub user_name: Option<String>,
    pub at: Timestamp,
    pub what: String,
    pub link: String,
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

/// A form kept after its session ended.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HeldPost {
    pub user_id: Option<Id>,
    pub path: String,
    pub body: String,
    pub expires_at: Timestamp,
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

/// Time zones offered for meetings (any IANA name is accepted if typed in a URL).
pub const TIME_ZONES: &[&str] = &[
    "Europe/London",
    "Europe/Dublin",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Warsaw",
    "Europe/Athens",
    "UTC",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Australia/Sydney",
    "Pacific/Auckland",
];

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Is this a time zone we know?
pub fn valid_time_zone(name: &str) -> bool {
    TimeZone::get(name).is_ok()
}

/// Read a day typed as YYYY-MM-DD (what `<input type="date">` sends), in plain words
/// when it is wrong.
pub fn parse_day(s: &str) -> Result<Date, String> {
    let s = s.trim();
    let parts: Vec<&str> = s.split('-').collect();
    let nums: Option<Vec<i64>> = if parts.len() == 3 {
        parts.iter().map(|p| p.parse::<i64>().ok()).collect()
    } else {
        None
    };
    let Some(n) = nums else {
        return Err("Enter the date as year-month-day, for example 2026-03-14".into());
    };
    let (y, m, d) = (n[0], n[1], n[2]);
    if !(1900..=2200).contains(&y) {
        return Err("Enter a year between 1900 and 2200".into());
    }
    if !(1..=12).contains(&m) {
        return Err("The month must be between 1 and 12".into());
    }
    Date::new(y as i16, m as i8, d as i8).map_err(|_| {
        let month = MONTHS[(m - 1) as usize];
        if (1..=31).contains(&d) {
            format!("There is no {d} {month} in {y}. Check the day.")
        } else {
            "The day must be between 1 and 31".to_string()
        }
    })
}

/// Read a time typed as HH:MM.
pub fn parse_time(s: &str) -> Result<Time, String> {
    let s = s.trim();
    let Some((h, m)) = s.split_once(':') else {
        return Err("Enter the time as hours and minutes, for example 14:30".into());
    };
    let (Ok(h), Ok(m)) = (h.parse::<i8>(), m.get(..2).unwrap_or(m).parse::<i8>()) else {
        return Err("Enter the time as hours and minutes, for example 14:30".into());
    };
    Time::new(h, m, 0, 0).map_err(|_| "Hours go from 0 to 23 and minutes from 0 to 59".into())
}

/// The moment a meeting starts, from a date, a time and a time zone.
pub fn meeting_start(day: Date, at: Time, tz: &str) -> Result<Timestamp, String> {
    let zone = TimeZone::get(tz).map_err(|_| "Choose a time zone from the list".to_string())?;
    let zoned = day
        .to_datetime(at)
        .to_zoned(zone)
        .map_err(|_| "That date and time cannot be shown in this time zone".to_string())?;
    Ok(zoned.timestamp().as_second())
}

/// (date YYYY-MM-DD, time HH:MM) of a timestamp in a time zone, for form fields.
pub fn meeting_fields(ts: Timestamp, tz: &str) -> (String, String) {
    let Some(z) = zoned(ts, tz) else {
        return (String::new(), String::new());
    };
    (
        z.date().to_string(),
        format!("{:02}:{:02}", z.hour(), z.minute()),
    )
}

fn zoned(ts: Timestamp, tz: &str) -> Option<jiff::Zoned> {
    let zone = TimeZone::get(tz).unwrap_or(TimeZone::UTC);
    jiff::Timestamp::from_second(ts)
        .ok()
        .map(|t| t.to_zoned(zone))
}

/// E.g. "Tuesday 3 March 2026, 14:30 GMT".
pub fn format_meeting(ts: Timestamp, tz: &str) -> String {
    let Some(z) = zoned(ts, tz) else {
        return String::new();
    };
    let abbrev = z.strftime("%Z").to_string();
    format!(
        "{} {} {} {}, {:02}:{:02} {}",
        weekday(z.date()),
        z.day(),
        MONTHS[(z.month() - 1) as usize],
        z.year(),
        z.hour(),
        z.minute(),
        abbrev
    )
}

fn weekday(d: Date) -> &'static str {
    use jiff::civil::Weekday::*;
    match d.weekday() {
        Monday => "Monday",
        Tuesday => "Tuesday",
        Wednesday => "Wednesday",
        Thursday => "Thursday",
        Friday => "Friday",
        Saturday => "Saturday",
        Sunday => "Sunday",
    }
}

/// "2026-03-14" as "14 March 2026" (unchanged if it is not a date).
pub fn format_day(s: &str) -> String {
    match s.parse::<Date>() {
        Ok(d) => format!(
            "{} {} {}",
            d.day(),
            MONTHS[(d.month() - 1) as usize],
            d.year()
        ),
        Err(_) => s.to_string(),
    }
}

impl super::model::Partnership {
    /// "Today" in the partnership's time zone, as `YYYY-MM-DD`: the day that decides
    /// overdue actions and rounds opening and closing.
    pub fn today(&self) -> String {
        today(&self.time_zone)
    }
}

/// Today as YYYY-MM-DD in a time zone (for "overdue").
pub fn today(tz: &str) -> String {
    zoned(super::now(), tz)
        .map(|z| z.date().to_string())
        .unwrap_or_default()
}

/// Minutes as people say them: "1 hour 15 minutes".
pub fn duration(minutes: i64) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    let hours = match h {
        0 => String::new(),
        1 => "1 hour".into(),
        n => format!("{n} hours"),
    };
    let mins = match m {
        0 => String::new(),
        1 => "1 minute".into(),
        n => format!("{n} minutes"),
    };
    match (hours.is_empty(), mins.is_empty()) {
        (true, true) => "0 minutes".into(),
        (false, true) => hours,
        (true, false) => mins,
        (false, false) => format!("{hours} {mins}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impossible_dates_say_why() {
        assert_eq!(
            parse_day("2026-02-30").unwrap_err(),
            "There is no 30 February in 2026. Check the day."
        );
        assert!(parse_day("2026-13-01").unwrap_err().contains("month"));
        assert!(parse_day("tomorrow").is_err());
        assert!(parse_day("2028-02-29").is_ok());
        assert!(parse_time("25:00").is_err());
        assert_eq!(parse_time("09:05").unwrap(), Time::new(9, 5, 0, 0).unwrap());
    }

    #[test]
    fn meeting_times_keep_their_zone() {
        let day = parse_day("2026-07-01").unwrap();
        let t = parse_time("14:30").unwrap();
        let ts = meeting_start(day, t, "Europe/London").unwrap();
        // 14:30 BST is 13:30 UTC.
        assert_eq!(ts % 86400, 13 * 3600 + 30 * 60);
        assert_eq!(
            format_meeting(ts, "Europe/London"),
            "Wednesday 1 July 2026, 14:30 BST"
        );
        assert_eq!(
            meeting_fields(ts, "Europe/London"),
            ("2026-07-01".into(), "14:30".into())
        );
        assert!(format_meeting(ts, "America/New_York").contains("09:30"));
        assert!(meeting_start(day, t, "Mars/Olympus").is_err());
    }

    #[test]
    fn lines_drop_markers() {
        assert_eq!(
            lines("- one\n\n* two\n3. three\nfour"),
            vec!["one", "two", "three", "four"]
        );
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(duration(0), "0 minutes");
        assert_eq!(duration(75), "1 hour 15 minutes");
        assert_eq!(duration(120), "2 hours");
    }
}
