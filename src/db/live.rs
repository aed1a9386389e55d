//! Live sessions in storage: sessions, their steps, the phones that joined, answers,
//! thoughts and hand counts. Every change a participant or the projector could see
//! moves the session's `changes` counter on in the same transaction and tells the
//! nodes (see [`Store::live_changes`]): on this node at once, and on PostgreSQL with
//! `NOTIFY tandem_live` carrying the session's id, sent when the transaction commits.

use sqlx::Row;

use super::*;
use crate::domain::Timestamp;
use crate::domain::conversations::{CardSnapshot, ConversationFields};
use crate::domain::live::*;
use crate::domain::model::Id;

const SESSION_SELECT: &str = "SELECT id, partnership_id, conversation_id, title, code, status,
        current_step, show_join, changes, created_at, ended_at, plan_key FROM live_sessions";

const STEP_SELECT: &str = "SELECT id, session_id, position, item_id, title, prompt, theme_name,
        colour, kind, options, anonymous, state, revealed, minutes, timer_ends, opening,
        kept_at, dots, axes, script FROM live_steps";

const PARTICIPANT_SELECT: &str = "SELECT p.id, p.session_id, p.name, p.organisation_id,
        o.name AS organisation_name, p.joined_at, p.removed
     FROM live_participants p LEFT JOIN organisations o ON o.id = p.organisation_id";

const THOUGHT_SELECT: &str = "SELECT t.id, t.step_id, t.participant_id, t.body, t.created_at,
        t.released_at, t.grouped_into, p.name, o.name AS organisation_name
     FROM live_thoughts t
     JOIN live_participants p ON p.id = t.participant_id
     LEFT JOIN organisations o ON o.id = p.organisation_id";

/// A session as it is started.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    /// The partnership it belongs to.
    pub partnership_id: Id,
    /// The conversation whose agenda became its steps.
    pub conversation_id: Option<Id>,
    /// Its title.
    pub title: &'a str,
    /// Its join code (see `domain::live::code_from`).
    pub code: &'a str,
    /// Who started it.
    pub created_by: Id,
    /// The session plan it was started from, if any.
    pub plan_key: Option<&'a str>,
}

impl ThoughtRow {
    fn into_thought(self) -> Thought {
        Thought {
            author: shown_name(&self.name, self.organisation_name.as_deref()),
            id: self.id,
            step_id: self.step_id,
            participant_id: self.participant_id,
            body: self.body,
            created_at: self.created_at,
            released_at: self.released_at,
            grouped_into: self.grouped_into,
        }
    }
}

/// A part of an agenda item's record that live results can be kept in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemPart {
    /// Its notes, with a step's results (the step is marked as kept).
    Notes,
    /// What was agreed (decisions).
    Agreed,
    /// Where we differ.
    Differ,
}

/// An agenda item a plan's step becomes.
#[derive(Debug, Clone)]
pub struct PlanItem {
    /// The shipped card it shows, if any.
    pub card: Option<CardSnapshot>,
    /// Its title (a card's question).
    pub title: String,
    /// Minutes planned for it.
    pub minutes: i64,
}

/// A thought as read, before its sender's name is put together.
#[derive(sqlx::FromRow)]
struct ThoughtRow {
    id: Id,
    step_id: Id,
    participant_id: Id,
    body: String,
    created_at: Timestamp,
    released_at: Option<Timestamp>,
    grouped_into: Option<Id>,
    name: String,
    organisation_name: Option<String>,
}

/// A step as a session is started with it.
#[derive(Debug, Clone)]
pub struct NewStep {
    /// The agenda item it came from (what is kept goes into its record).
    pub item_id: Option<Id>,
    /// Its title: the card's question or the item's own words.
    pub title: String,
    /// A follow-up prompt shown under it.
    pub prompt: String,
    /// The card's theme, if from a card.
    pub theme_name: String,
    /// The theme's colour, as #rrggbb.
    pub colour: String,
    /// What it asks of the room.
    pub kind: String,
    /// For the kinds with options: one option per line.
    pub options: String,
    /// Minutes on its timer (0: none).
    pub minutes: i64,
    /// Dots each person has, for a dot vote.
    pub dots: i64,
    /// Whether answers carry no names.
    pub anonymous: bool,
    /// What the facilitator might say or do (from a plan).
    pub script: String,
}

impl Default for NewStep {
    /// An anonymous step asking for thoughts, with three dots for a dot vote.
    fn default() -> Self {
        NewStep {
            item_id: None,
            title: String::new(),
            prompt: String::new(),
            theme_name: String::new(),
            colour: String::new(),
            kind: StepKind::Thoughts.as_str().into(),
            options: String::new(),
            minutes: 0,
            dots: 3,
            anonymous: true,
            script: String::new(),
        }
    }
}

/// What happened to an answer or a thought sent from a phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    /// Kept.
    Saved,
    /// The step is not taking answers (closed, not yet open, opened again since the
    /// phone's page was loaded, or the session ended): nothing was kept.
    Late,
    /// This phone has sent as many thoughts on this step as one person may.
    TooMany,
    /// The participant was removed by the facilitator.
    Removed,
}

/// A step's set-up as the facilitator changes it.
#[derive(Debug, Clone)]
pub struct StepSetup {
    /// Its title.
    pub title: String,
    /// The line under it.
    pub prompt: String,
    /// What it asks of the room.
    pub kind: StepKind,
    /// For the kinds with options: one option per line.
    pub options: String,
    /// Dots each person has, for a dot vote.
    pub dots: i64,
    /// For a grid: its two scales' names, one per line.
    pub axes: String,
    /// Whether answers carry no names for anyone.
    pub anonymous: bool,
    /// Minutes on its timer (0: none).
    pub minutes: i64,
    /// The facilitator's own note.
    pub script: String,
}

/// Why a step's set-up was not changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetUpRefused {
    /// People answered already, so what it asks (kind, options, dots, scales) stays.
    Answered,
    /// People answered anonymously, so it cannot become named.
    WasAnonymous,
}

/// What the facilitator does to a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepChange {
    /// Take answers (again: a new opening).
    Open,
    /// Stop taking answers.
    Close,
    /// Show the results to the room.
    Reveal,
    /// Hide the results again.
    Hide,
}

/// The store's part of telling nodes about a change to a live session.
macro_rules! live_changed {
    ($store:expr, $tx:expr, $session:expr) => {{
        sqlx::query("UPDATE live_sessions SET changes = changes + 1 WHERE id = $1")
            .bind($session)
            .execute(&mut *$tx)
            .await?;
        if $store.engine() == Engine::Postgres {
            sqlx::query("SELECT pg_notify('tandem_live', $1)")
                .bind($session.to_string())
                .execute(&mut *$tx)
                .await?;
        }
    }};
}

/// The end of every write to a live session: its change counter moves on (other
/// nodes are told), the transaction commits, and this node's followers wake.
macro_rules! live_commit {
    ($store:expr, $tx:expr, $session:expr) => {{
        live_changed!($store, $tx, $session);
        $tx.commit().await?;
        $store.live_sent($session);
    }};
}

/// Is the step taking answers from the participant for the opening their page showed?
/// Read inside the transaction that then keeps the answer.
macro_rules! may_answer {
    ($tx:expr, $step:expr, $opening:expr, $participant:expr) => {{
        let row = sqlx::query(
            "SELECT s.state, s.opening, p.removed, l.status
             FROM live_steps s
             JOIN live_sessions l ON l.id = s.session_id
             JOIN live_participants p ON p.session_id = l.id AND p.id = $2
             WHERE s.id = $1",
        )
        .bind($step)
        .bind($participant)
        .fetch_optional(&mut *$tx)
        .await?;
        match row {
            None => Sent::Late,
            Some(row) => {
                let (state, at, removed, status): (String, i64, bool, String) =
                    (row.get(0), row.get(1), row.get(2), row.get(3));
                if removed {
                    Sent::Removed
                } else if state != "open" || at != $opening || status != "open" {
                    Sent::Late
                } else {
                    Sent::Saved
                }
            }
        }
    }};
}

/// Insert a session and its steps inside a transaction: the session's id, or `None`
/// (from the enclosing function) when its code is held by another open session.
macro_rules! insert_session {
    ($tx:expr, $new:expr, $steps:expr, $now:expr) => {{
        let new: &NewSession<'_> = $new;
        match sqlx::query_scalar::<_, Id>(
            "INSERT INTO live_sessions (partnership_id, conversation_id, title, code,
                 created_by, created_at, plan_key)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(new.partnership_id)
        .bind(new.conversation_id)
        .bind(new.title)
        .bind(new.code)
        .bind(new.created_by)
        .bind($now)
        .bind(new.plan_key)
        .fetch_one(&mut *$tx)
        .await
        {
            Ok(id) => {
                for (i, s) in $steps.iter().enumerate() {
                    sqlx::query(
                        "INSERT INTO live_steps (session_id, position, item_id, title, prompt,
                             theme_name, colour, kind, options, minutes, dots, anonymous, script)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                    )
                    .bind(id)
                    .bind(i as i64 + 1)
                    .bind(s.item_id)
                    .bind(&s.title)
                    .bind(&s.prompt)
                    .bind(&s.theme_name)
                    .bind(&s.colour)
                    .bind(&s.kind)
                    .bind(&s.options)
                    .bind(s.minutes)
                    .bind(s.dots)
                    .bind(s.anonymous)
                    .bind(&s.script)
                    .execute(&mut *$tx)
                    .await?;
                }
                Some(id)
            }
            Err(e) if is_unique_violation(&e) => None,
            Err(e) => return Err(e),
        }
    }};
}

impl Store {
    /// Start a session with its steps. `None` if its code is held by another open
    /// session (the caller picks another).
    pub async fn start_live_session(
        &self,
        new: &NewSession<'_>,
        steps: &[NewStep],
        now: Timestamp,
    ) -> DbResult<Option<Id>> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            let Some(id) = insert_session!(tx, new, steps, now) else {
                return Ok(None);
            };
            tx.commit().await?;
            Ok(Some(id))
        })
    }

    /// Start a session from a plan: a new planned conversation whose agenda is the
    /// plan's steps (`items`, one per step), and the session over it, in one
    /// transaction. `None` if the code is held by another open session (nothing is
    /// kept; the caller picks another code). Returns (conversation, session).
    pub async fn start_plan_session(
        &self,
        conversation: &ConversationFields,
        items: &[PlanItem],
        new: &NewSession<'_>,
        steps: &[NewStep],
        now: Timestamp,
    ) -> DbResult<Option<(Id, Id)>> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            let conv: Id = sqlx::query_scalar(
                "INSERT INTO conversations (partnership_id, title, starts_at, time_zone,
                     place, facilitator_id, purpose, created_by, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
            )
            .bind(new.partnership_id)
            .bind(&conversation.title)
            .bind(conversation.starts_at)
            .bind(&conversation.time_zone)
            .bind(&conversation.place)
            .bind(conversation.facilitator_id)
            .bind(&conversation.purpose)
            .bind(new.created_by)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let mut steps = steps.to_vec();
            for (i, (item, step)) in items.iter().zip(steps.iter_mut()).enumerate() {
                let card = item.card.as_ref();
                let id: Id = sqlx::query_scalar(
                    "INSERT INTO agenda_items (conversation_id, position, card_id, is_card,
                         title, prompt, deck_title, theme_name, colour, minutes, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                )
                .bind(conv)
                .bind(i as i64 + 1)
                .bind(card.map(|c| c.card_id))
                .bind(card.is_some())
                .bind(&item.title)
                .bind(card.and_then(|c| c.prompt.clone()))
                .bind(card.map_or("", |c| c.deck_title.as_str()))
                .bind(card.map_or("", |c| c.theme_name.as_str()))
                .bind(card.map_or("", |c| c.colour.as_str()))
                .bind(item.minutes)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                step.item_id = Some(id);
            }
            let new = NewSession {
                conversation_id: Some(conv),
                ..new.clone()
            };
            let Some(id) = insert_session!(tx, &new, &steps, now) else {
                return Ok(None);
            };
            tx.commit().await?;
            Ok(Some((conv, id)))
        })
    }

    /// A shipped card by its deck's and its own key, as an agenda keeps it.
    pub async fn shipped_card(
        &self,
        deck_key: &str,
        card_key: &str,
    ) -> DbResult<Option<CardSnapshot>> {
        let row: Option<(Id, String, Option<String>, String, String, String)> =
            reader!(self, |r| {
                sqlx::query_as(
                    "SELECT c.id, c.text, c.prompt, d.title, t.name, t.colour
                     FROM cards c JOIN themes t ON t.id = c.theme_id
                     JOIN decks d ON d.id = c.deck_id
                     WHERE d.partnership_id IS NULL AND d.builtin_key = $1
                         AND c.builtin_key = $2",
                )
                .bind(deck_key)
                .bind(card_key)
                .fetch_optional(r)
                .await
            })?;
        Ok(row.map(
            |(card_id, text, prompt, deck_title, theme_name, colour)| CardSnapshot {
                card_id,
                text,
                prompt,
                deck_title,
                theme_name,
                colour,
            },
        ))
    }

    /// A partnership's sessions, newest first.
    pub async fn live_sessions(&self, pid: Id) -> DbResult<Vec<LiveSession>> {
        reader!(self, |r| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{SESSION_SELECT} WHERE partnership_id = $1 ORDER BY created_at DESC, id DESC"
            )))
            .bind(pid)
            .fetch_all(r)
            .await
        })
    }

    /// The sessions run for a conversation, oldest first.
    pub async fn conversation_live_sessions(
        &self,
        conversation_id: Id,
    ) -> DbResult<Vec<LiveSession>> {
        reader!(self, |r| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{SESSION_SELECT} WHERE conversation_id = $1 ORDER BY created_at, id"
            )))
            .bind(conversation_id)
            .fetch_all(r)
            .await
        })
    }

    /// One session, whichever partnership it belongs to (callers check).
    pub async fn live_session(&self, id: Id) -> DbResult<Option<LiveSession>> {
        reader!(self, |r| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{SESSION_SELECT} WHERE id = $1"
            )))
            .bind(id)
            .fetch_optional(r)
            .await
        })
    }

    /// The session a join code names: the open one, else the latest that ended with it.
    pub async fn live_session_by_code(&self, code: &str) -> DbResult<Option<LiveSession>> {
        reader!(self, |r| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{SESSION_SELECT} WHERE code = $1
                 ORDER BY status = 'open' DESC, created_at DESC, id DESC LIMIT 1"
            )))
            .bind(code)
            .fetch_optional(r)
            .await
        })
    }

    /// A session's steps in order.
    pub async fn live_steps(&self, session_id: Id) -> DbResult<Vec<Step>> {
        reader!(self, |r| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{STEP_SELECT} WHERE session_id = $1 ORDER BY position, id"
            )))
            .bind(session_id)
            .fetch_all(r)
            .await
        })
    }

    /// One step, whichever session it belongs to (callers check).
    pub async fn live_step(&self, id: Id) -> DbResult<Option<Step>> {
        reader!(self, |r| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{STEP_SELECT} WHERE id = $1")))
                .bind(id)
                .fetch_optional(r)
                .await
        })
    }

    /// Change a step's set-up. Once anyone has answered it, what it asks stays (so no
    /// answer is ever counted against options it was not given for) and an anonymous
    /// step stays anonymous (so no name is ever put to an answer given without one).
    pub async fn set_up_step(
        &self,
        step: &Step,
        setup: &StepSetup,
    ) -> DbResult<Result<(), SetUpRefused>> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            let answered: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM live_answers WHERE step_id = $1)
                     OR EXISTS (SELECT 1 FROM live_thoughts WHERE step_id = $1)
                     OR EXISTS (SELECT 1 FROM live_hand_counts WHERE step_id = $1)",
            )
            .bind(step.id)
            .fetch_one(&mut *tx)
            .await?;
            // Read inside the transaction: the page's copy may be older.
            let (kind, options, dots, axes, anonymous): (String, String, i64, String, bool) =
                sqlx::query_as(
                    "SELECT kind, options, dots, axes, anonymous FROM live_steps WHERE id = $1",
                )
                .bind(step.id)
                .fetch_one(&mut *tx)
                .await?;
            if answered {
                let same_question = setup.kind.as_str() == kind
                    && setup.options == options
                    && (setup.kind != StepKind::Dots || setup.dots == dots)
                    && (setup.kind != StepKind::Grid || setup.axes == axes);
                if !same_question {
                    return Ok(Err(SetUpRefused::Answered));
                }
                if anonymous && !setup.anonymous {
                    return Ok(Err(SetUpRefused::WasAnonymous));
                }
            }
            sqlx::query(
                "UPDATE live_steps SET kind = $1, options = $2, anonymous = $3, minutes = $4,
                     title = $5, prompt = $6, dots = $7, axes = $8, script = $9
                 WHERE id = $10",
            )
            .bind(setup.kind.as_str())
            .bind(&setup.options)
            .bind(setup.anonymous)
            .bind(setup.minutes)
            .bind(&setup.title)
            .bind(&setup.prompt)
            .bind(setup.dots)
            .bind(&setup.axes)
            .bind(&setup.script)
            .bind(step.id)
            .execute(&mut *tx)
            .await?;
            live_commit!(self, tx, step.session_id);
            Ok(Ok(()))
        })
    }

    /// Put a step on the screen (`None`: back to the welcome). The step on the screen
    /// before closes; a step not yet asked opens, with its timer started.
    pub async fn show_step(
        &self,
        session: &LiveSession,
        step: Option<&Step>,
        now: Timestamp,
    ) -> DbResult<()> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            if let Some(current) = session.current_step
                && step.is_none_or(|s| s.id != current)
            {
                sqlx::query(
                    "UPDATE live_steps SET state = 'closed', timer_ends = NULL
                     WHERE id = $1 AND state = 'open'",
                )
                .bind(current)
                .execute(&mut *tx)
                .await?;
            }
            if let Some(s) = step
                && s.state == StepState::Ready
            {
                let ends = (s.minutes > 0).then_some(now + s.minutes * 60);
                sqlx::query(
                    "UPDATE live_steps SET state = 'open', opening = opening + 1, timer_ends = $1
                     WHERE id = $2",
                )
                .bind(ends)
                .bind(s.id)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query("UPDATE live_sessions SET current_step = $1 WHERE id = $2")
                .bind(step.map(|s| s.id))
                .bind(session.id)
                .execute(&mut *tx)
                .await?;
            live_commit!(self, tx, session.id);
            Ok(())
        })
    }

    /// Open, close, reveal or hide a step's results. Opening again starts a new
    /// opening: answers sent from a page loaded before it are late.
    pub async fn change_step(
        &self,
        step: &Step,
        change: StepChange,
        now: Timestamp,
    ) -> DbResult<()> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            let q = match change {
                StepChange::Open => sqlx::query(
                    "UPDATE live_steps SET state = 'open', opening = opening + 1,
                         timer_ends = CASE WHEN minutes > 0 THEN $1 + minutes * 60 END
                     WHERE id = $2",
                )
                .bind(now)
                .bind(step.id),
                StepChange::Close => sqlx::query(
                    "UPDATE live_steps SET state = 'closed', timer_ends = NULL WHERE id = $1",
                )
                .bind(step.id),
                StepChange::Reveal => {
                    sqlx::query("UPDATE live_steps SET revealed = TRUE WHERE id = $1").bind(step.id)
                }
                StepChange::Hide => {
                    sqlx::query("UPDATE live_steps SET revealed = FALSE WHERE id = $1")
                        .bind(step.id)
                }
            };
            q.execute(&mut *tx).await?;
            live_commit!(self, tx, step.session_id);
            Ok(())
        })
    }

    /// Show or hide the join code and QR code on the screen.
    pub async fn show_join(&self, session_id: Id, show: bool) -> DbResult<()> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            sqlx::query("UPDATE live_sessions SET show_join = $1 WHERE id = $2")
                .bind(show)
                .bind(session_id)
                .execute(&mut *tx)
                .await?;
            live_commit!(self, tx, session_id);
            Ok(())
        })
    }

    /// End a session: its code lets nobody in any more and nothing more is taken, and
    /// its conversation, if still planned, is held.
    pub async fn end_live_session(&self, session_id: Id, now: Timestamp) -> DbResult<()> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            sqlx::query(
                "UPDATE live_sessions SET status = 'ended', ended_at = $1
                 WHERE id = $2 AND status = 'open'",
            )
            .bind(now)
            .bind(session_id)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE live_steps SET state = 'closed', timer_ends = NULL
                 WHERE session_id = $1 AND state = 'open'",
            )
            .bind(session_id)
            .execute(&mut *tx)
            .await?;
            // The meeting has happened: a conversation still marked as planned is now
            // held, so its cards count as discussed and it asks to be written up.
            sqlx::query(
                "UPDATE conversations SET status = 'held', updated_at = $1
                 WHERE id = (SELECT conversation_id FROM live_sessions WHERE id = $2)
                     AND status = 'planned'",
            )
            .bind(now)
            .bind(session_id)
            .execute(&mut *tx)
            .await?;
            live_commit!(self, tx, session_id);
            Ok(())
        })
    }

    /// A phone joins. `token_hash` is the hash of its cookie.
    pub async fn join_live(
        &self,
        session_id: Id,
        token_hash: &str,
        name: &str,
        organisation_id: Option<Id>,
        now: Timestamp,
    ) -> DbResult<Id> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            let id = sqlx::query_scalar(
                "INSERT INTO live_participants (session_id, token_hash, name, organisation_id,
                     joined_at)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(session_id)
            .bind(token_hash)
            .bind(name)
            .bind(organisation_id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            live_commit!(self, tx, session_id);
            Ok(id)
        })
    }

    /// The participant whose cookie hashes to `token_hash`.
    pub async fn live_participant(&self, token_hash: &str) -> DbResult<Option<Participant>> {
        reader!(self, |r| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{PARTICIPANT_SELECT} WHERE p.token_hash = $1"
            )))
            .bind(token_hash)
            .fetch_optional(r)
            .await
        })
    }

    /// Everyone who joined a session, in the order they came.
    pub async fn live_participants(&self, session_id: Id) -> DbResult<Vec<Participant>> {
        reader!(self, |r| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{PARTICIPANT_SELECT} WHERE p.session_id = $1 ORDER BY p.joined_at, p.id"
            )))
            .bind(session_id)
            .fetch_all(r)
            .await
        })
    }

    /// How many phones are in a session: joined and not removed.
    pub async fn live_people(&self, session_id: Id) -> DbResult<i64> {
        reader!(self, |r| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM live_participants WHERE session_id = $1 AND NOT removed",
            )
            .bind(session_id)
            .fetch_one(r)
            .await
        })
    }

    /// Remove a participant: what they sent goes, and they can send nothing more.
    pub async fn remove_participant(&self, session_id: Id, participant_id: Id) -> DbResult<()> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            sqlx::query(
                "UPDATE live_participants SET removed = TRUE WHERE id = $1 AND session_id = $2",
            )
            .bind(participant_id)
            .bind(session_id)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM live_answers WHERE participant_id = $1")
                .bind(participant_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM live_thoughts WHERE participant_id = $1")
                .bind(participant_id)
                .execute(&mut *tx)
                .await?;
            live_commit!(self, tx, session_id);
            Ok(())
        })
    }

    /// Keep a participant's poll, choices or scale answer (replacing their earlier one)
    /// if the step is still open at the opening their page showed.
    pub async fn save_live_answer(
        &self,
        step: &Step,
        opening: i64,
        participant_id: Id,
        value: &str,
        now: Timestamp,
    ) -> DbResult<Sent> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            let ok = may_answer!(tx, step.id, opening, participant_id);
            if ok != Sent::Saved {
                return Ok(ok);
            }
            sqlx::query(
                "INSERT INTO live_answers (step_id, participant_id, value, updated_at)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (step_id, participant_id)
                 DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            )
            .bind(step.id)
            .bind(participant_id)
            .bind(value)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            live_commit!(self, tx, step.session_id);
            Ok(Sent::Saved)
        })
    }

    /// Keep a thought, held until the facilitator releases it.
    pub async fn add_live_thought(
        &self,
        step: &Step,
        opening: i64,
        participant_id: Id,
        body: &str,
        now: Timestamp,
    ) -> DbResult<Sent> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            let ok = may_answer!(tx, step.id, opening, participant_id);
            if ok != Sent::Saved {
                return Ok(ok);
            }
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM live_thoughts WHERE step_id = $1 AND participant_id = $2",
            )
            .bind(step.id)
            .bind(participant_id)
            .fetch_one(&mut *tx)
            .await?;
            if n >= MAX_THOUGHTS_EACH {
                return Ok(Sent::TooMany);
            }
            sqlx::query(
                "INSERT INTO live_thoughts (step_id, participant_id, body, created_at)
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(step.id)
            .bind(participant_id)
            .bind(body)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            live_commit!(self, tx, step.session_id);
            Ok(Sent::Saved)
        })
    }

    /// A step's answers, with each sender's name as the facilitator sees it and
    /// organisation (the caller shows names only for named steps).
    pub async fn live_answers(&self, step_id: Id) -> DbResult<Vec<LiveAnswer>> {
        let rows: Vec<(Id, String, String, Option<String>)> = reader!(self, |r| {
            sqlx::query_as(
                "SELECT a.participant_id, a.value, p.name, o.name
                 FROM live_answers a
                 JOIN live_participants p ON p.id = a.participant_id
                 LEFT JOIN organisations o ON o.id = p.organisation_id
                 WHERE a.step_id = $1 AND NOT p.removed ORDER BY a.id",
            )
            .bind(step_id)
            .fetch_all(r)
            .await
        })?;
        Ok(rows
            .into_iter()
            .map(|(id, value, name, org)| LiveAnswer {
                participant_id: id,
                value,
                name: shown_name(&name, org.as_deref()),
                organisation: org,
            })
            .collect())
    }

    /// One phone's answer to a step, if it sent one (the unique index finds it).
    pub async fn live_answer_of(
        &self,
        step_id: Id,
        participant_id: Id,
    ) -> DbResult<Option<String>> {
        reader!(self, |r| {
            sqlx::query_scalar(
                "SELECT value FROM live_answers WHERE step_id = $1 AND participant_id = $2",
            )
            .bind(step_id)
            .bind(participant_id)
            .fetch_optional(r)
            .await
        })
    }

    /// The thoughts one phone sent on a step, oldest first.
    pub async fn live_thoughts_of(
        &self,
        step_id: Id,
        participant_id: Id,
    ) -> DbResult<Vec<Thought>> {
        let rows: Vec<ThoughtRow> = reader!(self, |r| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{THOUGHT_SELECT} WHERE t.step_id = $1 AND t.participant_id = $2 ORDER BY t.id"
            )))
            .bind(step_id)
            .bind(participant_id)
            .fetch_all(r)
            .await
        })?;
        Ok(rows.into_iter().map(ThoughtRow::into_thought).collect())
    }

    /// How many phones answered a step (a thought counts its sender once).
    pub async fn live_answer_count(&self, step: &Step) -> DbResult<i64> {
        reader!(self, |r| {
            let sql = if step.kind == StepKind::Thoughts {
                "SELECT COUNT(DISTINCT participant_id) FROM live_thoughts WHERE step_id = $1"
            } else {
                "SELECT COUNT(*) FROM live_answers WHERE step_id = $1"
            };
            sqlx::query_scalar(sql).bind(step.id).fetch_one(r).await
        })
    }

    /// A step's hand counts: (option number, count).
    pub async fn hand_counts(&self, step_id: Id) -> DbResult<Vec<(i64, i64)>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT choice, count FROM live_hand_counts WHERE step_id = $1 ORDER BY choice",
            )
            .bind(step_id)
            .fetch_all(r)
            .await
        })
    }

    /// Set the counts by hand for each option (0 removes one).
    pub async fn set_hand_counts(&self, step: &Step, counts: &[(i64, i64)]) -> DbResult<()> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            sqlx::query("DELETE FROM live_hand_counts WHERE step_id = $1")
                .bind(step.id)
                .execute(&mut *tx)
                .await?;
            for (choice, n) in counts.iter().filter(|(_, n)| *n > 0) {
                sqlx::query(
                    "INSERT INTO live_hand_counts (step_id, choice, count) VALUES ($1, $2, $3)",
                )
                .bind(step.id)
                .bind(choice)
                .bind(n)
                .execute(&mut *tx)
                .await?;
            }
            live_commit!(self, tx, step.session_id);
            Ok(())
        })
    }

    /// A step's thoughts, oldest first, with their senders' names (the caller shows
    /// names only for named steps).
    pub async fn live_thoughts(&self, step_id: Id) -> DbResult<Vec<Thought>> {
        let rows: Vec<ThoughtRow> = reader!(self, |r| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{THOUGHT_SELECT} WHERE t.step_id = $1 AND NOT p.removed ORDER BY t.id"
            )))
            .bind(step_id)
            .fetch_all(r)
            .await
        })?;
        Ok(rows.into_iter().map(ThoughtRow::into_thought).collect())
    }

    /// Release a thought to the screen, or take it back.
    pub async fn release_thought(
        &self,
        step: &Step,
        thought_id: Id,
        release: bool,
        now: Timestamp,
    ) -> DbResult<()> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            sqlx::query("UPDATE live_thoughts SET released_at = $1 WHERE id = $2 AND step_id = $3")
                .bind(release.then_some(now))
                .bind(thought_id)
                .bind(step.id)
                .execute(&mut *tx)
                .await?;
            live_commit!(self, tx, step.session_id);
            Ok(())
        })
    }

    /// Release every thought of a step still held.
    pub async fn release_all_thoughts(&self, step: &Step, now: Timestamp) -> DbResult<()> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            sqlx::query(
                "UPDATE live_thoughts SET released_at = $1 WHERE step_id = $2 AND released_at IS NULL",
            )
            .bind(now)
            .bind(step.id)
            .execute(&mut *tx)
            .await?;
            live_commit!(self, tx, step.session_id);
            Ok(())
        })
    }

    /// Group a thought with a similar one of the same step (`into`), or take it out of
    /// its group (`None`). A group has one first thought: grouping into a thought that
    /// is itself grouped joins its group, and a thought that others were grouped with
    /// brings them along.
    pub async fn group_thought(
        &self,
        step: &Step,
        thought_id: Id,
        into: Option<Id>,
    ) -> DbResult<()> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            let head = match into {
                Some(into) => {
                    let found: Option<(Id, Option<Id>)> = sqlx::query_as(
                        "SELECT id, grouped_into FROM live_thoughts WHERE id = $1 AND step_id = $2",
                    )
                    .bind(into)
                    .bind(step.id)
                    .fetch_optional(&mut *tx)
                    .await?;
                    match found {
                        Some((id, head)) => Some(head.unwrap_or(id)),
                        None => return Ok(()),
                    }
                }
                None => None,
            };
            if head == Some(thought_id) {
                return Ok(());
            }
            if head.is_some() {
                sqlx::query(
                    "UPDATE live_thoughts SET grouped_into = $1 WHERE grouped_into = $2 AND step_id = $3",
                )
                .bind(head)
                .bind(thought_id)
                .bind(step.id)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query(
                "UPDATE live_thoughts SET grouped_into = $1 WHERE id = $2 AND step_id = $3",
            )
            .bind(head)
            .bind(thought_id)
            .bind(step.id)
            .execute(&mut *tx)
            .await?;
            live_commit!(self, tx, step.session_id);
            Ok(())
        })
    }

    /// Delete a thought.
    pub async fn delete_thought(&self, step: &Step, thought_id: Id) -> DbResult<()> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            sqlx::query("DELETE FROM live_thoughts WHERE id = $1 AND step_id = $2")
                .bind(thought_id)
                .bind(step.id)
                .execute(&mut *tx)
                .await?;
            live_commit!(self, tx, step.session_id);
            Ok(())
        })
    }

    /// Add `text` to one part of an agenda item's record (its notes, what was agreed,
    /// where we differ), after what is there. Kept in the notes, `text` is the step's
    /// results, and the step is marked as kept.
    pub async fn keep_in_item(
        &self,
        step: &Step,
        item_id: Id,
        part: ItemPart,
        text: &str,
        by: Id,
        now: Timestamp,
    ) -> DbResult<()> {
        // The column names come from this fixed list, never from input.
        let (read, write) = match part {
            ItemPart::Notes => (
                "SELECT notes FROM agenda_items WHERE id = $1",
                "UPDATE agenda_items SET notes = $1, updated_by = $2, updated_at = $3,
                     version = version + 1 WHERE id = $4",
            ),
            ItemPart::Agreed => (
                "SELECT agreed FROM agenda_items WHERE id = $1",
                "UPDATE agenda_items SET agreed = $1, updated_by = $2, updated_at = $3,
                     version = version + 1 WHERE id = $4",
            ),
            ItemPart::Differ => (
                "SELECT differ FROM agenda_items WHERE id = $1",
                "UPDATE agenda_items SET differ = $1, updated_by = $2, updated_at = $3,
                     version = version + 1 WHERE id = $4",
            ),
        };
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            let had: Option<String> = sqlx::query_scalar(read)
                .bind(item_id)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(had) = had else {
                return Ok(());
            };
            let joined = match (had.trim().is_empty(), part) {
                (true, _) => text.to_string(),
                (false, ItemPart::Notes) => format!("{}\n\n{text}", had.trim_end()),
                (false, _) => format!("{}\n{text}", had.trim_end()),
            };
            sqlx::query(write)
                .bind(&joined)
                .bind(by)
                .bind(now)
                .bind(item_id)
                .execute(&mut *tx)
                .await?;
            if part == ItemPart::Notes {
                sqlx::query("UPDATE live_steps SET kept_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(step.id)
                    .execute(&mut *tx)
                    .await?;
            }
            live_commit!(self, tx, step.session_id);
            Ok(())
        })
    }

    /// One thought of a step, with its sender's name, else `None`.
    pub async fn live_thought(&self, step_id: Id, thought_id: Id) -> DbResult<Option<Thought>> {
        let row: Option<ThoughtRow> = reader!(self, |r| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{THOUGHT_SELECT} WHERE t.step_id = $1 AND t.id = $2 AND NOT p.removed"
            )))
            .bind(step_id)
            .bind(thought_id)
            .fetch_optional(r)
            .await
        })?;
        Ok(row.map(ThoughtRow::into_thought))
    }

    /// One participant of a session, else `None`.
    pub async fn live_participant_in(
        &self,
        session_id: Id,
        participant_id: Id,
    ) -> DbResult<Option<Participant>> {
        reader!(self, |r| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{PARTICIPANT_SELECT} WHERE p.session_id = $1 AND p.id = $2"
            )))
            .bind(session_id)
            .bind(participant_id)
            .fetch_optional(r)
            .await
        })
    }

    /// What the live events carry (see [`LivePulse`]).
    pub async fn live_pulse(&self, session_id: Id) -> DbResult<Option<LivePulse>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT l.changes,
                     (SELECT COUNT(*) FROM live_participants p
                      WHERE p.session_id = l.id AND NOT p.removed) AS people,
                     l.status, l.current_step, s.state, COALESCE(s.opening, 0) AS opening,
                     COALESCE(s.revealed, FALSE) AS revealed,
                     (SELECT COUNT(*) FROM live_thoughts t
                      WHERE t.step_id = s.id AND t.released_at IS NOT NULL) AS released
                 FROM live_sessions l LEFT JOIN live_steps s ON s.id = l.current_step
                 WHERE l.id = $1",
            )
            .bind(session_id)
            .fetch_optional(r)
            .await
        })
    }
}

/// A session's state as the live events carry it: everything the projector and
/// console follow (`changes`), and what a phone's page shows (`phone_view`).
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct LivePulse {
    /// The session's change counter (the events' id).
    pub changes: i64,
    /// Phones joined and not removed.
    pub people: i64,
    /// "open" or "ended".
    pub status: String,
    /// The step on the screen (None: the welcome).
    pub current_step: Option<Id>,
    /// The current step's state, if there is one.
    pub state: Option<String>,
    /// How many times the step has been opened.
    pub opening: i64,
    /// Whether its results are shown to the room.
    pub revealed: bool,
    /// Thoughts on the screen for the current step.
    pub released: i64,
}

impl LivePulse {
    /// Changes when a phone's page would: another step, the step opened or closed,
    /// results shown, a thought released, the session ended. Not when someone answers,
    /// so a room of phones does not reload for every answer.
    pub fn phone_view(&self) -> String {
        format!(
            "{}-{}-{}-{}-{}-{}",
            self.status,
            self.current_step.unwrap_or(0),
            self.state.as_deref().unwrap_or(""),
            self.opening,
            self.revealed as u8,
            self.released
        )
    }
}
