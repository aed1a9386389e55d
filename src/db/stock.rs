//! Taking stock in storage: instrument versions, rounds, answer sets and paper
//! tallies. Results are counted in SQL (one row per group × item × answer), never by
//! loading every answer.

use super::*;
use crate::domain::Timestamp;
use crate::domain::model::*;
use crate::domain::stock::*;

/// A stored instrument version.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InstrumentRow {
    /// Its id.
    pub id: Id,
    /// Which instrument (`readiness`, `spectrum`, `health-check`, …).
    pub key: String,
    /// Its wording's version; answers always point at the version they were given to.
    pub version: i64,
    /// Its title.
    pub title: String,
    /// The TOML it was parsed from.
    pub source: String,
}

/// One paper tally line: (item key, option key, count).
pub type PaperLine = (String, String, i64);

/// A batch of paper forms to enter.
#[derive(Debug, Clone, Default)]
pub struct NewPaper {
    /// The organisation the forms came from (may be empty).
    pub organisation_name: String,
    /// How many paper forms the batch holds.
    pub forms: i64,
    /// A note for the record (where and when they were collected).
    pub note: String,
    /// The counts, item by item and answer by answer.
    pub lines: Vec<PaperLine>,
}

/// A card of a shipped deck, with the keys instrument suggestions use.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ShippedCard {
    /// The shipped deck's key.
    pub deck_key: String,
    /// The theme's key within its deck.
    pub theme_key: String,
    /// The card.
    pub card_id: Id,
    /// The card's question.
    pub text: String,
    /// The theme's name.
    pub theme_name: String,
    /// The theme's colour (`#rrggbb`).
    pub colour: String,
    /// The deck's title.
    pub deck_title: String,
}

pub(super) const ROUND_SELECT: &str = "SELECT r.id, r.partnership_id, r.instrument_id,
                                           iv.key AS instrument_key,
        iv.version AS instrument_version, iv.title AS instrument_title, r.title, r.opens_on,
            r.closes_on,
        r.anonymous, r.revealed, r.closed_at, r.changes, u.display_name AS created_by_name,
            r.created_at,
        (SELECT COUNT(*) FROM answer_sets s WHERE s.round_id = r.id
            AND s.submitted_at IS NOT NULL) AS answered,
        (SELECT CAST(COALESCE(SUM(b.forms),
            0) AS BIGINT) FROM paper_batches b WHERE b.round_id = r.id) AS paper
    FROM rounds r
    JOIN instrument_versions iv ON iv.id = r.instrument_id
    LEFT JOIN users u ON u.id = r.created_by";

impl Store {
    /// Store this wording of an instrument if it is new; the stored row either way
    /// (its `source` may differ from `source` if the file changed without a new version).
    pub async fn ensure_instrument(
        &self,
        key: &str,
        version: i64,
        title: &str,
        source: &str,
        now: Timestamp,
    ) -> DbResult<InstrumentRow> {
        writer!(self, |w| {
            sqlx::query(
                "INSERT INTO instrument_versions (key, version, title, source,
                     created_at) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (key, version) DO NOTHING",
            )
            .bind(key)
            .bind(version)
            .bind(title)
            .bind(source)
            .bind(now)
            .execute(w)
            .await?;
            sqlx::query_as(
                "SELECT id, key, version, title, source
                 FROM instrument_versions
                 WHERE key = $1 AND version = $2",
            )
            .bind(key)
            .bind(version)
            .fetch_one(w)
            .await
        })
    }

    /// One stored instrument version.
    pub async fn instrument(&self, id: Id) -> DbResult<Option<InstrumentRow>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT id, key, version, title, source
                 FROM instrument_versions
                 WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(r)
            .await
        })
    }

    /// The newest version of each instrument.
    pub async fn latest_instruments(&self) -> DbResult<Vec<InstrumentRow>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT id, key, version, title, source FROM instrument_versions v
                 WHERE version = (SELECT MAX(version) FROM instrument_versions w WHERE w.key = v.key)
                 ORDER BY key",
            )
            .fetch_all(r).await
        })
    }

    /// Every card of the shipped decks, in deck, theme and card order (instrument
    /// results suggest cards by `deck/theme` key).
    pub async fn shipped_cards(&self) -> DbResult<Vec<ShippedCard>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT d.builtin_key AS deck_key, t.builtin_key AS theme_key,
                     c.id AS card_id, c.text,
                        t.name AS theme_name, t.colour, d.title AS deck_title
                 FROM cards c JOIN themes t ON t.id = c.theme_id JOIN decks d ON d.id = c.deck_id
                 WHERE d.partnership_id IS NULL AND d.builtin_key IS NOT NULL
                     AND t.builtin_key IS NOT NULL
                 ORDER BY d.id, t.position, c.position, c.id",
            )
            .fetch_all(r)
            .await
        })
    }

    /// What the shipped cards are at: how many shipped decks and the sum of their
    /// versions (a deck's cards change only when its version goes up).
    pub async fn shipped_version(&self) -> DbResult<(i64, i64)> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT COUNT(*), CAST(COALESCE(SUM(builtin_version), 0) AS BIGINT) FROM decks
                 WHERE partnership_id IS NULL AND builtin_key IS NOT NULL",
            )
            .fetch_one(r)
            .await
        })
    }

    /// Open a new round of an instrument; returns its id.
    pub async fn create_round(
        &self,
        pid: Id,
        f: &RoundFields,
        user_id: Id,
        now: Timestamp,
    ) -> DbResult<Id> {
        writer!(self, |w| {
            sqlx::query_scalar(
                "INSERT INTO rounds (partnership_id, instrument_id, title, opens_on,
                     closes_on, anonymous, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(pid)
            .bind(f.instrument_id)
            .bind(&f.title)
            .bind(&f.opens_on)
            .bind(&f.closes_on)
            .bind(f.anonymous)
            .bind(user_id)
            .bind(now)
            .fetch_one(w)
            .await
        })
    }

    /// One round.
    pub async fn round(&self, id: Id) -> DbResult<Option<Round>> {
        reader!(self, |r| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{} WHERE r.id = $1",
                ROUND_SELECT
            )))
            .bind(id)
            .fetch_optional(r)
            .await
        })
    }

    /// A partnership's rounds, newest first.
    pub async fn rounds(&self, pid: Id) -> DbResult<Vec<Round>> {
        reader!(self, |r| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{} WHERE r.partnership_id = $1 ORDER BY r.id DESC",
                ROUND_SELECT
            )))
            .bind(pid)
            .fetch_all(r)
            .await
        })
    }

    /// Close a round now.
    pub async fn close_round(&self, id: Id, now: Timestamp) -> DbResult<()> {
        writer!(self, |w| {
            sqlx::query("UPDATE rounds SET closed_at = $1 WHERE id = $2 AND closed_at IS NULL")
                .bind(now)
                .bind(id)
                .execute(w)
                .await
                .map(|_| ())
        })
    }

    /// Show a round's results to every member.
    pub async fn reveal_round(&self, id: Id) -> DbResult<()> {
        writer!(self, |w| {
            sqlx::query("UPDATE rounds SET revealed = TRUE WHERE id = $1")
                .bind(id)
                .execute(w)
                .await
                .map(|_| ())
        })
    }

    /// A person's answers in a round (sent or a draft).
    pub async fn answer_set(&self, round_id: Id, user_id: Id) -> DbResult<Option<AnswerSet>> {
        reader!(self, |r| {
            let head: Option<(Id, Option<i64>, i64)> = sqlx::query_as(
                "SELECT id, submitted_at, updated_at
                 FROM answer_sets
                 WHERE round_id = $1 AND user_id = $2",
            )
            .bind(round_id)
            .bind(user_id)
            .fetch_optional(r)
            .await?;
            let Some((id, submitted_at, updated_at)) = head else {
                return Ok(None);
            };
            let answers: Vec<(String, String)> =
                sqlx::query_as("SELECT item_key, option_key FROM answers WHERE answer_set_id = $1")
                    .bind(id)
                    .fetch_all(r)
                    .await?;
            Ok(Some(AnswerSet {
                id,
                submitted_at,
                updated_at,
                answers,
            }))
        })
    }

    /// A person's answer sets in a partnership's rounds: (round id, when sent; None for
    /// a draft).
    pub async fn my_answer_sets(
        &self,
        pid: Id,
        user_id: Id,
    ) -> DbResult<Vec<(Id, Option<Timestamp>)>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT s.round_id, s.submitted_at FROM answer_sets s JOIN rounds r ON r.id = s.round_id
                 WHERE r.partnership_id = $1 AND s.user_id = $2",
            )
            .bind(pid).bind(user_id).fetch_all(r).await
        })
    }

    /// Replace a person's answers; `submit` marks them sent (a draft otherwise, unless
    /// they were already sent).
    pub async fn save_answers(
        &self,
        round_id: Id,
        user_id: Id,
        org: &str,
        answers: &[(String, String)],
        submit: bool,
        now: Timestamp,
    ) -> DbResult<()> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            let id: Id = sqlx::query_scalar(
                "INSERT INTO answer_sets (round_id, user_id, organisation_name, submitted_at,
                     updated_at)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (round_id, user_id) DO UPDATE SET organisation_name = $3,
                     submitted_at = COALESCE(answer_sets.submitted_at, $4), updated_at = $5
                 RETURNING id",
            )
            .bind(round_id)
            .bind(user_id)
            .bind(org)
            .bind(submit.then_some(now))
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query("UPDATE rounds SET changes = changes + 1 WHERE id = $1")
                .bind(round_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM answers WHERE answer_set_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            for (item, option) in answers {
                sqlx::query(
                    "INSERT INTO answers (answer_set_id, item_key, option_key)
                     VALUES ($1, $2, $3)",
                )
                .bind(id)
                .bind(item)
                .bind(option)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await
        })
    }

    /// Counts per group × item × answer, sent answers and paper together.
    pub async fn tallies(&self, round_id: Id) -> DbResult<Vec<Tally>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT s.organisation_name AS group_name, a.item_key, a.option_key,
                     COUNT(*) AS count
                 FROM answers a JOIN answer_sets s ON s.id = a.answer_set_id
                 WHERE s.round_id = $1 AND s.submitted_at IS NOT NULL
                 GROUP BY s.organisation_name, a.item_key, a.option_key
                 UNION ALL
                 SELECT b.organisation_name AS group_name, t.item_key, t.option_key,
                     CAST(SUM(t.count) AS BIGINT) AS count
                 FROM paper_tallies t JOIN paper_batches b ON b.id = t.batch_id
                 WHERE b.round_id = $1
                 GROUP BY b.organisation_name, t.item_key, t.option_key",
            )
            .bind(round_id)
            .fetch_all(r)
            .await
        })
    }

    /// People per group (sent answer sets plus paper forms).
    pub async fn group_sizes(&self, round_id: Id) -> DbResult<Vec<GroupSize>> {
        reader!(self, |r| {
            let rows: Vec<(String, i64, i64)> = sqlx::query_as(
                "SELECT organisation_name, COUNT(*), CAST(0 AS BIGINT) FROM answer_sets
                 WHERE round_id = $1 AND submitted_at IS NOT NULL GROUP BY organisation_name
                 UNION ALL
                 SELECT organisation_name, CAST(0 AS BIGINT),
                     CAST(SUM(forms) AS BIGINT) FROM paper_batches
                 WHERE round_id = $1 GROUP BY organisation_name",
            )
            .bind(round_id)
            .fetch_all(r)
            .await?;
            let mut out: Vec<GroupSize> = Vec::new();
            for (g, online, paper) in rows {
                match out.iter_mut().find(|x| x.group_name == g) {
                    Some(x) => {
                        x.people += online + paper;
                        x.paper += paper;
                    }
                    None => out.push(GroupSize {
                        group_name: g,
                        people: online + paper,
                        paper,
                    }),
                }
            }
            Ok(out)
        })
    }

    /// Who answered what (for a lead's export of a named round).
    pub async fn raw_answers(&self, round_id: Id) -> DbResult<Vec<RawAnswer>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT COALESCE(u.display_name, '(account removed)') AS person,
                     s.organisation_name AS organisation,
                        a.item_key, a.option_key, s.submitted_at
                 FROM answers a JOIN answer_sets s ON s.id = a.answer_set_id
                 LEFT JOIN users u ON u.id = s.user_id
                 WHERE s.round_id = $1 AND s.submitted_at IS NOT NULL
                 ORDER BY lower(s.organisation_name), lower(COALESCE(u.display_name, '')),
                     s.id, a.item_key",
            )
            .bind(round_id)
            .fetch_all(r)
            .await
        })
    }

    /// Names of the people who have sent answers.
    pub async fn answered_names(&self, round_id: Id) -> DbResult<Vec<(String, String)>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT COALESCE(u.display_name, '(account removed)'), s.organisation_name
                 FROM answer_sets s LEFT JOIN users u ON u.id = s.user_id
                 WHERE s.round_id = $1 AND s.submitted_at IS NOT NULL
                 ORDER BY lower(s.organisation_name), lower(COALESCE(u.display_name, ''))",
            )
            .bind(round_id)
            .fetch_all(r)
            .await
        })
    }

    /// The accounts that have sent answers to a round (for "who has not answered yet"
    /// in named rounds, and "how many of the partnership" in any).
    pub async fn sent_by(&self, round_id: Id) -> DbResult<Vec<Id>> {
        reader!(self, |r| {
            sqlx::query_scalar(
                "SELECT s.user_id FROM answer_sets s
                 WHERE s.round_id = $1 AND s.submitted_at IS NOT NULL AND s.user_id IS NOT NULL",
            )
            .bind(round_id)
            .fetch_all(r)
            .await
        })
    }

    /// Enter a batch of paper forms; returns its id.
    pub async fn add_paper(
        &self,
        round_id: Id,
        p: &NewPaper,
        user_id: Id,
        now: Timestamp,
    ) -> DbResult<Id> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            let id: Id = sqlx::query_scalar(
                "INSERT INTO paper_batches (round_id, organisation_name, forms, note,
                     entered_by, entered_at)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(round_id)
            .bind(&p.organisation_name)
            .bind(p.forms)
            .bind(&p.note)
            .bind(user_id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query("UPDATE rounds SET changes = changes + 1 WHERE id = $1")
                .bind(round_id)
                .execute(&mut *tx)
                .await?;
            for (item, option, count) in &p.lines {
                sqlx::query(
                    "INSERT INTO paper_tallies (batch_id, item_key, option_key, count)
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(id)
                .bind(item)
                .bind(option)
                .bind(count)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(id)
        })
    }

    /// A round's batches of paper forms, oldest first.
    pub async fn paper_batches(&self, round_id: Id) -> DbResult<Vec<PaperBatch>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT b.id, b.organisation_name, b.forms, b.note, b.entered_by,
                     u.display_name AS entered_by_name, b.entered_at
                 FROM paper_batches b LEFT JOIN users u ON u.id = b.entered_by
                 WHERE b.round_id = $1 ORDER BY b.id",
            )
            .bind(round_id)
            .fetch_all(r)
            .await
        })
    }

    /// Remove a batch of paper forms; false if there was none.
    pub async fn delete_paper(&self, round_id: Id, batch_id: Id) -> DbResult<bool> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            let r = sqlx::query("DELETE FROM paper_batches WHERE id = $1 AND round_id = $2")
                .bind(batch_id)
                .bind(round_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE rounds SET changes = changes + 1 WHERE id = $1")
                .bind(round_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(r.rows_affected() == 1)
        })
    }
}
