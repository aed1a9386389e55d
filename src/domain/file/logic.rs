//! The logic model: inputs and resources → activities → outputs → short- and
//! medium-term outcomes → impact, with the assumptions underneath and the risks. Its
//! outcomes are the evaluation plan's own (placed by `OutcomeRow::term`); its risks are
//! the register's; everything else is a [`LogicItemRow`].

use crate::domain::Timestamp;
use crate::domain::model::Id;
use crate::domain::time::format_day;

/// The kinds of item the model keeps itself: key, column heading, what goes there.
pub const LOGIC_KINDS: [(&str, &str, &str); 5] = [
    (
        "input",
        "Inputs and resources",
        "what the partners put in: staff time, money, rooms, knowledge",
    ),
    (
        "activity",
        "Activities",
        "what the partnership does with them",
    ),
    (
        "output",
        "Outputs",
        "what the activities produce and who they reach: sessions held, people seen",
    ),
    (
        "impact",
        "Impact",
        "the lasting difference everything adds up to",
    ),
    (
        "assumption",
        "Assumptions",
        "what must hold true for one step to lead to the next",
    ),
];

/// When an outcome is expected: key and column heading.
pub const TERMS: [(&str, &str); 2] = [
    ("short", "Short-term outcomes"),
    ("medium", "Medium-term outcomes"),
];

/// A kind's column heading (unknown keys give "").
pub fn kind_label(kind: &str) -> &'static str {
    LOGIC_KINDS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map(|(_, l, _)| *l)
        .unwrap_or("")
}

/// An assumption not looked at for this many days needs attention.
pub const ASSUMPTION_STALE_DAYS: i64 = 183;

/// An item of the logic model.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LogicItemRow {
    /// Its id.
    pub id: Id,
    /// The partnership.
    pub partnership_id: Id,
    /// A key of [`LOGIC_KINDS`].
    pub kind: String,
    /// What it says.
    pub text: String,
    /// Assumptions: still true, or not checked yet.
    pub still_true: Option<bool>,
    /// Assumptions: the day last checked.
    pub checked_on: Option<String>,
    /// When it was last changed.
    pub updated_at: Timestamp,
    /// Bumped by every change.
    pub version: i64,
}

impl LogicItemRow {
    /// An assumption's state in words: "Still true (checked 3 May 2026)".
    pub fn check_label(&self) -> String {
        let day = self
            .checked_on
            .as_deref()
            .map(|d| format!(" (checked {})", format_day(d)))
            .unwrap_or_default();
        match self.still_true {
            Some(true) => format!("Still true{day}"),
            Some(false) => format!("No longer true{day}"),
            None => "Not checked yet".into(),
        }
    }

    /// An assumption not checked since `cutoff` (YYYY-MM-DD), or never.
    pub fn check_overdue(&self, cutoff: &str) -> bool {
        self.kind == "assumption" && self.checked_on.as_deref().is_none_or(|d| d < cutoff)
    }
}

/// A new item or an edit of one, as checked.
#[derive(Debug, Clone, Default)]
pub struct LogicFields {
    /// A key of [`LOGIC_KINDS`].
    pub kind: String,
    /// What it says.
    pub text: String,
    /// Assumptions: still true.
    pub still_true: Option<bool>,
    /// Assumptions: the day last checked.
    pub checked_on: Option<String>,
}

/// Text cut into lines of at most `width` characters at spaces (a longer word gets a
/// line of its own), for drawing in boxes.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_wraps_at_spaces() {
        assert_eq!(
            wrap("Staff time from each of the four partners", 16),
            ["Staff time from", "each of the four", "partners"]
        );
        assert_eq!(wrap("", 10), Vec::<String>::new());
    }

    #[test]
    fn an_assumption_is_overdue_unchecked_or_checked_long_ago() {
        let mut a = LogicItemRow {
            id: 1,
            partnership_id: 1,
            kind: "assumption".into(),
            text: "Carers can get to the drop-in".into(),
            still_true: None,
            checked_on: None,
            updated_at: 0,
            version: 1,
        };
        assert!(a.check_overdue("2026-01-01"));
        assert_eq!(a.check_label(), "Not checked yet");
        a.still_true = Some(true);
        a.checked_on = Some("2026-03-02".into());
        assert!(!a.check_overdue("2026-01-01"));
        assert_eq!(a.check_label(), "Still true (checked 2 March 2026)");
        a.kind = "input".into();
        a.checked_on = None;
        assert!(!a.check_overdue("2026-01-01"));
    }
}
