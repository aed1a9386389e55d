//! The partnership file: where a partnership writes down how it works — its risk
//! register, stakeholder map, evaluation plan, logic model, agreement, communications
//! plan and skills grid — and the overview that says, in words,
//! where each part stands, what needs attention, and which of the health check's
//! checklist statements the file itself shows to be true.

mod agreement;
mod comms;
mod evaluation;
mod logic;
mod risks;
mod skills;
mod stakeholders;

pub use agreement::*;
pub use comms::*;
pub use evaluation::*;
pub use logic::*;
pub use risks::*;
pub use skills::*;
pub use stakeholders::*;

use crate::domain::Timestamp;

/// Counts across the file, read in one query, for the overview and for the checklist
/// statements the file answers.
#[derive(Debug, Clone, Default, PartialEq, sqlx::FromRow)]
pub struct FileSummary {
    /// Risks still open.
    pub open_risks: i64,
    /// Open risks whose review date has passed.
    pub risks_overdue: i64,
    /// Open risks scoring high or very high.
    pub serious_risks: i64,
    /// Of those, the ones nobody watches.
    pub serious_unowned: i64,
    /// Everyone on the stakeholder map.
    pub stakeholders: i64,
    /// Those with high influence and high interest.
    pub manage_closely: i64,
    /// Of those, the ones nobody keeps in touch with.
    pub close_unowned: i64,
    /// Stakeholders with high influence who are against the work.
    pub influential_opposed: i64,
    /// When anyone last moved on (or was added to) the map.
    pub last_move: Option<Timestamp>,
    /// Actions not done or dropped.
    pub open_actions: i64,
    /// Of those, the ones with an owner and a plan for if they cannot be done.
    pub actions_with_fallback: i64,
    /// Outcomes on the evaluation plan.
    pub outcomes: i64,
    /// Their indicators.
    pub indicators: i64,
    /// The day of the latest evidence entry.
    pub last_evidence: Option<String>,
    /// Indicators with no evidence dated this year.
    pub indicators_quiet: i64,
    /// The logic model's own items (inputs, activities, outputs, impact).
    pub logic_items: i64,
    /// Its assumptions.
    pub assumptions: i64,
    /// Assumptions not checked for six months, or never.
    pub assumptions_stale: i64,
    /// The agreement's latest version, if there is one.
    pub agreement_number: Option<i64>,
    /// Organisations now in the partnership that have signed it.
    pub agreement_signed: i64,
    /// Organisations in the partnership.
    pub organisations: i64,
    /// Lines of the communications plan.
    pub comms_lines: i64,
    /// The soonest next date on it.
    pub comms_next: Option<String>,
    /// Rows of the skills and resources grid.
    pub skill_rows: i64,
    /// Of those, needed by someone and offered by nobody.
    pub skill_gaps: i64,
}

/// A part of the file a checklist statement can point to as its evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// The stakeholder map.
    StakeholderMap,
    /// The action plan, with an owner and a fallback for each action.
    ActionFallbacks,
    /// The partnership agreement, signed by every partner.
    Agreement,
    /// The communications plan.
    CommsPlan,
}

/// The health-check statements the file answers: (instrument, statement key, part).
/// Having the part ticks the statement; the link is its evidence.
pub const CHECKLIST_LINKS: [(&str, &str, Tool); 4] = [
    ("health-check", "expectations-c5", Tool::CommsPlan),
    ("health-check", "resources-c1", Tool::Agreement),
    ("health-check", "resources-c3", Tool::StakeholderMap),
    ("health-check", "accountability-c1", Tool::ActionFallbacks),
];

/// The part of the file that answers a checklist statement, if one does.
pub fn checklist_tool(instrument: &str, entry: &str) -> Option<Tool> {
    CHECKLIST_LINKS
        .iter()
        .find(|(i, e, _)| *i == instrument && *e == entry)
        .map(|(_, _, t)| *t)
}

/// "1 risk", "3 risks".
pub fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl FileSummary {
    /// Whether the file shows a part to be in place, and what it shows, in words.
    pub fn evidence(&self, tool: Tool) -> (bool, String) {
        match tool {
            Tool::StakeholderMap => (
                self.stakeholders > 0,
                if self.stakeholders > 0 {
                    format!(
                        "The stakeholder map has {} on it",
                        plural(self.stakeholders, "stakeholder", "stakeholders")
                    )
                } else {
                    "Nobody is on the stakeholder map yet".into()
                },
            ),
            Tool::CommsPlan => (
                self.comms_lines > 0,
                if self.comms_lines > 0 {
                    format!(
                        "The communications plan has {}",
                        plural(self.comms_lines, "line", "lines")
                    )
                } else {
                    "The communications plan is empty".into()
                },
            ),
            Tool::Agreement => match self.agreement_number {
                None => (false, "There is no partnership agreement yet".into()),
                Some(n) => (
                    self.organisations > 0 && self.agreement_signed >= self.organisations,
                    format!(
                        "Version {n} of the agreement is signed by {} of {}",
                        self.agreement_signed,
                        plural(self.organisations, "organisation", "organisations")
                    ),
                ),
            },
            Tool::ActionFallbacks => (
                self.open_actions > 0 && self.actions_with_fallback == self.open_actions,
                if self.open_actions == 0 {
                    "The action plan has no open actions".into()
                } else {
                    format!(
                        "{} of {} an owner and a plan for if {} cannot be done",
                        self.actions_with_fallback,
                        plural(self.open_actions, "open action has", "open actions have"),
                        if self.open_actions == 1 { "it" } else { "they" }
                    )
                },
            ),
        }
    }

    /// What needs attention, each in words with the page that deals with it (a path
    /// under `/p/{slug}`).
    pub fn attention(&self) -> Vec<(String, &'static str)> {
        let mut out = Vec::new();
        if self.risks_overdue > 0 {
            out.push((
                format!(
                    "{} past {} review date",
                    plural(self.risks_overdue, "risk is", "risks are"),
                    if self.risks_overdue == 1 {
                        "its"
                    } else {
                        "their"
                    }
                ),
                "/file/risks",
            ));
        }
        if self.serious_unowned > 0 {
            out.push((
                format!(
                    "{} with nobody watching",
                    plural(self.serious_unowned, "high risk", "high risks")
                ),
                "/file/risks",
            ));
        }
        if self.close_unowned > 0 {
            out.push((
                format!(
                    "{} to manage closely with nobody keeping in touch",
                    plural(self.close_unowned, "stakeholder", "stakeholders")
                ),
                "/file/stakeholders",
            ));
        }
        if self.influential_opposed > 0 {
            out.push((
                format!(
                    "{} with a lot of influence opposed to the work",
                    plural(self.influential_opposed, "stakeholder", "stakeholders")
                ),
                "/file/stakeholders",
            ));
        }
        if self.indicators_quiet > 0 {
            out.push((
                format!(
                    "{} with no evidence this year",
                    plural(self.indicators_quiet, "indicator", "indicators")
                ),
                "/file/evaluation",
            ));
        }
        if self.assumptions_stale > 0 {
            out.push((
                format!(
                    "{} not checked for six months",
                    plural(self.assumptions_stale, "assumption", "assumptions")
                ),
                "/file/logic-model",
            ));
        }
        if let Some(n) = self.agreement_number
            && self.agreement_signed < self.organisations
        {
            let waiting = self.organisations - self.agreement_signed;
            out.push((
                format!(
                    "Version {n} of the agreement is waiting for {} to sign",
                    plural(waiting, "organisation", "organisations")
                ),
                "/file/agreement",
            ));
        }
        if self.skill_gaps > 0 {
            out.push((
                format!(
                    "{} in skills and resources: needed, and nobody offers it",
                    plural(self.skill_gaps, "gap", "gaps")
                ),
                "/file/skills",
            ));
        }
        let without = self.open_actions - self.actions_with_fallback;
        if without > 0 {
            out.push((
                format!(
                    "{} without an owner or a plan for if {} cannot be done",
                    plural(without, "open action", "open actions"),
                    if without == 1 { "it" } else { "they" }
                ),
                "/actions",
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_answers_its_checklist_statements_only_when_it_has_the_part() {
        let mut s = FileSummary::default();
        assert!(!s.evidence(Tool::StakeholderMap).0);
        assert!(!s.evidence(Tool::ActionFallbacks).0);
        s.stakeholders = 1;
        s.open_actions = 3;
        s.actions_with_fallback = 2;
        assert_eq!(
            s.evidence(Tool::StakeholderMap),
            (true, "The stakeholder map has 1 stakeholder on it".into())
        );
        assert_eq!(
            s.evidence(Tool::ActionFallbacks),
            (
                false,
                "2 of 3 open actions have an owner and a plan for if they cannot be done".into()
            )
        );
        assert_eq!(
            s.attention(),
            vec![(
                "1 open action without an owner or a plan for if it cannot be done".into(),
                "/actions"
            )]
        );
        s.actions_with_fallback = 3;
        assert!(s.evidence(Tool::ActionFallbacks).0);
        assert!(s.attention().is_empty());
    }

    #[test]
    fn every_linked_statement_is_in_the_shipped_health_check() {
        let toml = include_str!("../../../instruments/health-check.toml");
        for (instrument, entry, _) in CHECKLIST_LINKS {
            assert_eq!(instrument, "health-check");
            assert!(
                toml.contains(&format!("key = \"{entry}\"")),
                "{entry} is not a statement of the health check"
            );
        }
        assert_eq!(
            checklist_tool("health-check", "resources-c3"),
            Some(Tool::StakeholderMap)
        );
        assert_eq!(checklist_tool("readiness", "resources-c3"), None);
    }
}
