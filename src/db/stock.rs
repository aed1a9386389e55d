//! Taking stock in storage: instrument versions, rounds, answer sets, paper tallies
//! and checklist ticks. Reached through [`super::Database::stock`]; both engines share
//! the SQL. Results are counted in SQL (one row per group × item × answer), never by
//! loading every answer.

use async_trait::async_trait;

use super::DbResult;
use super::cards::Saved;
use crate::domain::Timestamp;
use crate::domain::model::Id;
use crate::domain::stock::*;

/// A stored instrument version.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InstrumentRow {
    pub id: Id,
    pub key: String,
    pub version: i64,
    pub title: String,
    pub source: String,
}

/// What a checklist save changes.
#[derive(Debug, Clone, Default)]
pub struct TickFields {
    pub done: bool,
    pub note: String,
    pub evidence_url: String,
}

/// One paper tally line: (item key, option key, count).
pub type PaperLine = (String, String, i64);

/// A batch of paper forms to enter.
#[derive(Debug, Clone, Default)]
pub struct NewPaper {
    pub organisation_name: String,
    pub forms: i64,
    pub note: String,
    pub lines: Vec<PaperLine>,
}

/// A card of a shipped deck, with the keys instrument suggestions use.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ShippedCard {
    pub deck_key: String,
    pub theme_key: String,
    pub card_id: Id,
    pub text: String,
    pub theme_name: String,
    pub colour: String,
    pub deck_title: String,
}

#[async_trait]
pub trait StockStore: Send + Sync {
    /// Store this wording of an instrument if it is new; the stored row either way
    /// (its `source` may differ from `source` if the file changed without a new version).
    async fn ensure_instrument(
        &self,
        key: &str,
        version: i64,
        title: &str,
        source: &str,
        now: Timestamp,
    ) -> DbResult<InstrumentRow>;
    async fn instrument(&self, id: Id) -> DbResult<Option<InstrumentRow>>;
    /// The newest version of each instrument.
    async fn latest_instruments(&self) -> DbResult<Vec<InstrumentRow>>;

    /// Every card of the shipped decks, in deck, theme and card order (instrument
    /// results suggest cards by `deck/theme` key).
    async fn shipped_cards(&self) -> DbResult<Vec<ShippedCard>>;

    // --- rounds
    async fn create_round(
        &self,
        partnership_id: Id,
        f: &RoundFields,
        user_id: Id,
        now: Timestamp,
    ) -> DbResult<Id>;
    async fn round(&self, id: Id) -> DbResult<Option<Round>>;
    /// A partnership's rounds, newest first.
    async fn rounds(&self, partnership_id: Id) -> DbResult<Vec<Round>>;
    async fn close_round(&self, id: Id, now: Timestamp) -> DbResult<()>;
    async fn reveal_round(&self, id: Id) -> DbResult<()>;

    // --- answers
    async fn answer_set(&self, round_id: Id, user_id: Id) -> DbResult<Option<AnswerSet>>;
    /// A person's answer sets in a partnership's rounds: (round id, when sent; None for
    /// a draft).
    async fn my_answer_sets(
        &self,
        partnership_id: Id,
        user_id: Id,
    ) -> DbResult<Vec<(Id, Option<Timestamp>)>>;
    /// Replace a person's answers; `submit` marks them sent (a draft otherwise, unless
    /// they were already sent).
    async fn save_answers(
        &self,
        round_id: Id,
        user_id: Id,
        organisation_name: &str,
        answers: &[(String, String)],
        submit: bool,
        now: Timestamp,
    ) -> DbResult<()>;
    /// Counts per group × item × answer, sent answers and paper together.
    async fn tallies(&self, round_id: Id) -> DbResult<Vec<Tally>>;
    /// People per group (sent answer sets plus paper forms).
    async fn group_sizes(&self, round_id: Id) -> DbResult<Vec<GroupSize>>;
    /// Who answered what (for a lead's export of a named round).
    async fn raw_answers(&self, round_id: Id) -> DbResult<Vec<RawAnswer>>;
    /// Names of the people who have sent answers.
    async fn answered_names(&self, round_id: Id) -> DbResult<Vec<(String, String)>>;

    // --- paper
    async fn add_paper(
        &self,
        round_id: Id,
        p: &NewPaper,
        user_id: Id,
        now: Timestamp,
    ) -> DbResult<Id>;
    async fn paper_batches(&self, round_id: Id) -> DbResult<Vec<PaperBatch>>;
    async fn delete_paper(&self, round_id: Id, batch_id: Id) -> DbResult<bool>;

    // --- checklists
    async fn ticks(&self, partnership_id: Id, instrument_key: &str) -> DbResult<Vec<Tick>>;
    /// Save a statement's state if still at `version` (0: never saved before).
    #[allow(clippy::too_many_arguments)]
    async fn save_tick(
        &self,
        partnership_id: Id,
        instrument_key: &str,
        entry_key: &str,
        version: i64,
        f: &TickFields,
        user_id: Id,
        now: Timestamp,
    ) -> DbResult<Saved>;
    async fn set_tick_action(
        &self,
        partnership_id: Id,
        instrument_key: &str,
        entry_key: &str,
        action_id: Id,
        now: Timestamp,
    ) -> DbResult<()>;
}

pub(super) const ROUND_SELECT: &str = "SELECT r.id, r.partnership_id, r.instrument_id, iv.key AS instrument_key,
        iv.version AS instrument_version, iv.title AS instrument_title, r.title, r.opens_on, r.closes_on,
        r.anonymous, r.revealed, r.closed_at, r.changes, u.display_name AS created_by_name, r.created_at,
        (SELECT COUNT(*) FROM answer_sets s WHERE s.round_id = r.id AND s.submitted_at IS NOT NULL) AS answered,
        (SELECT CAST(COALESCE(SUM(b.forms), 0) AS BIGINT) FROM paper_batches b WHERE b.round_id = r.id) AS paper
    FROM rounds r
    JOIN instrument_versions iv ON iv.id = r.instrument_id
    LEFT JOIN users u ON u.id = r.created_by";

pub(super) const TICK_SELECT: &str =
    "SELECT t.entry_key, t.done, t.note, t.evidence_url, u.display_name AS ticked_by_name,
        t.ticked_at, t.action_id, a.title AS action_title, a.status AS action_status, t.version
    FROM checklist_ticks t
    LEFT JOIN users u ON u.id = t.ticked_by
    LEFT JOIN actions a ON a.id = t.action_id";

macro_rules! stock_impl {
    ($ty:ty) => {
        #[async_trait::async_trait]
        impl $crate::db::stock::StockStore for $ty {
            async fn ensure_instrument(&self, key: &str, version: i64, title: &str, source: &str, now: Timestamp) -> DbResult<$crate::db::stock::InstrumentRow> {
                sqlx::query(
                    "INSERT INTO instrument_versions (key, version, title, source, created_at) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (key, version) DO NOTHING",
                )
                .bind(key).bind(version).bind(title).bind(source).bind(now)
                .execute(&self.w).await?;
                sqlx::query_as("SELECT id, key, version, title, source FROM instrument_versions WHERE key = $1 AND version = $2")
                    .bind(key).bind(version)
                    .fetch_one(&self.w).await
            }

            async fn instrument(&self, id: Id) -> DbResult<Option<$crate::db::stock::InstrumentRow>> {
                sqlx::query_as("SELECT id, key, version, title, source FROM instrument_versions WHERE id = $1")
                    .bind(id).fetch_optional(&self.r).await
            }

            async fn latest_instruments(&self) -> DbResult<Vec<$crate::db::stock::InstrumentRow>> {
                sqlx::query_as(
                    "SELECT id, key, version, title, source FROM instrument_versions v
                     WHERE version = (SELECT MAX(version) FROM instrument_versions w WHERE w.key = v.key)
                     ORDER BY key",
                )
                .fetch_all(&self.r).await
            }

            async fn shipped_cards(&self) -> DbResult<Vec<$crate::db::stock::ShippedCard>> {
                sqlx::query_as(
                    "SELECT d.builtin_key AS deck_key, t.builtin_key AS theme_key, c.id AS card_id, c.text,
                            t.name AS theme_name, t.colour, d.title AS deck_title
                     FROM cards c JOIN themes t ON t.id = c.theme_id JOIN decks d ON d.id = c.deck_id
                     WHERE d.partnership_id IS NULL AND d.builtin_key IS NOT NULL AND t.builtin_key IS NOT NULL
                     ORDER BY d.id, t.position, c.position, c.id",
                )
                .fetch_all(&self.r).await
            }

            async fn create_round(&self, pid: Id, f: &$crate::domain::stock::RoundFields, user_id: Id, now: Timestamp) -> DbResult<Id> {
                sqlx::query_scalar(
                    "INSERT INTO rounds (partnership_id, instrument_id, title, opens_on, closes_on, anonymous, created_by, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(pid).bind(f.instrument_id).bind(&f.title).bind(&f.opens_on).bind(&f.closes_on).bind(f.anonymous).bind(user_id).bind(now)
                .fetch_one(&self.w).await
            }

            async fn round(&self, id: Id) -> DbResult<Option<$crate::domain::stock::Round>> {
                sqlx::query_as(sqlx::AssertSqlSafe(format!("{} WHERE r.id = $1", $crate::db::stock::ROUND_SELECT)))
                    .bind(id).fetch_optional(&self.r).await
            }

            async fn rounds(&self, pid: Id) -> DbResult<Vec<$crate::domain::stock::Round>> {
                sqlx::query_as(sqlx::AssertSqlSafe(format!("{} WHERE r.partnership_id = $1 ORDER BY r.id DESC", $crate::db::stock::ROUND_SELECT)))
                    .bind(pid).fetch_all(&self.r).await
            }

            async fn close_round(&self, id: Id, now: Timestamp) -> DbResult<()> {
                sqlx::query("UPDATE rounds SET closed_at = $1 WHERE id = $2 AND closed_at IS NULL")
                    .bind(now).bind(id).execute(&self.w).await.map(|_| ())
            }

            async fn reveal_round(&self, id: Id) -> DbResult<()> {
                sqlx::query("UPDATE rounds SET revealed = TRUE WHERE id = $1")
                    .bind(id).execute(&self.w).await.map(|_| ())
            }

            async fn answer_set(&self, round_id: Id, user_id: Id) -> DbResult<Option<$crate::domain::stock::AnswerSet>> {
                let head: Option<(Id, Option<i64>, i64)> = sqlx::query_as(
                    "SELECT id, submitted_at, updated_at FROM answer_sets WHERE round_id = $1 AND user_id = $2",
                )
                .bind(round_id).bind(user_id).fetch_optional(&self.r).await?;
                let Some((id, submitted_at, updated_at)) = head else { return Ok(None) };
                let answers: Vec<(String, String)> = sqlx::query_as(
                    "SELECT item_key, option_key FROM answers WHERE answer_set_id = $1",
                )
                .bind(id).fetch_all(&self.r).await?;
                Ok(Some($crate::domain::stock::AnswerSet { id, submitted_at, updated_at, answers }))
            }

            async fn my_answer_sets(&self, pid: Id, user_id: Id) -> DbResult<Vec<(Id, Option<Timestamp>)>> {
                sqlx::query_as(
                    "SELECT s.round_id, s.submitted_at FROM answer_sets s JOIN rounds r ON r.id = s.round_id
                     WHERE r.partnership_id = $1 AND s.user_id = $2",
                )
                .bind(pid).bind(user_id).fetch_all(&self.r).await
            }

            async fn save_answers(&self, round_id: Id, user_id: Id, org: &str, answers: &[(String, String)], submit: bool, now: Timestamp) -> DbResult<()> {
                let mut tx = self.w.begin().await?;
                let id: Id = sqlx::query_scalar(
                    "INSERT INTO answer_sets (round_id, user_id, organisation_name, submitted_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (round_id, user_id) DO UPDATE SET organisation_name = $3,
                         submitted_at = COALESCE(answer_sets.submitted_at, $4), updated_at = $5
                     RETURNING id",
                )
                .bind(round_id).bind(user_id).bind(org).bind(submit.then_some(now)).bind(now)
                .fetch_one(&mut *tx).await?;
                sqlx::query("UPDATE rounds SET changes = changes + 1 WHERE id = $1").bind(round_id).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM answers WHERE answer_set_id = $1").bind(id).execute(&mut *tx).await?;
                for (item, option) in answers {
                    sqlx::query("INSERT INTO answers (answer_set_id, item_key, option_key) VALUES ($1, $2, $3)")
                        .bind(id).bind(item).bind(option).execute(&mut *tx).await?;
                }
                tx.commit().await
            }

            async fn tallies(&self, round_id: Id) -> DbResult<Vec<$crate::domain::stock::Tally>> {
                sqlx::query_as(
                    "SELECT s.organisation_name AS group_name, a.item_key, a.option_key, COUNT(*) AS count
                     FROM answers a JOIN answer_sets s ON s.id = a.answer_set_id
                     WHERE s.round_id = $1 AND s.submitted_at IS NOT NULL
                     GROUP BY s.organisation_name, a.item_key, a.option_key
                     UNION ALL
                     SELECT b.organisation_name AS group_name, t.item_key, t.option_key, CAST(SUM(t.count) AS BIGINT) AS count
                     FROM paper_tallies t JOIN paper_batches b ON b.id = t.batch_id
                     WHERE b.round_id = $1
                     GROUP BY b.organisation_name, t.item_key, t.option_key",
                )
                .bind(round_id).fetch_all(&self.r).await
            }

            async fn group_sizes(&self, round_id: Id) -> DbResult<Vec<$crate::domain::stock::GroupSize>> {
                let rows: Vec<(String, i64, i64)> = sqlx::query_as(
                    "SELECT organisation_name, COUNT(*), CAST(0 AS BIGINT) FROM answer_sets
                     WHERE round_id = $1 AND submitted_at IS NOT NULL GROUP BY organisation_name
                     UNION ALL
                     SELECT organisation_name, CAST(0 AS BIGINT), CAST(SUM(forms) AS BIGINT) FROM paper_batches
                     WHERE round_id = $1 GROUP BY organisation_name",
                )
                .bind(round_id).fetch_all(&self.r).await?;
                let mut out: Vec<$crate::domain::stock::GroupSize> = Vec::new();
                for (g, online, paper) in rows {
                    match out.iter_mut().find(|x| x.group_name == g) {
                        Some(x) => { x.people += online + paper; x.paper += paper; }
                        None => out.push($crate::domain::stock::GroupSize { group_name: g, people: online + paper, paper }),
                    }
                }
                Ok(out)
            }

            async fn raw_answers(&self, round_id: Id) -> DbResult<Vec<$crate::domain::stock::RawAnswer>> {
                sqlx::query_as(
                    "SELECT COALESCE(u.display_name, '(account removed)') AS person, s.organisation_name AS organisation,
                            a.item_key, a.option_key, s.submitted_at
                     FROM answers a JOIN answer_sets s ON s.id = a.answer_set_id
                     LEFT JOIN users u ON u.id = s.user_id
                     WHERE s.round_id = $1 AND s.submitted_at IS NOT NULL
                     ORDER BY lower(s.organisation_name), lower(COALESCE(u.display_name, '')), s.id, a.item_key",
                )
                .bind(round_id).fetch_all(&self.r).await
            }

            async fn answered_names(&self, round_id: Id) -> DbResult<Vec<(String, String)>> {
                sqlx::query_as(
                    "SELECT COALESCE(u.display_name, '(account removed)'), s.organisation_name
                     FROM answer_sets s LEFT JOIN users u ON u.id = s.user_id
                     WHERE s.round_id = $1 AND s.submitted_at IS NOT NULL
                     ORDER BY lower(s.organisation_name), lower(COALESCE(u.display_name, ''))",
                )
                .bind(round_id).fetch_all(&self.r).await
            }

            async fn add_paper(&self, round_id: Id, p: &$crate::db::stock::NewPaper, user_id: Id, now: Timestamp) -> DbResult<Id> {
                let mut tx = self.w.begin().await?;
                let id: Id = sqlx::query_scalar(
                    "INSERT INTO paper_batches (round_id, organisation_name, forms, note, entered_by, entered_at)
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(round_id).bind(&p.organisation_name).bind(p.forms).bind(&p.note).bind(user_id).bind(now)
                .fetch_one(&mut *tx).await?;
                sqlx::query("UPDATE rounds SET changes = changes + 1 WHERE id = $1").bind(round_id).execute(&mut *tx).await?;
                for (item, option, count) in &p.lines {
                    sqlx::query("INSERT INTO paper_tallies (batch_id, item_key, option_key, count) VALUES ($1, $2, $3, $4)")
                        .bind(id).bind(item).bind(option).bind(count).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(id)
            }

            async fn paper_batches(&self, round_id: Id) -> DbResult<Vec<$crate::domain::stock::PaperBatch>> {
                sqlx::query_as(
                    "SELECT b.id, b.organisation_name, b.forms, b.note, b.entered_by, u.display_name AS entered_by_name, b.entered_at
                     FROM paper_batches b LEFT JOIN users u ON u.id = b.entered_by
                     WHERE b.round_id = $1 ORDER BY b.id",
                )
                .bind(round_id).fetch_all(&self.r).await
            }

            async fn delete_paper(&self, round_id: Id, batch_id: Id) -> DbResult<bool> {
                let mut tx = self.w.begin().await?;
                let r = sqlx::query("DELETE FROM paper_batches WHERE id = $1 AND round_id = $2")
                    .bind(batch_id).bind(round_id).execute(&mut *tx).await?;
                sqlx::query("UPDATE rounds SET changes = changes + 1 WHERE id = $1").bind(round_id).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(r.rows_affected() == 1)
            }

            async fn ticks(&self, pid: Id, instrument_key: &str) -> DbResult<Vec<$crate::domain::stock::Tick>> {
                sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "{} WHERE t.partnership_id = $1 AND t.instrument_key = $2",
                    $crate::db::stock::TICK_SELECT
                )))
                .bind(pid).bind(instrument_key).fetch_all(&self.r).await
            }

            async fn save_tick(&self, pid: Id, instrument_key: &str, entry_key: &str, version: i64, f: &$crate::db::stock::TickFields, user_id: Id, now: Timestamp) -> DbResult<Saved> {
                // Who ticked it and when change only when the tick itself changes.
                let r = if version == 0 {
                    sqlx::query(
                        "INSERT INTO checklist_ticks (partnership_id, instrument_key, entry_key, done, note, evidence_url, ticked_by, ticked_at, updated_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (partnership_id, instrument_key, entry_key) DO NOTHING",
                    )
                    .bind(pid).bind(instrument_key).bind(entry_key).bind(f.done).bind(&f.note).bind(&f.evidence_url)
                    .bind(f.done.then_some(user_id)).bind(f.done.then_some(now)).bind(now)
                    .execute(&self.w).await?
                } else {
                    sqlx::query(
                        "UPDATE checklist_ticks SET
                             ticked_by = CASE WHEN done = $1 THEN ticked_by WHEN $1 THEN $2 ELSE NULL END,
                             ticked_at = CASE WHEN done = $1 THEN ticked_at WHEN $1 THEN $3 ELSE NULL END,
                             done = $1, note = $4, evidence_url = $5, updated_at = $3, version = version + 1
                         WHERE partnership_id = $6 AND instrument_key = $7 AND entry_key = $8 AND version = $9",
                    )
                    .bind(f.done).bind(user_id).bind(now).bind(&f.note).bind(&f.evidence_url)
                    .bind(pid).bind(instrument_key).bind(entry_key).bind(version)
                    .execute(&self.w).await?
                };
                Ok(if r.rows_affected() == 1 { Saved::Saved } else { Saved::Stale })
            }

            async fn set_tick_action(&self, pid: Id, instrument_key: &str, entry_key: &str, action_id: Id, now: Timestamp) -> DbResult<()> {
                sqlx::query(
                    "INSERT INTO checklist_ticks (partnership_id, instrument_key, entry_key, action_id, updated_at)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (partnership_id, instrument_key, entry_key)
                     DO UPDATE SET action_id = $4, updated_at = $5, version = checklist_ticks.version + 1",
                )
                .bind(pid).bind(instrument_key).bind(entry_key).bind(action_id).bind(now)
                .execute(&self.w).await.map(|_| ())
            }
        }
    };
}

pub(super) use stock_impl;
