//! A partnership's organisations and members, cached in memory per node.
//!
//! The cache is keyed by the partnership's `version`, which every request reads fresh
//! from the database (it comes with the membership check) and which is bumped in the
//! same transaction as any change to organisations or members. So a cached list is used
//! only while it is still current, on every node: nothing is ever served stale.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::db::{DbResult, Store};
use crate::domain::actions::ActionRow;
use crate::domain::model::{Id, Member, Organisation, Partnership};
use crate::domain::roles::Role;

/// Partnerships kept at once; past this the cache starts afresh (a crude but safe bound).
const MAX_ENTRIES: usize = 1024;

/// Who is in a partnership.
pub struct Directory {
    pub organisations: Vec<Organisation>,
    pub members: Vec<Member>,
}

/// The owner field's value for a record owned by this person or organisation:
/// "u:ID", "o:ID", or empty for nobody.
pub fn owner_key(user_id: Option<Id>, org_id: Option<Id>) -> String {
    match (user_id, org_id) {
        (Some(u), _) => format!("u:{u}"),
        (None, Some(o)) => format!("o:{o}"),
        _ => String::new(),
    }
}

/// The owner chosen on a form, if it is one of `choices`: (person, organisation).
/// `None` when something was chosen that is not on offer.
pub fn chosen_owner(choices: &[(String, String)], typed: &str) -> Option<(Option<Id>, Option<Id>)> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Some((None, None));
    }
    if !choices.iter().any(|(k, _)| k == typed) {
        return None;
    }
    Some(match (typed.strip_prefix("u:"), typed.strip_prefix("o:")) {
        (Some(u), _) => (u.parse().ok(), None),
        (None, Some(o)) => (None, o.parse().ok()),
        _ => (None, None),
    })
}

impl Directory {
    /// Who can own an action: ("u:ID" or "o:ID", label), people first then
    /// organisations. Observers are left out: they read everything and change
    /// nothing, so they could never update an action of their own. `current` keeps a
    /// former member, or someone since made an observer, selectable on an action they
    /// already own.
    pub fn owner_choices(&self, current: Option<&ActionRow>) -> Vec<(String, String)> {
        let mut people: Vec<(String, String)> = self
            .members
            .iter()
            .filter(|p| p.role != Role::Observer)
            .map(|p| {
                (
                    format!("u:{}", p.user_id),
                    format!("{} ({})", p.display_name, p.organisation_name),
                )
            })
            .collect();
        people.sort_by_key(|p| p.1.to_lowercase());
        if let Some(a) = current
            && let Some(uid) = a.owner_user_id
            && !people.iter().any(|(k, _)| *k == format!("u:{uid}"))
        {
            let label = if self.is_observer(uid) {
                format!("{} (an observer, who cannot update it)", a.owner_label())
            } else {
                a.owner_label()
            };
            people.push((format!("u:{uid}"), label));
        }
        let orgs = self.organisations.iter().map(|o| {
            (
                format!("o:{}", o.id),
                format!("{} (the organisation)", o.name),
            )
        });
        people.into_iter().chain(orgs).collect()
    }

    /// Whether `user` is in the partnership as an observer.
    pub fn is_observer(&self, user: Id) -> bool {
        self.members
            .iter()
            .any(|m| m.user_id == user && m.role == Role::Observer)
    }
}

/// See the module documentation.
#[derive(Default)]
pub struct DirectoryCache {
    entries: Mutex<HashMap<Id, (i64, Arc<Directory>)>>,
}

impl DirectoryCache {
    /// The current lists for `p` (as read with `p.version`).
    pub async fn get(&self, db: &Store, p: &Partnership) -> DbResult<Arc<Directory>> {
        if let Some((version, d)) = self.lock().get(&p.id)
            && *version == p.version
        {
            return Ok(d.clone());
        }
        let (organisations, members) = tokio::try_join!(db.organisations(p.id), db.members(p.id))?;
        let d = Arc::new(Directory {
            organisations,
            members,
        });
        let mut entries = self.lock();
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        // The lists were read after the version, so they are at least that new; never
        // replace a newer entry with them.
        if entries.get(&p.id).is_none_or(|(v, _)| *v <= p.version) {
            entries.insert(p.id, (p.version, d.clone()));
        }
        Ok(d)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Id, (i64, Arc<Directory>)>> {
        // A panic while holding the lock cannot leave the map inconsistent.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}
