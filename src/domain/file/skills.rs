//! The skills and resources grid: what each partner organisation offers and hopes to
//! gain ("give and receive"), and the gaps — needed by someone, offered by nobody.

use crate::domain::model::Id;

/// The kinds of row: key, heading.
pub const SKILL_KINDS: [(&str, &str); 3] = [
    ("skill", "Skills"),
    ("knowledge", "Knowledge"),
    ("resource", "Resources"),
];

/// A row of the grid.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SkillRow {
    /// Its id.
    pub id: Id,
    /// The partnership.
    pub partnership_id: Id,
    /// What it is ("facilitating meetings", "rooms in the town centre").
    pub name: String,
    /// A key of [`SKILL_KINDS`].
    pub kind: String,
}

/// One organisation's answer for one row.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct SkillCell {
    /// The row.
    pub skill_id: Id,
    /// The organisation.
    pub organisation_id: Id,
    /// It offers this.
    pub offers: bool,
    /// It hopes to gain this.
    pub wants: bool,
}

/// Where a row stands across the organisations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cover {
    /// Someone hopes to gain it and nobody offers it.
    Gap,
    /// Someone offers it and someone else hopes to gain it: a match to make.
    Match,
    /// Offered, and nobody has said they need it.
    Offered,
    /// Nobody has said anything yet.
    Empty,
}

impl Cover {
    /// Where a row stands, from its cells.
    pub fn of(cells: &[&SkillCell]) -> Cover {
        let offered = cells.iter().any(|c| c.offers);
        let wanted = cells.iter().any(|c| c.wants);
        match (offered, wanted) {
            (false, true) => Cover::Gap,
            (true, true) => Cover::Match,
            (true, false) => Cover::Offered,
            (false, false) => Cover::Empty,
        }
    }

    /// In words (shown in the grid, not only as colour).
    pub fn label(self) -> &'static str {
        match self {
            Cover::Gap => "Gap: needed, nobody offers it",
            Cover::Match => "Offered and needed: put them in touch",
            Cover::Offered => "Offered",
            Cover::Empty => "Nothing said yet",
        }
    }

    /// For class names.
    pub fn key(self) -> &'static str {
        match self {
            Cover::Gap => "gap",
            Cover::Match => "match",
            Cover::Offered => "offered",
            Cover::Empty => "empty",
        }
    }
}

/// A fingerprint of an organisation's answers, carried by its form so a save over
/// someone else's change is caught: the rows it offers and hopes to gain, in order.
pub fn fingerprint(cells: &[SkillCell], organisation: Id) -> String {
    let mut parts: Vec<String> = cells
        .iter()
        .filter(|c| c.organisation_id == organisation && (c.offers || c.wants))
        .map(|c| {
            format!(
                "{}{}{}",
                c.skill_id,
                if c.offers { "o" } else { "" },
                if c.wants { "w" } else { "" }
            )
        })
        .collect();
    parts.sort();
    parts.join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(skill_id: Id, organisation_id: Id, offers: bool, wants: bool) -> SkillCell {
        SkillCell {
            skill_id,
            organisation_id,
            offers,
            wants,
        }
    }

    #[test]
    fn a_row_needed_by_one_and_offered_by_none_is_a_gap() {
        let (a, b) = (cell(1, 1, false, true), cell(1, 2, false, false));
        assert_eq!(Cover::of(&[&a, &b]), Cover::Gap);
        let c = cell(1, 2, true, false);
        assert_eq!(Cover::of(&[&a, &c]), Cover::Match);
        assert_eq!(Cover::of(&[&c]), Cover::Offered);
        assert_eq!(Cover::of(&[]), Cover::Empty);
    }

    #[test]
    fn the_fingerprint_changes_with_any_answer_of_that_organisation_only() {
        let cells = vec![
            cell(1, 1, true, false),
            cell(2, 1, false, true),
            cell(1, 2, true, true),
        ];
        assert_eq!(fingerprint(&cells, 1), "1o.2w");
        let mut other = cells.clone();
        other[2].wants = false;
        assert_eq!(fingerprint(&other, 1), "1o.2w");
        other[0].wants = true;
        assert_eq!(fingerprint(&other, 1), "1ow.2w");
    }
}
