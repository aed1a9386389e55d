//! Conversations in storage: their details, agendas, pre-meeting views, drafts and
//! records, who is coming, and which cards have been discussed.

use super::decks::swap_with_neighbour;
use super::*;
use crate::domain::Timestamp;
use crate::domain::conversations::*;
use crate::domain::model::*;

pub(super) const CONVERSATION_SELECT: &str = "SELECT c.id, c.partnership_id, c.title,
                                                  c.starts_at, c.time_zone, c.place,
                                                  c.facilitator_id,
        f.display_name AS facilitator_name, c.purpose, c.status, c.views_named, c.views_revealed,
        c.created_at, c.updated_at, c.version,
        (SELECT COUNT(*) FROM agenda_items i WHERE i.conversation_id = c.id) AS item_count,
        CAST((SELECT COALESCE(SUM(i.minutes),
            0) FROM agenda_items i WHERE i.conversation_id = c.id) AS BIGINT) AS total_minutes
 FROM conversations c LEFT JOIN users f ON f.id = c.facilitator_id";

pub(super) const ITEM_SELECT: &str = "SELECT i.id, i.conversation_id, i.position, i.card_id,
                                          i.is_card, i.title, i.prompt, i.deck_title,
        i.theme_name, i.colour, i.minutes, i.notes, i.agreed, i.differ, i.updated_at,
        u.display_name AS updated_by_name, i.version
 FROM agenda_items i LEFT JOIN users u ON u.id = i.updated_by";

impl Store {
    /// Plan a new conversation; returns its id.
    pub async fn create_conversation(
        &self,
        pid: Id,
        f: &ConversationFields,
        user_id: Id,
        now: Timestamp,
    ) -> DbResult<Id> {
        writer!(self, |w| {
            sqlx::query_scalar(
                "INSERT INTO conversations (partnership_id, title, starts_at, time_zone,
                     place, facilitator_id, purpose, created_by, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
            )
            .bind(pid)
            .bind(&f.title)
            .bind(f.starts_at)
            .bind(&f.time_zone)
            .bind(&f.place)
            .bind(f.facilitator_id)
            .bind(&f.purpose)
            .bind(user_id)
            .bind(now)
            .fetch_one(w)
            .await
        })
    }

    /// Change the details, if still at `version`.
    pub async fn update_conversation(
        &self,
        id: Id,
        version: i64,
        f: &ConversationFields,
        now: Timestamp,
    ) -> DbResult<Saved> {
        writer!(self, |w| {
            let r = sqlx::query(
                "UPDATE conversations SET title = $1, starts_at = $2, time_zone = $3,
                 place = $4, facilitator_id = $5, purpose = $6,
                 updated_at = $7, version = version + 1 WHERE id = $8 AND version = $9",
            )
            .bind(&f.title)
            .bind(f.starts_at)
            .bind(&f.time_zone)
            .bind(&f.place)
            .bind(f.facilitator_id)
            .bind(&f.purpose)
            .bind(now)
            .bind(id)
            .bind(version)
            .execute(w)
            .await?;
            Ok(if r.rows_affected() == 1 {
                Saved::Saved
            } else {
                Saved::Stale
            })
        })
    }

    /// One conversation, whichever partnership it belongs to (callers check).
    pub async fn conversation(&self, id: Id) -> DbResult<Option<Conversation>> {
        reader!(self, |r| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{} WHERE c.id = $1",
                CONVERSATION_SELECT
            )))
            .bind(id)
            .fetch_optional(r)
            .await
        })
    }

    /// A partnership's conversations, latest first (undated last).
    pub async fn conversations(&self, pid: Id) -> DbResult<Vec<Conversation>> {
        reader!(self, |r| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{} WHERE c.partnership_id = $1 ORDER BY c.starts_at IS NULL,
                     c.starts_at DESC, c.id DESC",
                CONVERSATION_SELECT
            )))
            .bind(pid)
            .fetch_all(r)
            .await
        })
    }

    /// Move a conversation to planned, held or written up.
    pub async fn set_conversation_status(
        &self,
        id: Id,
        status: ConversationStatus,
        now: Timestamp,
    ) -> DbResult<()> {
        writer!(self, |w| {
            sqlx::query("UPDATE conversations SET status = $1, updated_at = $2 WHERE id = $3")
                .bind(status.as_str())
                .bind(now)
                .bind(id)
                .execute(w)
                .await
                .map(|_| ())
        })
    }

    /// Named or anonymous views, and whether they have been revealed.
    pub async fn set_views(
        &self,
        id: Id,
        named: bool,
        revealed: bool,
        now: Timestamp,
    ) -> DbResult<()> {
        writer!(self, |w| {
            sqlx::query(
                "UPDATE conversations
                 SET views_named = $1, views_revealed = $2, updated_at = $3
                 WHERE id = $4",
            )
            .bind(named)
            .bind(revealed)
            .bind(now)
            .bind(id)
            .execute(w)
            .await
            .map(|_| ())
        })
    }

    /// Delete a conversation with its agenda, views, record and attendees.
    pub async fn delete_conversation(&self, id: Id) -> DbResult<()> {
        writer!(self, |w| {
            sqlx::query("DELETE FROM conversations WHERE id = $1")
                .bind(id)
                .execute(w)
                .await
                .map(|_| ())
        })
    }

    /// A conversation's agenda items in order.
    pub async fn agenda(&self, conversation_id: Id) -> DbResult<Vec<AgendaItem>> {
        reader!(self, |r| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{} WHERE i.conversation_id = $1 ORDER BY i.position, i.id",
                ITEM_SELECT
            )))
            .bind(conversation_id)
            .fetch_all(r)
            .await
        })
    }

    /// One agenda item.
    pub async fn agenda_item(&self, id: Id) -> DbResult<Option<AgendaItem>> {
        reader!(self, |r| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{} WHERE i.id = $1",
                ITEM_SELECT
            )))
            .bind(id)
            .fetch_optional(r)
            .await
        })
    }

    /// Add a card to the end of the agenda, keeping a copy of its words; returns the item id.
    pub async fn add_card_item(
        &self,
        conversation_id: Id,
        card: &CardSnapshot,
        minutes: i64,
        now: Timestamp,
    ) -> DbResult<Id> {
        writer!(self, |w| {
            sqlx::query_scalar(
                "INSERT INTO agenda_items (conversation_id, position, card_id, is_card, title,
                     prompt, deck_title, theme_name, colour, minutes, updated_at)
                 VALUES ($1, (SELECT COALESCE(MAX(position),
                     0) + 1 FROM agenda_items WHERE conversation_id = $1), $2, TRUE, $3, $4,
                     $5, $6, $7, $8, $9)
                 RETURNING id",
            )
            .bind(conversation_id)
            .bind(card.card_id)
            .bind(&card.text)
            .bind(&card.prompt)
            .bind(&card.deck_title)
            .bind(&card.theme_name)
            .bind(&card.colour)
            .bind(minutes)
            .bind(now)
            .fetch_one(w)
            .await
        })
    }

    /// Add an item of the planner's own words to the end of the agenda; returns its id.
    pub async fn add_free_item(
        &self,
        conversation_id: Id,
        title: &str,
        minutes: i64,
        now: Timestamp,
    ) -> DbResult<Id> {
        writer!(self, |w| {
            sqlx::query_scalar(
                "INSERT INTO agenda_items (conversation_id, position, title, minutes, updated_at)
                 VALUES ($1, (SELECT COALESCE(MAX(position),
                     0) + 1 FROM agenda_items WHERE conversation_id = $1), $2, $3, $4)
                 RETURNING id",
            )
            .bind(conversation_id)
            .bind(title)
            .bind(minutes)
            .bind(now)
            .fetch_one(w)
            .await
        })
    }

    /// Change an item's title (free items) and time, if still at `version`.
    pub async fn update_item_plan(
        &self,
        id: Id,
        version: i64,
        title: &str,
        minutes: i64,
        now: Timestamp,
    ) -> DbResult<Saved> {
        writer!(self, |w| {
            let r = sqlx::query(
                "UPDATE agenda_items SET title = CASE WHEN is_card THEN title ELSE $1 END,
                     minutes = $2, updated_at = $3, version = version + 1
                 WHERE id = $4 AND version = $5",
            )
            .bind(title)
            .bind(minutes)
            .bind(now)
            .bind(id)
            .bind(version)
            .execute(w)
            .await?;
            Ok(if r.rows_affected() == 1 {
                Saved::Saved
            } else {
                Saved::Stale
            })
        })
    }

    /// Swap an agenda item with its neighbour above or below.
    pub async fn move_item(&self, id: Id, direction: Move) -> DbResult<()> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            swap_with_neighbour(
                &mut tx,
                id,
                direction,
                [
                    "SELECT conversation_id, position FROM agenda_items WHERE id = $1",
                    "SELECT id, position
                     FROM agenda_items
                     WHERE conversation_id = $1 AND position < $2
                     ORDER BY position DESC LIMIT 1",
                    "SELECT id, position
                     FROM agenda_items
                     WHERE conversation_id = $1 AND position > $2
                     ORDER BY position LIMIT 1",
                    "UPDATE agenda_items SET position = $1 WHERE id = $2",
                ],
            )
            .await?;
            tx.commit().await
        })
    }

    /// Remove an agenda item (its views and record go with it).
    pub async fn delete_item(&self, id: Id) -> DbResult<()> {
        writer!(self, |w| {
            sqlx::query("DELETE FROM agenda_items WHERE id = $1")
                .bind(id)
                .execute(w)
                .await
                .map(|_| ())
        })
    }

    /// Save notes, decisions and differences, if still at `version`; clears the
    /// saver's draft.
    pub async fn save_record(
        &self,
        id: Id,
        version: i64,
        record: &RecordText,
        user_id: Id,
        now: Timestamp,
    ) -> DbResult<Saved> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            let r = sqlx::query(
                "UPDATE agenda_items SET notes = $1, agreed = $2, differ = $3,
                     updated_by = $4, updated_at = $5, version = version + 1
                 WHERE id = $6 AND version = $7",
            )
            .bind(&record.notes)
            .bind(&record.agreed)
            .bind(&record.differ)
            .bind(user_id)
            .bind(now)
            .bind(id)
            .bind(version)
            .execute(&mut *tx)
            .await?;
            if r.rows_affected() != 1 {
                return Ok(Saved::Stale);
            }
            sqlx::query("DELETE FROM drafts WHERE user_id = $1 AND item_id = $2")
                .bind(user_id)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(Saved::Saved)
        })
    }

    /// Who is coming: members and guests, members first.
    pub async fn attendees(&self, conversation_id: Id) -> DbResult<Vec<Attendee>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT id, conversation_id, user_id, name,
                     organisation, attendance FROM attendees WHERE conversation_id = $1
                 ORDER BY lower(organisation), lower(name), id",
            )
            .bind(conversation_id)
            .fetch_all(r)
            .await
        })
    }

    /// Add someone; false if that member is already on the list.
    pub async fn add_attendee(
        &self,
        conversation_id: Id,
        user_id: Option<Id>,
        name: &str,
        organisation: &str,
    ) -> DbResult<bool> {
        writer!(self, |w| {
            let r = sqlx::query(
                "INSERT INTO attendees (conversation_id, user_id, name,
                     organisation) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (conversation_id, user_id) DO NOTHING",
            )
            .bind(conversation_id)
            .bind(user_id)
            .bind(name)
            .bind(organisation)
            .execute(w)
            .await?;
            Ok(r.rows_affected() == 1)
        })
    }

    /// Record who came: (entry, "came" | "apologies" | "" for not known), each only if
    /// the entry is on this conversation's list. All or nothing.
    pub async fn set_attendance(&self, conversation_id: Id, marks: &[(Id, &str)]) -> DbResult<()> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            for (id, mark) in marks {
                sqlx::query(
                    "UPDATE attendees SET attendance = $1 WHERE id = $2 AND conversation_id = $3",
                )
                .bind(*mark)
                .bind(*id)
                .bind(conversation_id)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await
        })
    }

    /// Take someone off the list; false if they were not on it.
    pub async fn remove_attendee(&self, conversation_id: Id, attendee_id: Id) -> DbResult<bool> {
        writer!(self, |w| {
            let r = sqlx::query("DELETE FROM attendees WHERE id = $1 AND conversation_id = $2")
                .bind(attendee_id)
                .bind(conversation_id)
                .execute(w)
                .await?;
            Ok(r.rows_affected() == 1)
        })
    }

    /// Everyone's views on a conversation's items, for the facilitator and the reveal.
    pub async fn views(&self, conversation_id: Id) -> DbResult<Vec<PriorView>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT v.id, v.item_id, v.user_id, u.display_name AS author, v.body, v.updated_at
                 FROM prior_views v JOIN agenda_items i ON i.id = v.item_id JOIN users u ON u.id = v.user_id
                 WHERE i.conversation_id = $1 ORDER BY v.created_at, v.id",
            )
            .bind(conversation_id)
            .fetch_all(r)
            .await
        })
    }

    /// Add or replace a person's view on an item (an empty body removes it).
    pub async fn save_view(
        &self,
        item_id: Id,
        user_id: Id,
        body: &str,
        now: Timestamp,
    ) -> DbResult<()> {
        writer!(self, |w| {
            if body.trim().is_empty() {
                sqlx::query("DELETE FROM prior_views WHERE item_id = $1 AND user_id = $2")
                    .bind(item_id)
                    .bind(user_id)
                    .execute(w)
                    .await?;
                return Ok(());
            }
            sqlx::query(
                "INSERT INTO prior_views (item_id, user_id, body, created_at,
                     updated_at) VALUES ($1, $2, $3, $4, $4)
                 ON CONFLICT (item_id, user_id) DO UPDATE SET body = excluded.body,
                     updated_at = excluded.updated_at",
            )
            .bind(item_id)
            .bind(user_id)
            .bind(body)
            .bind(now)
            .execute(w)
            .await
            .map(|_| ())
        })
    }

    /// Keep what someone has typed into a record so far (their own, until saved).
    pub async fn save_draft(&self, user_id: Id, item_id: Id, d: &Draft) -> DbResult<()> {
        writer!(self, |w| {
            sqlx::query(
                "INSERT INTO drafts (user_id, item_id, notes, agreed, differ, base_version,
                     saved_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (user_id, item_id) DO UPDATE SET notes = excluded.notes,
                     agreed = excluded.agreed, differ = excluded.differ,
                     base_version = excluded.base_version, saved_at = excluded.saved_at",
            )
            .bind(user_id)
            .bind(item_id)
            .bind(&d.notes)
            .bind(&d.agreed)
            .bind(&d.differ)
            .bind(d.base_version)
            .bind(d.saved_at)
            .execute(w)
            .await
            .map(|_| ())
        })
    }

    /// Someone's unsaved record text for an item, if any.
    pub async fn draft(&self, user_id: Id, item_id: Id) -> DbResult<Option<Draft>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT notes, agreed, differ, base_version, saved_at
                 FROM drafts
                 WHERE user_id = $1 AND item_id = $2",
            )
            .bind(user_id)
            .bind(item_id)
            .fetch_optional(r)
            .await
        })
    }

    /// Each card discussed in held or written-up conversations: where it was discussed
    /// last, and how many times.
    pub async fn discussed_cards(&self, pid: Id) -> DbResult<Vec<Discussed>> {
        reader!(self, |r| {
            // Count per card in SQL, then join back to the latest meeting: one row per
            // card (rows are what cost most through the driver; see the issue 5 note).
            let rows: Vec<Discussed> = sqlx::query_as(
                "SELECT g.card_id, c.id AS conversation_id, c.title AS conversation_title,
                     c.starts_at, g.times
                 FROM (SELECT i.card_id, COUNT(*) AS times, MAX(c.starts_at) AS latest
                       FROM conversations c JOIN agenda_items i ON i.conversation_id = c.id
                       WHERE c.partnership_id = $1 AND c.status <> 'planned'
                           AND i.card_id IS NOT NULL
                       GROUP BY i.card_id) g
                 JOIN conversations c ON c.partnership_id = $1 AND c.status <> 'planned'
                      AND (c.starts_at = g.latest OR (g.latest IS NULL AND c.starts_at IS NULL))
                 JOIN agenda_items i ON i.conversation_id = c.id AND i.card_id = g.card_id
                 ORDER BY g.card_id, c.id DESC",
            )
            .bind(pid)
            .fetch_all(r)
            .await?;
            // Two meetings at the same moment: keep the newer (first, by the order above).
            let mut out: Vec<Discussed> = Vec::with_capacity(rows.len());
            for d in rows {
                if out.last().is_none_or(|l| l.card_id != d.card_id) {
                    out.push(d);
                }
            }
            Ok(out)
        })
    }

    /// Conversations still being planned, soonest first: (id, title, start).
    pub async fn planned_conversations(
        &self,
        pid: Id,
    ) -> DbResult<Vec<(Id, String, Option<Timestamp>)>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT id, title, starts_at FROM conversations WHERE partnership_id = $1
                     AND status = 'planned'
                 ORDER BY starts_at IS NULL, starts_at, id",
            )
            .bind(pid)
            .fetch_all(r)
            .await
        })
    }
}
