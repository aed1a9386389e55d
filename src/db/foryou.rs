//! What is waiting for one person: rounds they have not answered, their actions due
//! soon or overdue, conversations they are invited to and notes they left as drafts.
//! For one partnership (its home page) or all of theirs ("Your partnerships"), always
//! only where they are still a member.

use super::*;
use crate::domain::Timestamp;
use crate::domain::model::Id;

/// A round the person can answer and has not sent yet.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WaitingRound {
    /// The round.
    pub id: Id,
    /// Its title.
    pub title: String,
    /// First day to answer (YYYY-MM-DD).
    pub opens_on: String,
    /// Last day to answer (YYYY-MM-DD).
    pub closes_on: String,
    /// Whether they have started (saved answers without sending them).
    pub started: bool,
    /// The partnership's address word.
    pub p_slug: String,
    /// The partnership's name.
    pub p_name: String,
    /// The partnership's time zone.
    pub p_time_zone: String,
}

/// One of their open actions with a due date.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DueAction {
    /// Its id.
    pub id: Id,
    /// Its title.
    pub title: String,
    /// YYYY-MM-DD.
    pub due_on: String,
    /// The partnership's address word.
    pub p_slug: String,
    /// The partnership's name.
    pub p_name: String,
    /// The partnership's time zone.
    pub p_time_zone: String,
}

/// A planned conversation they are invited to.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Invited {
    /// Its id.
    pub id: Id,
    /// Its title.
    pub title: String,
    /// When it starts, if set.
    pub starts_at: Option<Timestamp>,
    /// The zone its time is shown in.
    pub time_zone: String,
    /// How many agenda items it has.
    pub items: i64,
    /// How many of them they have added their views to.
    pub my_views: i64,
    /// The partnership's address word.
    pub p_slug: String,
    /// The partnership's name.
    pub p_name: String,
}

/// Notes on an agenda item they left as a draft.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LeftDraft {
    /// The agenda item.
    pub item_id: Id,
    /// The item's title.
    pub item_title: String,
    /// Its conversation.
    pub conversation_id: Id,
    /// The conversation's title.
    pub conversation_title: String,
    /// When the draft was last kept.
    pub saved_at: Timestamp,
    /// The partnership's address word.
    pub p_slug: String,
    /// The partnership's name.
    pub p_name: String,
}

/// Everything waiting for one person, each list soonest first and short.
#[derive(Debug, Clone, Default)]
pub struct ForYou {
    /// Rounds to answer, closing soonest first.
    pub rounds: Vec<WaitingRound>,
    /// Actions due soon or overdue, earliest first.
    pub actions: Vec<DueAction>,
    /// Conversations they are invited to, soonest first.
    pub conversations: Vec<Invited>,
    /// Drafts, newest first.
    pub drafts: Vec<LeftDraft>,
}

impl ForYou {
    /// Nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.rounds.is_empty()
            && self.actions.is_empty()
            && self.conversations.is_empty()
            && self.drafts.is_empty()
    }
}

/// At most this many of each kind (the full lists are a click away).
const EACH: i64 = 5;

impl Store {
    /// What is waiting for `user`, in `partnership` or (with `None`) in every
    /// partnership they belong to. Rounds are those not closed early whose last day
    /// is `since` (yesterday, anywhere) or later, and not yet sent: the caller keeps
    /// those open on the partnership's own today. Actions are open or in progress and
    /// due on or before `due_by`. Conversations are planned, from `from` on (or with
    /// no date yet). Observers are not asked to answer rounds.
    pub async fn for_you(
        &self,
        user: Id,
        partnership: Option<Id>,
        since: &str,
        due_by: &str,
        from: Timestamp,
    ) -> DbResult<ForYou> {
        // 0: every partnership (ids start at 1).
        let pid = partnership.unwrap_or(0);
        reader!(self, |r| {
            let rounds = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT r.id, r.title, r.opens_on, r.closes_on, s.id IS NOT NULL AS started,
                        p.slug AS p_slug, p.name AS p_name, p.time_zone AS p_time_zone
                 FROM rounds r
                 JOIN partnerships p ON p.id = r.partnership_id
                 JOIN memberships m ON m.partnership_id = p.id AND m.user_id = $1
                 LEFT JOIN answer_sets s ON s.round_id = r.id AND s.user_id = $1
                 WHERE r.closed_at IS NULL AND r.closes_on >= $2 AND m.role <> 'observer'
                   AND (s.id IS NULL OR s.submitted_at IS NULL) AND ($3 = 0 OR p.id = $3)
                 ORDER BY r.closes_on, r.id LIMIT {EACH}"
            )))
            .bind(user)
            .bind(since)
            .bind(pid)
            .fetch_all(r)
            .await?;
            let actions = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT a.id, a.title, a.due_on, p.slug AS p_slug, p.name AS p_name,
                        p.time_zone AS p_time_zone
                 FROM actions a
                 JOIN partnerships p ON p.id = a.partnership_id
                 JOIN memberships m ON m.partnership_id = p.id AND m.user_id = $1
                 WHERE a.owner_user_id = $1 AND a.status IN ('open', 'in_progress')
                   AND a.due_on IS NOT NULL AND a.due_on <= $2 AND ($3 = 0 OR p.id = $3)
                 ORDER BY a.due_on, a.id LIMIT {EACH}"
            )))
            .bind(user)
            .bind(due_by)
            .bind(pid)
            .fetch_all(r)
            .await?;
            let conversations = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT c.id, c.title, c.starts_at, c.time_zone,
                        (SELECT COUNT(*) FROM agenda_items i WHERE i.conversation_id = c.id) AS items,
                        (SELECT COUNT(*) FROM agenda_items i JOIN prior_views v ON v.item_id = i.id
                          WHERE i.conversation_id = c.id AND v.user_id = $1) AS my_views,
                        p.slug AS p_slug, p.name AS p_name
                 FROM attendees t
                 JOIN conversations c ON c.id = t.conversation_id
                 JOIN partnerships p ON p.id = c.partnership_id
                 JOIN memberships m ON m.partnership_id = p.id AND m.user_id = $1
                 WHERE t.user_id = $1 AND c.status = 'planned'
                   AND (c.starts_at IS NULL OR c.starts_at >= $2) AND ($3 = 0 OR p.id = $3)
                 ORDER BY c.starts_at IS NULL, c.starts_at, c.id LIMIT {EACH}"
            )))
            .bind(user)
            .bind(from)
            .bind(pid)
            .fetch_all(r)
            .await?;
            let drafts = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT i.id AS item_id, i.title AS item_title, c.id AS conversation_id,
                        c.title AS conversation_title, d.saved_at,
                        p.slug AS p_slug, p.name AS p_name
                 FROM drafts d
                 JOIN agenda_items i ON i.id = d.item_id
                 JOIN conversations c ON c.id = i.conversation_id
                 JOIN partnerships p ON p.id = c.partnership_id
                 JOIN memberships m ON m.partnership_id = p.id AND m.user_id = $1
                 WHERE d.user_id = $1 AND ($2 = 0 OR p.id = $2)
                 ORDER BY d.saved_at DESC, i.id LIMIT {EACH}"
            )))
            .bind(user)
            .bind(pid)
            .fetch_all(r)
            .await?;
            Ok(ForYou {
                rounds,
                actions,
                conversations,
                drafts,
            })
        })
    }
}
