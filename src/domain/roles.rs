//! Who may do what inside a partnership: the one role × action table.

use std::fmt;

/// A person's role in one partnership.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Manages the partnership: details, organisations, invitations, members.
    Lead,
    /// Takes part and edits content.
    Member,
    /// Reads only (a funder, a board member).
    Observer,
}

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 3] = [Role::Lead, Role::Member, Role::Observer];

    /// The value stored in the database and sent by forms.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Lead => "lead",
            Role::Member => "member",
            Role::Observer => "observer",
        }
    }

    /// The word people see.
    pub fn label(self) -> &'static str {
        match self {
            Role::Lead => "Lead",
            Role::Member => "Member",
            Role::Observer => "Observer",
        }
    }

    /// The role after "You are", e.g. "an observer".
    pub fn with_article(self) -> &'static str {
        match self {
            Role::Lead => "a lead",
            Role::Member => "a member",
            Role::Observer => "an observer",
        }
    }

    /// One line on what the role allows, shown beside role choices.
    pub fn explain(self) -> &'static str {
        match self {
            Role::Lead => {
                "Leads run the partnership: they invite people, set roles and edit its details."
            }
            Role::Member => "Members join in and add to the partnership's work.",
            Role::Observer => "Observers can read everything but change nothing.",
        }
    }

    /// Parse a stored or submitted value.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl TryFrom<String> for Role {
    type Error = String;
    fn try_from(s: String) -> Result<Role, String> {
        Role::parse(&s).ok_or_else(|| format!("unknown role {s:?}"))
    }
}

/// Things a member of a partnership might try to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read the partnership's pages.
    View,
    /// Add or change the partnership's content (later: cards, notes, actions…).
    EditContent,
    /// Run a conversation: choose named or anonymous views, reveal them, delete it.
    RunConversation,
    /// Run a round of an instrument: open it, close it early, show results early, and
    /// export who answered what (named rounds only).
    RunRound,
    /// Run a live session: start one, step through it, release thoughts, reveal
    /// results, remove a participant, end it. Members facilitate meetings too.
    RunLiveSession,
    /// Change the partnership's name, aim and description.
    EditDetails,
    /// Add or remove organisations.
    ManageOrganisations,
    /// Create and revoke invitations.
    ManageInvites,
    /// Change roles and remove members.
    ManageMembers,
    /// Ask the partner organisations to sign a version of the agreement.
    RequestSignOff,
    /// Leave the partnership.
    Leave,
}

/// The role × action table. Every handler asks this; nothing else decides.
pub fn can(role: Role, action: Action) -> bool {
    use Action::*;
    match role {
        Role::Lead => true,
        Role::Member => matches!(action, View | EditContent | RunLiveSession | Leave),
        Role::Observer => matches!(action, View | Leave),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("admin"), None);
    }

    #[test]
    fn table_is_as_documented() {
        use Action::*;
        let all = [
            View,
            EditContent,
            RunConversation,
            RunLiveSession,
            EditDetails,
            ManageOrganisations,
            ManageInvites,
            ManageMembers,
            RequestSignOff,
            Leave,
        ];
        assert!(all.iter().all(|a| can(Role::Lead, *a)));
        assert!(can(Role::Member, EditContent) && !can(Role::Member, ManageMembers));
        assert!(!can(Role::Member, RunConversation) && !can(Role::Observer, RunConversation));
        assert!(!can(Role::Member, ManageInvites) && !can(Role::Member, EditDetails));
        assert!(can(Role::Observer, View) && !can(Role::Observer, EditContent));
        assert!(can(Role::Observer, Leave));
        assert!(can(Role::Member, RunLiveSession) && !can(Role::Observer, RunLiveSession));
        assert!(!can(Role::Member, RequestSignOff) && !can(Role::Observer, RequestSignOff));
    }
}
