//! The partnership agreement: a guided set of sections (the purpose, who the partners
//! are, roles, decisions, money, information, disagreements, joining and leaving, a
//! review date) kept in numbered versions, each signed off by the partner
//! organisations. A change after anyone has signed makes a new version.

use crate::domain::Timestamp;
use crate::domain::model::Id;
use crate::domain::time::format_day;

/// One section of the agreement a partnership writes: its form field, heading, what
/// to cover, and a first draft offered when it is empty (our own words; people change
/// them to fit).
pub struct Section {
    /// The form field and column.
    pub key: &'static str,
    /// Its heading in the agreement.
    pub heading: &'static str,
    /// What to cover.
    pub guidance: &'static str,
    /// A first draft.
    pub starter: &'static str,
}

/// The sections after the purpose and the partners, in the agreement's order.
pub const SECTIONS: [Section; 6] = [
    Section {
        key: "roles",
        heading: "Roles and responsibilities",
        guidance: "Who leads, what each partner does, and who is the contact for each.",
        starter: "Each partner names one person as its contact for the partnership. The lead partner arranges meetings, keeps this file up to date and reports on progress. Each partner carries out the actions it takes on in the action plan, or says early when it cannot.",
    },
    Section {
        key: "decisions",
        heading: "How we make decisions",
        guidance: "Which decisions need everyone, which a lead may take, and what counts as agreed.",
        starter: "We aim to agree together. Decisions that change the shared aim, the money or who is a partner need every partner's agreement. Day-to-day decisions can be taken by the lead partner, who reports them at the next meeting. Decisions are written in the record of the meeting.",
    },
    Section {
        key: "money",
        heading: "Money and resources",
        guidance: "What each partner brings (staff time, money, rooms, equipment) and who holds any shared budget.",
        starter: "Each partner lists what it brings in staff time, money and other resources, and tells the others early if that changes. Any shared budget is held by one named partner, who reports how it is spent at each review.",
    },
    Section {
        key: "information",
        heading: "Sharing information and confidentiality",
        guidance: "What may be shared, with whom and how; what stays confidential; who to tell if something goes wrong.",
        starter: "We share what the work needs and no more. Personal information about the people we serve is shared only as each partner's own rules and the law allow. What is said in partnership meetings stays in the partnership unless we agree otherwise. A partner who finds that information went where it should not tells the others the same day.",
    },
    Section {
        key: "disagreements",
        heading: "How we settle disagreements",
        guidance: "The steps from talking it through to asking someone outside to help.",
        starter: "First the people involved talk it through. If that does not settle it, the matter goes to the next partnership meeting. If it is still not settled, someone outside the disagreement chairs a meeting of the partners' senior people, who decide together.",
    },
    Section {
        key: "joining",
        heading: "How a partner joins or leaves",
        guidance: "How a new partner is agreed, how much notice a partner gives to leave, and what happens to its actions and to shared information.",
        starter: "A new partner joins when every partner agrees and it signs this agreement. A partner that wants to leave gives three months' notice in writing. Before it goes we agree who takes on its actions, what happens to information it holds, and how we tell the people we serve.",
    },
];

/// A version of the agreement.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AgreementRow {
    /// Its id.
    pub id: Id,
    /// The partnership.
    pub partnership_id: Id,
    /// 1, 2, 3…
    pub number: i64,
    /// The purpose and shared aim.
    pub purpose: String,
    /// Roles and responsibilities.
    pub roles: String,
    /// How decisions are made.
    pub decisions: String,
    /// Money and resources.
    pub money: String,
    /// Sharing information and confidentiality.
    pub information: String,
    /// Settling disagreements.
    pub disagreements: String,
    /// Joining and leaving.
    pub joining: String,
    /// When to review it (YYYY-MM-DD).
    pub review_on: Option<String>,
    /// The partners' names then, one a line.
    pub partners: String,
    /// When a lead asked for sign-off.
    pub requested_at: Option<Timestamp>,
    /// When it was first saved.
    pub created_at: Timestamp,
    /// When it was last changed.
    pub updated_at: Timestamp,
    /// Bumped by every edit.
    pub version: i64,
}

impl AgreementRow {
    /// A section's text by its key.
    pub fn section(&self, key: &str) -> &str {
        match key {
            "roles" => &self.roles,
            "decisions" => &self.decisions,
            "money" => &self.money,
            "information" => &self.information,
            "disagreements" => &self.disagreements,
            "joining" => &self.joining,
            _ => "",
        }
    }

    /// The partners, one each.
    pub fn partner_names(&self) -> Vec<&str> {
        self.partners.lines().filter(|l| !l.is_empty()).collect()
    }

    /// The review date in words.
    pub fn review_label(&self) -> String {
        self.review_on
            .as_deref()
            .map(format_day)
            .unwrap_or_else(|| "Not set".into())
    }
}

/// A new version or an edit, as checked.
#[derive(Debug, Clone, Default)]
pub struct AgreementFields {
    /// The purpose and shared aim.
    pub purpose: String,
    /// Section texts, in [`SECTIONS`] order.
    pub sections: [String; 6],
    /// When to review it.
    pub review_on: Option<String>,
    /// The partners' names now, one a line.
    pub partners: String,
}

/// An organisation's sign-off of a version.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SignoffRow {
    /// The version signed.
    pub agreement_version_id: Id,
    /// The organisation, if it is still in the partnership.
    pub organisation_id: Option<Id>,
    /// Its name then.
    pub organisation_name: String,
    /// Who signed for it.
    pub signer_name: String,
    /// When.
    pub signed_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_section_has_its_words_and_a_distinct_key() {
        let mut keys: Vec<&str> = SECTIONS.iter().map(|s| s.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), SECTIONS.len());
        for s in SECTIONS {
            assert!(!s.heading.is_empty() && !s.guidance.is_empty() && !s.starter.is_empty());
        }
    }
}
