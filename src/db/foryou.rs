//! What is waiting for one person: rounds they have not answered, their actions due
//! soon or overdue, conversations they are invited to and notes they left as drafts.
//! For one partnership (its home page) or all of theirs ("Your partnerships"), always
//! only where they are still a member.

use super::*;
use crate::domain::Timestamp;
use crate::domain::model::Id;

/// A round the person can answer and has not sent yet.
#[derive(Debug, Clone)]
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
#[derive(Debug, Clone)]
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
#[derive(Debug, Clone)]
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
#[derive(Debug, Clone)]
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

/// At most this many of each kind (the full lists are a click away).
const EACH: i64 = 5;

/// One line of the single query behind [`Store::for_you`]: the four kinds share one
/// shape (`kind` says which), so the page costs one round trip.
#[derive(sqlx::FromRow)]
struct Line {
    kind: String,
    id: Id,
    title: String,
    day1: String,
    day2: String,
    n1: i64,
    n2: i64,
    at: Option<Timestamp>,
    zone: String,
    other_id: Option<Id>,
    other_title: String,
    p_slug: String,
    p_name: String,
    p_time_zone: String,
}

/// A new partnership's first steps, as [`Store::first_steps`] finds them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FirstSteps {
    /// Any invitation has been made.
    pub invited: bool,
    /// A readiness round has been opened.
    pub readiness: bool,
    /// A conversation has been planned.
    pub conversation: bool,
    /// The shipped "Seven conversations" deck, if installed.
    pub deck: Option<Id>,
}

impl Store {
    /// What is waiting for `user`, in `partnership` or (with `None`) in every
    /// partnership they belong to, in one query. Rounds are those not closed early
    /// whose last day is `since` (yesterday, anywhere) or later, and not yet sent: the
    /// caller keeps those open on the partnership's own today. Actions are open or in
    /// progress and due on or before `due_by`. Conversations are planned, from `from`
    /// on (or with no date yet). Observers are not asked to answer rounds. At most
    /// five of each.
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
        let only = "($5 = 0 OR p.id = $5)";
        let sql = format!(
            "SELECT * FROM (
               SELECT 'r' AS kind, r.id, r.title, r.opens_on AS day1, r.closes_on AS day2,
                      CASE WHEN s.id IS NULL THEN 0 ELSE 1 END AS n1, 0 AS n2,
                      CAST(NULL AS BIGINT) AS at, '' AS zone,
                      CAST(NULL AS BIGINT) AS other_id, '' AS other_title,
                      p.slug AS p_slug, p.name AS p_name, p.time_zone AS p_time_zone
               FROM memberships m
               JOIN partnerships p ON p.id = m.partnership_id
               JOIN rounds r ON r.partnership_id = p.id
               LEFT JOIN answer_sets s ON s.round_id = r.id AND s.user_id = $1
               WHERE m.user_id = $1 AND m.role <> 'observer' AND {only}
                 AND r.closed_at IS NULL AND r.closes_on >= $2
                 AND (s.id IS NULL OR s.submitted_at IS NULL)
               ORDER BY r.closes_on, r.id LIMIT {EACH}) AS rounds
             UNION ALL SELECT * FROM (
               SELECT 'a', a.id, a.title, a.due_on, '', 0, 0, CAST(NULL AS BIGINT), '',
                      CAST(NULL AS BIGINT), '', p.slug, p.name, p.time_zone
               FROM actions a
               JOIN partnerships p ON p.id = a.partnership_id
               JOIN memberships m ON m.partnership_id = p.id AND m.user_id = $1
               WHERE a.owner_user_id = $1 AND a.status IN ('open', 'in_progress')
                 AND a.due_on IS NOT NULL AND a.due_on <= $3 AND {only}
               ORDER BY a.due_on, a.id LIMIT {EACH}) AS actions
             UNION ALL SELECT * FROM (
               SELECT 'c', c.id, c.title, '', '',
                      (SELECT COUNT(*) FROM agenda_items i WHERE i.conversation_id = c.id),
                      (SELECT COUNT(*) FROM agenda_items i JOIN prior_views v ON v.item_id = i.id
                        WHERE i.conversation_id = c.id AND v.user_id = $1),
                      c.starts_at, c.time_zone, CAST(NULL AS BIGINT), '',
                      p.slug, p.name, p.time_zone
               FROM attendees t
               JOIN conversations c ON c.id = t.conversation_id
               JOIN partnerships p ON p.id = c.partnership_id
               JOIN memberships m ON m.partnership_id = p.id AND m.user_id = $1
               WHERE t.user_id = $1 AND c.status = 'planned'
                 AND (c.starts_at IS NULL OR c.starts_at >= $4) AND {only}
               ORDER BY c.starts_at IS NULL, c.starts_at, c.id LIMIT {EACH}) AS invited
             UNION ALL SELECT * FROM (
               SELECT 'd', i.id, i.title, '', '', 0, 0, d.saved_at, '', c.id, c.title,
                      p.slug, p.name, p.time_zone
               FROM drafts d
               JOIN agenda_items i ON i.id = d.item_id
               JOIN conversations c ON c.id = i.conversation_id
               JOIN partnerships p ON p.id = c.partnership_id
               JOIN memberships m ON m.partnership_id = p.id AND m.user_id = $1
               WHERE d.user_id = $1 AND {only}
               ORDER BY d.saved_at DESC, i.id LIMIT {EACH}) AS drafts"
        );
        let lines: Vec<Line> = reader!(self, |r| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(user)
                .bind(since)
                .bind(due_by)
                .bind(from)
                .bind(pid)
                .fetch_all(r)
                .await
        })?;
        let mut out = ForYou::default();
        for l in lines {
            match l.kind.as_str() {
                "r" => out.rounds.push(WaitingRound {
                    id: l.id,
                    title: l.title,
                    opens_on: l.day1,
                    closes_on: l.day2,
                    started: l.n1 != 0,
                    p_slug: l.p_slug,
                    p_name: l.p_name,
                    p_time_zone: l.p_time_zone,
                }),
                "a" => out.actions.push(DueAction {
                    id: l.id,
                    title: l.title,
                    due_on: l.day1,
                    p_slug: l.p_slug,
                    p_name: l.p_name,
                    p_time_zone: l.p_time_zone,
                }),
                "c" => out.conversations.push(Invited {
                    id: l.id,
                    title: l.title,
                    starts_at: l.at,
                    time_zone: l.zone,
                    items: l.n1,
                    my_views: l.n2,
                    p_slug: l.p_slug,
                    p_name: l.p_name,
                }),
                _ => out.drafts.push(LeftDraft {
                    item_id: l.id,
                    item_title: l.title,
                    conversation_id: l.other_id.unwrap_or_default(),
                    conversation_title: l.other_title,
                    saved_at: l.at.unwrap_or_default(),
                    p_slug: l.p_slug,
                    p_name: l.p_name,
                }),
            }
        }
        Ok(out)
    }

    /// Which of a new partnership's first steps have happened, in one query.
    pub async fn first_steps(&self, pid: Id) -> DbResult<FirstSteps> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT
                   EXISTS (SELECT 1 FROM invites WHERE partnership_id = $1) AS invited,
                   EXISTS (SELECT 1 FROM rounds r
                             JOIN instrument_versions iv ON iv.id = r.instrument_id
                            WHERE r.partnership_id = $1 AND iv.key = 'readiness') AS readiness,
                   EXISTS (SELECT 1 FROM conversations WHERE partnership_id = $1) AS conversation,
                   (SELECT id FROM decks WHERE builtin_key = 'first-meetings'
                      AND partnership_id IS NULL) AS deck",
            )
            .bind(pid)
            .fetch_one(r)
            .await
        })
    }
}
