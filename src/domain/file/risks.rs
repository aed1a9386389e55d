//! The risk register — what could go wrong, how likely and how bad, what we do to
//! prevent it and what we do if it happens anyway.

use crate::domain::Timestamp;
use crate::domain::model::Id;
use crate::domain::time::format_day;

/// The top of the likelihood and impact scales (each runs from 1).
pub const SCALE: i64 = 5;

/// What each point of the likelihood scale means.
pub const LIKELIHOOD: [&str; 5] = [
    "Very unlikely",
    "Unlikely",
    "Could happen",
    "Likely",
    "Almost certain",
];

/// What each point of the impact scale means.
pub const IMPACT: [&str; 5] = [
    "Very small",
    "Small",
    "Noticeable",
    "Serious",
    "Very serious",
];

/// How much attention a risk needs, from its score (likelihood × impact).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Band {
    /// 1 to 4.
    Low,
    /// 5 to 9.
    Medium,
    /// 10 to 16.
    High,
    /// 20 and 25.
    VeryHigh,
}

impl Band {
    /// The band of a score from 1 to 25.
    pub fn of(score: i64) -> Band {
        match score {
            ..=4 => Band::Low,
            5..=9 => Band::Medium,
            10..=16 => Band::High,
            _ => Band::VeryHigh,
        }
    }

    /// Its name, as people read it.
    pub fn label(self) -> &'static str {
        match self {
            Band::Low => "Low",
            Band::Medium => "Medium",
            Band::High => "High",
            Band::VeryHigh => "Very high",
        }
    }

    /// What the band asks of the partnership.
    pub fn advice(self) -> &'static str {
        match self {
            Band::Low => "keep an eye on it at reviews",
            Band::Medium => "agree what prevents it and check it at each review",
            Band::High => "act on it now and look at it at every meeting",
            Band::VeryHigh => "act on it now; the partners' senior people should know",
        }
    }

    /// The cell colour on the heat map (the band is also written in each cell).
    pub fn fill(self) -> &'static str {
        match self {
            Band::Low => "#cce2d8",
            Band::Medium => "#fff7bf",
            Band::High => "#fcd6c3",
            Band::VeryHigh => "#f4cdc6",
        }
    }

    /// For class names and CSV.
    pub fn key(self) -> &'static str {
        match self {
            Band::Low => "low",
            Band::Medium => "medium",
            Band::High => "high",
            Band::VeryHigh => "very-high",
        }
    }
}

/// A risk on the register.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RiskRow {
    /// Its id.
    pub id: Id,
    /// The partnership it belongs to.
    pub partnership_id: Id,
    /// What could go wrong.
    pub title: String,
    /// How likely, 1 to 5.
    pub likelihood: i64,
    /// How bad if it happens, 1 to 5.
    pub impact: i64,
    /// The member who watches it, if one does.
    pub owner_user_id: Option<Id>,
    /// The organisation that watches it, if one does.
    pub owner_org_id: Option<Id>,
    /// The owner's name.
    pub owner_name: Option<String>,
    /// The owning organisation's name.
    pub owner_org_name: Option<String>,
    /// Whether the owning person is still a member of the partnership.
    pub owner_is_member: bool,
    /// What we do to stop it happening.
    pub prevention: String,
    /// What we do if it happens.
    pub response: String,
    /// When to look at it again (YYYY-MM-DD), if set.
    pub review_on: Option<String>,
    /// `open`, or `closed` when it is no longer a risk.
    pub status: String,
    /// When it was added.
    pub created_at: Timestamp,
    /// When it was last changed.
    pub updated_at: Timestamp,
    /// Bumped by every change; an edit names the version it started from.
    pub version: i64,
}

impl RiskRow {
    /// Likelihood × impact, 1 to 25.
    pub fn score(&self) -> i64 {
        self.likelihood * self.impact
    }

    /// How much attention it needs.
    pub fn band(&self) -> Band {
        Band::of(self.score())
    }

    /// Still a risk (not closed).
    pub fn is_open(&self) -> bool {
        self.status != "closed"
    }

    /// Who watches it, in words.
    pub fn owner_label(&self) -> String {
        crate::domain::actions::owner_label(
            self.owner_name.as_deref(),
            self.owner_user_id,
            self.owner_is_member,
            self.owner_org_name.as_deref(),
        )
        .unwrap_or_else(|| "Nobody yet".into())
    }

    /// The review date as people read it.
    pub fn review_label(&self) -> String {
        self.review_on
            .as_deref()
            .map(format_day)
            .unwrap_or_else(|| "No date".into())
    }

    /// Open and its review date has passed.
    pub fn review_overdue(&self, today: &str) -> bool {
        self.is_open() && self.review_on.as_deref().is_some_and(|d| d < today)
    }

    /// The likelihood in words.
    pub fn likelihood_label(&self) -> &'static str {
        point_label(&LIKELIHOOD, self.likelihood)
    }

    /// The impact in words.
    pub fn impact_label(&self) -> &'static str {
        point_label(&IMPACT, self.impact)
    }
}

fn point_label(labels: &[&'static str; 5], point: i64) -> &'static str {
    usize::try_from(point - 1)
        .ok()
        .and_then(|i| labels.get(i))
        .copied()
        .unwrap_or("")
}

/// A new risk, or an edit of one, as checked.
#[derive(Debug, Clone, Default)]
pub struct RiskFields {
    /// What could go wrong.
    pub title: String,
    /// How likely, 1 to 5.
    pub likelihood: i64,
    /// How bad, 1 to 5.
    pub impact: i64,
    /// The member who watches it.
    pub owner_user_id: Option<Id>,
    /// The organisation that watches it.
    pub owner_org_id: Option<Id>,
    /// What we do to stop it happening.
    pub prevention: String,
    /// What we do if it happens.
    pub response: String,
    /// When to look at it again (YYYY-MM-DD).
    pub review_on: Option<String>,
    /// `open` or `closed`.
    pub status: String,
}

/// A common partnership risk offered as a starting point: its title, what prevents it
/// and what to do if it happens. People change every word to fit their partnership.
pub struct Suggestion {
    /// In the address that starts a risk from it.
    pub key: &'static str,
    /// The risk.
    pub title: &'static str,
    /// A first go at what prevents it.
    pub prevention: &'static str,
    /// A first go at what to do if it happens.
    pub response: &'static str,
}

/// Risks most partnerships face, in our own words. The last two are the contingency
/// plan the health check asks for: how disagreements are settled and how a partner
/// leaves.
pub const SUGGESTIONS: &[Suggestion] = &[
    Suggestion {
        key: "funding",
        title: "A partner loses the money for its part of the work",
        prevention: "Each partner tells the others early when its funding is in doubt. We keep a list of who pays for what and when each grant ends.",
        response: "We meet within two weeks to agree which work stops, which carries on, who could pick it up, and who tells the people affected.",
    },
    Suggestion {
        key: "people",
        title: "Someone who holds the work together leaves, and what they knew goes with them",
        prevention: "At least two people in each organisation know each piece of work. Notes, decisions and actions live in this file, not in one person's inbox.",
        response: "Their organisation names a new contact within a month, and a lead goes through the file with them.",
    },
    Suggestion {
        key: "workload",
        title: "One partner ends up doing most of the work",
        prevention: "The action plan shows who owns what; at each review we look at how the work is shared and say so if it is lopsided.",
        response: "We share out the open actions again and, if we must, do less rather than lean on one partner.",
    },
    Suggestion {
        key: "drift",
        title: "The work drifts away from what we set out to do together",
        prevention: "We check the action plan against our shared aim at every meeting.",
        response: "We hold a meeting about the aim alone, and either agree it again or change it on purpose.",
    },
    Suggestion {
        key: "voice",
        title: "The people we serve are not heard, and the work misses what they need",
        prevention: "People who use our services are asked before big decisions, and what they said is written in the record.",
        response: "We pause the piece of work and go back to the people it is for before going further.",
    },
    Suggestion {
        key: "information",
        title: "Information about people is shared when it should not be",
        prevention: "The agreement says what each partner may share, with whom and how; we check it at each review.",
        response: "Whoever finds out tells the other partners the same day and follows their own organisation's data breach steps.",
    },
    Suggestion {
        key: "disagreement",
        title: "Partners disagree and it is not settled",
        prevention: "We name differences in the meeting, not after it, and keep them in the record so they are not forgotten.",
        response: "First the people involved talk it through; if that fails, someone from outside the disagreement chairs a meeting; if that fails, the partners' senior people decide together.",
    },
    Suggestion {
        key: "leaving",
        title: "A partner wants to leave the partnership",
        prevention: "At each review each partner says what it gets from the partnership and what it would change.",
        response: "The partner gives notice as the agreement says; we agree who takes on its actions, what happens to shared information, and how we tell the people we serve.",
    },
];

/// The suggestion with this key.
pub fn suggestion(key: &str) -> Option<&'static Suggestion> {
    SUGGESTIONS.iter().find(|s| s.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_fall_into_bands_at_the_edges() {
        assert_eq!(Band::of(1), Band::Low);
        assert_eq!(Band::of(4), Band::Low);
        assert_eq!(Band::of(5), Band::Medium);
        assert_eq!(Band::of(9), Band::Medium);
        assert_eq!(Band::of(10), Band::High);
        assert_eq!(Band::of(16), Band::High);
        assert_eq!(Band::of(20), Band::VeryHigh);
        assert_eq!(Band::of(25), Band::VeryHigh);
    }

    #[test]
    fn suggestions_have_distinct_keys_and_all_three_parts() {
        let mut keys: Vec<&str> = SUGGESTIONS.iter().map(|s| s.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), SUGGESTIONS.len());
        for s in SUGGESTIONS {
            assert!(!s.title.is_empty() && !s.prevention.is_empty() && !s.response.is_empty());
            assert!(suggestion(s.key).is_some());
        }
        assert!(suggestion("nope").is_none());
    }
}
