//! The stakeholder map: the people and groups outside the partnership who matter to
//! its work, placed by how much influence each has over it and how interested each is
//! (1 to 5 each), with where each stands, which member keeps in touch and how often.
//! Every change of place is kept, so the map can say who moved since a chosen day.

use crate::domain::Timestamp;
use crate::domain::model::Id;
use crate::domain::time::format_day;

/// From this point up (of 5), influence or interest counts as high on the grid.
pub const HIGH_FROM: i64 = 3;

/// What each point of the influence scale means.
pub const INFLUENCE: [&str; 5] = ["Hardly any", "A little", "Some", "A lot", "Can decide it"];

/// What each point of the interest scale means.
pub const INTEREST: [&str; 5] = ["Hardly any", "A little", "Some", "A lot", "Central to them"];

/// Where a stakeholder stands on the partnership's work: key and words.
pub const STANCES: [(&str, &str); 4] = [
    ("supportive", "Supportive"),
    ("neutral", "Neutral"),
    ("opposed", "Opposed"),
    ("unknown", "Not known"),
];

/// How often to be in touch: key, words, and the days between contacts.
pub const CONTACT: [(&str, &str, i64); 7] = [
    ("", "Not decided", 0),
    ("weekly", "Every week", 7),
    ("fortnightly", "Every two weeks", 14),
    ("monthly", "Every month", 31),
    ("quarterly", "Every three months", 92),
    ("twice-yearly", "Twice a year", 183),
    ("yearly", "Once a year", 366),
];

/// The stance's words (unknown keys read as "Not known").
pub fn stance_label(key: &str) -> &'static str {
    STANCES
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, l)| *l)
        .unwrap_or("Not known")
}

/// How often, in words.
pub fn contact_label(key: &str) -> &'static str {
    CONTACT
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, l, _)| *l)
        .unwrap_or("Not decided")
}

/// The four parts of the influence × interest grid, each with what it means for how we
/// keep in touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Quadrant {
    /// High influence, high interest.
    ManageClosely,
    /// High influence, low interest.
    KeepSatisfied,
    /// Low influence, high interest.
    KeepInformed,
    /// Low influence, low interest.
    Monitor,
}

impl Quadrant {
    /// All four, in the order the map lists them.
    pub const ALL: [Quadrant; 4] = [
        Quadrant::ManageClosely,
        Quadrant::KeepSatisfied,
        Quadrant::KeepInformed,
        Quadrant::Monitor,
    ];

    /// Where influence and interest (1 to 5 each) put a stakeholder.
    pub fn of(influence: i64, interest: i64) -> Quadrant {
        match (influence >= HIGH_FROM, interest >= HIGH_FROM) {
            (true, true) => Quadrant::ManageClosely,
            (true, false) => Quadrant::KeepSatisfied,
            (false, true) => Quadrant::KeepInformed,
            (false, false) => Quadrant::Monitor,
        }
    }

    /// Its name, as a heading.
    pub fn label(self) -> &'static str {
        match self {
            Quadrant::ManageClosely => "Manage closely",
            Quadrant::KeepSatisfied => "Keep satisfied",
            Quadrant::KeepInformed => "Keep informed",
            Quadrant::Monitor => "Keep an eye on",
        }
    }

    /// Who sits there.
    pub fn who(self) -> &'static str {
        match self {
            Quadrant::ManageClosely => "High influence and high interest",
            Quadrant::KeepSatisfied => "High influence, less interest",
            Quadrant::KeepInformed => "High interest, less influence",
            Quadrant::Monitor => "Less influence and less interest",
        }
    }

    /// What it means for contact.
    pub fn advice(self) -> &'static str {
        match self {
            Quadrant::ManageClosely => {
                "involve them in decisions that touch them and meet them often"
            }
            Quadrant::KeepSatisfied => {
                "check in with them before decisions that affect them, without filling their inbox"
            }
            Quadrant::KeepInformed => {
                "tell them regularly what is happening and listen to what they say back"
            }
            Quadrant::Monitor => {
                "keep contact light and notice if their interest or influence grows"
            }
        }
    }

    /// For class names and CSV.
    pub fn key(self) -> &'static str {
        match self {
            Quadrant::ManageClosely => "manage-closely",
            Quadrant::KeepSatisfied => "keep-satisfied",
            Quadrant::KeepInformed => "keep-informed",
            Quadrant::Monitor => "monitor",
        }
    }
}

/// A stakeholder on the map.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StakeholderRow {
    /// Its id.
    pub id: Id,
    /// The partnership whose map it is on.
    pub partnership_id: Id,
    /// Who they are.
    pub name: String,
    /// The organisation or group they belong to (may be empty).
    pub group_name: String,
    /// Anything worth knowing.
    pub notes: String,
    /// Influence over the partnership's work, 1 to 5.
    pub influence: i64,
    /// Interest in it, 1 to 5.
    pub interest: i64,
    /// A key of [`STANCES`].
    pub stance: String,
    /// The member who keeps in touch, if one does.
    pub owner_user_id: Option<Id>,
    /// That member's name.
    pub owner_name: Option<String>,
    /// Whether they are still a member of the partnership.
    pub owner_is_member: bool,
    /// A key of [`CONTACT`].
    pub contact_every: String,
    /// When it was added.
    pub created_at: Timestamp,
    /// When it was last changed.
    pub updated_at: Timestamp,
    /// Bumped by every change; an edit names the version it started from.
    pub version: i64,
}

impl StakeholderRow {
    /// Where it sits on the grid.
    pub fn quadrant(&self) -> Quadrant {
        Quadrant::of(self.influence, self.interest)
    }

    /// The stance in words.
    pub fn stance_label(&self) -> &'static str {
        stance_label(&self.stance)
    }

    /// How often to be in touch, in words.
    pub fn contact_label(&self) -> &'static str {
        contact_label(&self.contact_every)
    }

    /// Who keeps in touch, in words.
    pub fn owner_label(&self) -> String {
        crate::domain::actions::owner_label(
            self.owner_name.as_deref(),
            self.owner_user_id,
            self.owner_is_member,
            None,
        )
        .unwrap_or_else(|| "Nobody yet".into())
    }

    /// The name with its organisation or group: "Jo Bloggs (City Council)".
    pub fn full_name(&self) -> String {
        if self.group_name.is_empty() {
            self.name.clone()
        } else {
            format!("{} ({})", self.name, self.group_name)
        }
    }

    /// The influence in words.
    pub fn influence_label(&self) -> &'static str {
        point_label(&INFLUENCE, self.influence)
    }

    /// The interest in words.
    pub fn interest_label(&self) -> &'static str {
        point_label(&INTEREST, self.interest)
    }
}

fn point_label(labels: &[&'static str; 5], point: i64) -> &'static str {
    usize::try_from(point - 1)
        .ok()
        .and_then(|i| labels.get(i))
        .copied()
        .unwrap_or("")
}

/// A new stakeholder, or an edit of one, as checked.
#[derive(Debug, Clone, Default)]
pub struct StakeholderFields {
    /// Who they are.
    pub name: String,
    /// Their organisation or group.
    pub group_name: String,
    /// Anything worth knowing.
    pub notes: String,
    /// 1 to 5.
    pub influence: i64,
    /// 1 to 5.
    pub interest: i64,
    /// A key of [`STANCES`].
    pub stance: String,
    /// The member who keeps in touch.
    pub owner_user_id: Option<Id>,
    /// A key of [`CONTACT`].
    pub contact_every: String,
}

/// One place a stakeholder has been: where they were put when added, or moved to.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct MoveRow {
    /// The stakeholder.
    pub stakeholder_id: Id,
    /// Influence there, 1 to 5.
    pub influence: i64,
    /// Interest there, 1 to 5.
    pub interest: i64,
    /// Stance there.
    pub stance: String,
    /// The day (YYYY-MM-DD, the partnership's time zone).
    pub moved_on: String,
    /// When exactly.
    pub moved_at: Timestamp,
}

impl MoveRow {
    fn quadrant(&self) -> Quadrant {
        Quadrant::of(self.influence, self.interest)
    }
    fn same_place(&self, other: &MoveRow) -> bool {
        self.influence == other.influence
            && self.interest == other.interest
            && self.stance == other.stance
    }
}

/// How one stakeholder changed since a day.
#[derive(Debug, Clone, PartialEq)]
pub enum Movement {
    /// Put on the map on or after the day.
    Added {
        /// The day they were added.
        on: String,
    },
    /// Somewhere else than on the day.
    Moved {
        /// Influence, interest and stance on the day.
        from: (i64, i64, String),
        /// The day of the change that matters most: the one that took them into
        /// their present quadrant if they changed quadrant, else the last one.
        on: String,
        /// Their quadrant on the day.
        was: Quadrant,
    },
}

impl Movement {
    /// The movement in words, for a stakeholder now at `now`: "moved from keep
    /// informed to manage closely on 3 May 2026".
    pub fn describe(&self, now: &StakeholderRow) -> String {
        match self {
            Movement::Added { on } => format!("added to the map on {}", format_day(on)),
            Movement::Moved { from, on, was } => {
                let mut parts = Vec::new();
                if *was != now.quadrant() {
                    parts.push(format!(
                        "moved from {} to {}",
                        was.label().to_lowercase(),
                        now.quadrant().label().to_lowercase()
                    ));
                } else if from.0 != now.influence || from.1 != now.interest {
                    parts.push(format!(
                        "moved within {} (influence {} to {}, interest {} to {})",
                        was.label().to_lowercase(),
                        from.0,
                        now.influence,
                        from.1,
                        now.interest
                    ));
                }
                if from.2 != now.stance {
                    parts.push(format!(
                        "{} from {} to {}",
                        if parts.is_empty() { "changed" } else { "and" },
                        stance_label(&from.2).to_lowercase(),
                        now.stance_label().to_lowercase()
                    ));
                }
                format!("{} on {}", parts.join(" "), format_day(on))
            }
        }
    }

    /// Where they were on the day, if they were on the map then.
    pub fn from_place(&self) -> Option<(i64, i64)> {
        match self {
            Movement::Moved { from, .. } => Some((from.0, from.1)),
            Movement::Added { .. } => None,
        }
    }
}

/// How a stakeholder changed since `since` (YYYY-MM-DD; changes on that day count),
/// from their moves oldest first. None if they are where they were.
pub fn movement_since(moves: &[MoveRow], since: &str) -> Option<Movement> {
    let current = moves.last()?;
    let Some(at_start) = moves.iter().rev().find(|m| m.moved_on.as_str() < since) else {
        return Some(Movement::Added {
            on: moves[0].moved_on.clone(),
        });
    };
    if at_start.same_place(current) {
        return None;
    }
    let was = at_start.quadrant();
    // The day they entered their present quadrant, if they changed quadrant: the
    // first of the latest run of moves inside it.
    let on = if was != current.quadrant() {
        moves
            .iter()
            .rev()
            .take_while(|m| m.quadrant() == current.quadrant())
            .last()
            .unwrap_or(current)
            .moved_on
            .clone()
    } else {
        current.moved_on.clone()
    };
    Some(Movement::Moved {
        from: (
            at_start.influence,
            at_start.interest,
            at_start.stance.clone(),
        ),
        on,
        was,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mv(influence: i64, interest: i64, stance: &str, on: &str) -> MoveRow {
        MoveRow {
            stakeholder_id: 1,
            influence,
            interest,
            stance: stance.into(),
            moved_on: on.into(),
            moved_at: 0,
        }
    }

    fn row(influence: i64, interest: i64, stance: &str) -> StakeholderRow {
        StakeholderRow {
            id: 1,
            partnership_id: 1,
            name: "Jo".into(),
            group_name: String::new(),
            notes: String::new(),
            influence,
            interest,
            stance: stance.into(),
            owner_user_id: None,
            owner_name: None,
            owner_is_member: false,
            contact_every: String::new(),
            created_at: 0,
            updated_at: 0,
            version: 1,
        }
    }

    #[test]
    fn the_grid_splits_at_three() {
        assert_eq!(Quadrant::of(3, 3), Quadrant::ManageClosely);
        assert_eq!(Quadrant::of(5, 2), Quadrant::KeepSatisfied);
        assert_eq!(Quadrant::of(2, 5), Quadrant::KeepInformed);
        assert_eq!(Quadrant::of(1, 2), Quadrant::Monitor);
    }

    #[test]
    fn movement_names_the_day_they_crossed_into_their_quadrant() {
        let moves = [
            mv(2, 4, "neutral", "2026-01-10"),
            mv(4, 4, "neutral", "2026-05-03"),
            mv(5, 4, "neutral", "2026-06-01"),
        ];
        let m = movement_since(&moves, "2026-03-01").unwrap();
        assert_eq!(
            m.describe(&row(5, 4, "neutral")),
            "moved from keep informed to manage closely on 3 May 2026"
        );
        assert_eq!(m.from_place(), Some((2, 4)));
        // Since after the crossing: a move within the quadrant.
        let m = movement_since(&moves, "2026-05-10").unwrap();
        assert_eq!(
            m.describe(&row(5, 4, "neutral")),
            "moved within manage closely (influence 4 to 5, interest 4 to 4) on 1 June 2026"
        );
        // Since after the last move: nothing.
        assert_eq!(movement_since(&moves, "2026-07-01"), None);
        // Since before they were added.
        assert_eq!(
            movement_since(&moves, "2026-01-10"),
            Some(Movement::Added {
                on: "2026-01-10".into()
            })
        );
    }

    #[test]
    fn a_change_of_stance_is_movement_and_a_return_is_not() {
        let moves = [
            mv(3, 3, "unknown", "2026-01-10"),
            mv(3, 3, "opposed", "2026-02-10"),
            mv(3, 3, "supportive", "2026-04-02"),
        ];
        let m = movement_since(&moves, "2026-02-01").unwrap();
        assert_eq!(
            m.describe(&row(3, 3, "supportive")),
            "changed from not known to supportive on 2 April 2026"
        );
        let back = [
            mv(2, 2, "neutral", "2026-01-10"),
            mv(4, 4, "neutral", "2026-02-10"),
            mv(2, 2, "neutral", "2026-03-10"),
        ];
        assert_eq!(movement_since(&back, "2026-02-01"), None);
    }
}
