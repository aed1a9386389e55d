//! Conversations, agendas, pre-meeting views, records, actions and the activity feed
//! in storage. Reached through [`super::Database::talk`]; both engines share the SQL.
//! Nothing here changes who may see what, so none of it touches the session cache.

use async_trait::async_trait;

use super::DbResult;
use super::cards::{Move, Saved};
use crate::domain::Timestamp;
use crate::domain::model::Id;
use crate::domain::talk::*;

/// Storage of conversations and actions.
#[async_trait]
pub trait TalkStore: Send + Sync {
    // --- conversations
    async fn create_conversation(
        &self,
        partnership_id: Id,
        f: &ConversationFields,
        user_id: Id,
        now: Timestamp,
    ) -> DbResult<Id>;
    /// Change the details, if still at `version`.
    async fn update_conversation(
        &self,
        id: Id,
        version: i64,
        f: &ConversationFields,
        now: Timestamp,
    ) -> DbResult<Saved>;
    async fn conversation(&self, id: Id) -> DbResult<Option<Conversation>>;
    /// A partnership's conversations, latest first (undated last).
    async fn conversations(&self, partnership_id: Id) -> DbResult<Vec<Conversation>>;
    async fn set_conversation_status(
        &self,
        id: Id,
        status: ConversationStatus,
        now: Timestamp,
    ) -> DbResult<()>;
    /// Named or anonymous views, and whether they have been revealed.
    async fn set_views(&self, id: Id, named: bool, revealed: bool, now: Timestamp) -> DbResult<()>;
    async fn delete_conversation(&self, id: Id) -> DbResult<()>;

    // --- agenda
    async fn agenda(&self, conversation_id: Id) -> DbResult<Vec<AgendaItem>>;
    async fn agenda_item(&self, id: Id) -> DbResult<Option<AgendaItem>>;
    async fn add_card_item(
        &self,
        conversation_id: Id,
        card: &CardSnapshot,
        minutes: i64,
        now: Timestamp,
    ) -> DbResult<Id>;
    async fn add_free_item(
        &self,
        conversation_id: Id,
        title: &str,
        minutes: i64,
        now: Timestamp,
    ) -> DbResult<Id>;
    /// Change an item's title (free items) and time, if still at `version`.
    async fn update_item_plan(
        &self,
        id: Id,
        version: i64,
        title: &str,
        minutes: i64,
        now: Timestamp,
    ) -> DbResult<Saved>;
    async fn move_item(&self, id: Id, direction: Move) -> DbResult<()>;
    async fn delete_item(&self, id: Id) -> DbResult<()>;
    /// Save notes, decisions and differences, if still at `version`; clears the
    /// saver's draft.
    async fn save_record(
        &self,
        id: Id,
        version: i64,
        record: &RecordText,
        user_id: Id,
        now: Timestamp,
    ) -> DbResult<Saved>;

    // --- attendees and views
    async fn attendees(&self, conversation_id: Id) -> DbResult<Vec<Attendee>>;
    /// Add someone; false if that member is already on the list.
    async fn add_attendee(
        &self,
        conversation_id: Id,
        user_id: Option<Id>,
        name: &str,
        organisation: &str,
    ) -> DbResult<bool>;
    async fn remove_attendee(&self, conversation_id: Id, attendee_id: Id) -> DbResult<bool>;
    async fn views(&self, conversation_id: Id) -> DbResult<Vec<PriorView>>;
    /// Add or replace a person's view on an item (an empty body removes it).
    async fn save_view(&self, item_id: Id, user_id: Id, body: &str, now: Timestamp)
    -> DbResult<()>;

    // --- drafts and held forms
    async fn save_draft(&self, user_id: Id, item_id: Id, d: &Draft) -> DbResult<()>;
    async fn draft(&self, user_id: Id, item_id: Id) -> DbResult<Option<Draft>>;
    async fn hold_post(
        &self,
        token_hash: &str,
        user_id: Option<Id>,
        path: &str,
        body: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> DbResult<()>;
    async fn held_post(&self, token_hash: &str, now: Timestamp) -> DbResult<Option<HeldPost>>;
    async fn delete_held_post(&self, token_hash: &str) -> DbResult<()>;
    async fn delete_expired_held(&self, now: Timestamp) -> DbResult<u64>;

    // --- actions
    async fn create_action(
        &self,
        partnership_id: Id,
        f: &ActionFields,
        source: &ActionSource,
        user_id: Id,
        now: Timestamp,
    ) -> DbResult<Id>;
    /// Change an action, if still at `version`; the change goes in its history.
    async fn update_action(
        &self,
        id: Id,
        version: i64,
        f: &ActionFields,
        user_id: Id,
        now: Timestamp,
    ) -> DbResult<Saved>;
    /// Set the status and/or add a progress note (not version-checked: it adds to the
    /// history rather than replacing anything; it does bump the version).
    async fn update_action_status(
        &self,
        id: Id,
        status: ActionStatus,
        note: &str,
        user_id: Id,
        now: Timestamp,
    ) -> DbResult<()>;
    async fn action(&self, id: Id) -> DbResult<Option<ActionRow>>;
    async fn action_events(&self, id: Id) -> DbResult<Vec<ActionEvent>>;
    /// One page of a partnership's actions, filtered and sorted, and how many match.
    async fn actions(
        &self,
        partnership_id: Id,
        f: &ActionFilter,
    ) -> DbResult<(Vec<ActionRow>, i64)>;
    async fn action_counts(&self, partnership_id: Id, today: &str) -> DbResult<ActionCounts>;
    async fn conversation_actions(&self, conversation_id: Id) -> DbResult<Vec<ActionRow>>;
    /// Actions a person owns in the partnerships they still belong to.
    async fn my_actions(&self, user_id: Id) -> DbResult<Vec<ActionRow>>;

    // --- coverage, activity, calendar
    /// Each card discussed in held or written-up conversations: where it was discussed
    /// last, and how many times.
    async fn discussed_cards(&self, partnership_id: Id) -> DbResult<Vec<Discussed>>;
    /// Conversations still being planned, soonest first: (id, title, start).
    async fn planned_conversations(
        &self,
        partnership_id: Id,
    ) -> DbResult<Vec<(Id, String, Option<Timestamp>)>>;
    async fn record_activity(
        &self,
        partnership_id: Id,
        user_id: Option<Id>,
        what: &str,
        link: &str,
        now: Timestamp,
    ) -> DbResult<()>;
    /// The latest entries, newest first, before entry `before` (0: from the newest).
    async fn activity(
        &self,
        partnership_id: Id,
        before: Id,
        limit: i64,
    ) -> DbResult<Vec<ActivityRow>>;
    async fn set_calendar_token(
        &self,
        user_id: Id,
        token_hash: &str,
        now: Timestamp,
    ) -> DbResult<()>;
    async fn calendar_owner(&self, token_hash: &str) -> DbResult<Option<Id>>;
    async fn has_calendar(&self, user_id: Id) -> DbResult<bool>;
}

pub(super) const CONVERSATION_SELECT: &str = "SELECT c.id, c.partnership_id, c.title, c.starts_at, c.time_zone, c.place, c.facilitator_id,
        f.display_name AS facilitator_name, c.purpose, c.status, c.views_named, c.views_revealed,
        c.created_at, c.updated_at, c.version,
        (SELECT COUNT(*) FROM agenda_items i WHERE i.conversation_id = c.id) AS item_count,
        CAST((SELECT COALESCE(SUM(i.minutes), 0) FROM agenda_items i WHERE i.conversation_id = c.id) AS BIGINT) AS total_minutes
 FROM conversations c LEFT JOIN users f ON f.id = c.facilitator_id";

pub(super) const ITEM_SELECT: &str = "SELECT i.id, i.conversation_id, i.position, i.card_id, i.is_card, i.title, i.prompt, i.deck_title,
        i.theme_name, i.colour, i.minutes, i.notes, i.agreed, i.differ, i.updated_at,
        u.display_name AS updated_by_name, i.version
 FROM agenda_items i LEFT JOIN users u ON u.id = i.updated_by";

pub(super) const ACTION_SELECT: &str = "SELECT a.id, a.partnership_id, a.title, a.detail, a.owner_user_id, a.owner_org_id,
        u.display_name AS owner_name, o.name AS owner_org_name,
        EXISTS (SELECT 1 FROM memberships m WHERE m.partnership_id = a.partnership_id AND m.user_id = a.owner_user_id) AS owner_is_member,
        a.due_on, a.status, a.conversation_id, a.item_id, a.source, a.created_at, a.updated_at, a.version,
        p.slug AS p_slug, p.name AS p_name
 FROM actions a JOIN partnerships p ON p.id = a.partnership_id
 LEFT JOIN users u ON u.id = a.owner_user_id
 LEFT JOIN organisations o ON o.id = a.owner_org_id";

/// A value bound to a query built from parts.
pub(super) enum Param {
    Int(i64),
    Text(String),
}

/// The action plan's WHERE clause, only with the filters in use (so each query plans
/// well), and its parameters from `$1`.
pub(super) fn action_filter(pid: Id, f: &ActionFilter) -> (String, Vec<Param>) {
    let mut sql = String::from(" WHERE a.partnership_id = $1");
    let mut params = vec![Param::Int(pid)];
    if let Some(u) = f.owner_user_id {
        params.push(Param::Int(u));
        sql.push_str(&format!(" AND a.owner_user_id = ${}", params.len()));
    }
    if let Some(o) = f.owner_org_id {
        params.push(Param::Int(o));
        let n = params.len();
        sql.push_str(&format!(
            " AND (a.owner_org_id = ${n} OR a.owner_user_id IN
                (SELECT m.user_id FROM memberships m WHERE m.partnership_id = $1 AND m.organisation_id = ${n}))"
        ));
    }
    if let Some(st) = f.status {
        params.push(Param::Text(st.as_str().into()));
        sql.push_str(&format!(" AND a.status = ${}", params.len()));
    }
    if let Some(day) = &f.overdue_before {
        params.push(Param::Text(day.clone()));
        sql.push_str(&format!(
            " AND a.due_on < ${} AND a.status IN ('open', 'in_progress')",
            params.len()
        ));
    }
    (sql, params)
}

pub(super) fn action_order(sort: ActionSort) -> &'static str {
    match sort {
        ActionSort::Due => " ORDER BY COALESCE(a.due_on, '9999-12-31'), a.id",
        ActionSort::Newest => " ORDER BY a.created_at DESC, a.id DESC",
        ActionSort::Status => {
            " ORDER BY CASE a.status WHEN 'open' THEN 0 WHEN 'in_progress' THEN 1 WHEN 'done' THEN 2 ELSE 3 END, COALESCE(a.due_on, '9999-12-31'), a.id"
        }
        ActionSort::Owner => {
            " ORDER BY COALESCE(lower(u.display_name), lower(o.name), '~'), COALESCE(a.due_on, '9999-12-31'), a.id"
        }
    }
}

// Queries built with `format!` join only the constant strings above (and
// `action_order`, which picks one of four constants), hence `AssertSqlSafe`.
macro_rules! talk_impl {
    ($ty:ty) => {
        #[async_trait::async_trait]
        impl $crate::db::talk::TalkStore for $ty {
            async fn create_conversation(&self, pid: Id, f: &ConversationFields, user_id: Id, now: Timestamp) -> DbResult<Id> {
                sqlx::query_scalar(
                    "INSERT INTO conversations (partnership_id, title, starts_at, time_zone, place, facilitator_id, purpose, created_by, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
                )
                .bind(pid).bind(&f.title).bind(f.starts_at).bind(&f.time_zone).bind(&f.place).bind(f.facilitator_id).bind(&f.purpose).bind(user_id).bind(now)
                .fetch_one(&self.w)
                .await
            }

            async fn update_conversation(&self, id: Id, version: i64, f: &ConversationFields, now: Timestamp) -> DbResult<Saved> {
                let r = sqlx::query(
                    "UPDATE conversations SET title = $1, starts_at = $2, time_zone = $3, place = $4, facilitator_id = $5, purpose = $6,
                         updated_at = $7, version = version + 1 WHERE id = $8 AND version = $9",
                )
                .bind(&f.title).bind(f.starts_at).bind(&f.time_zone).bind(&f.place).bind(f.facilitator_id).bind(&f.purpose).bind(now).bind(id).bind(version)
                .execute(&self.w)
                .await?;
                Ok(if r.rows_affected() == 1 { Saved::Saved } else { Saved::Stale })
            }

            async fn conversation(&self, id: Id) -> DbResult<Option<Conversation>> {
                sqlx::query_as(sqlx::AssertSqlSafe(format!("{} WHERE c.id = $1", $crate::db::talk::CONVERSATION_SELECT)))
                    .bind(id)
                    .fetch_optional(&self.r)
                    .await
            }

            async fn conversations(&self, pid: Id) -> DbResult<Vec<Conversation>> {
                sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "{} WHERE c.partnership_id = $1 ORDER BY c.starts_at IS NULL, c.starts_at DESC, c.id DESC",
                    $crate::db::talk::CONVERSATION_SELECT
                )))
                .bind(pid)
                .fetch_all(&self.r)
                .await
            }

            async fn set_conversation_status(&self, id: Id, status: ConversationStatus, now: Timestamp) -> DbResult<()> {
                sqlx::query("UPDATE conversations SET status = $1, updated_at = $2 WHERE id = $3")
                    .bind(status.as_str()).bind(now).bind(id)
                    .execute(&self.w).await.map(|_| ())
            }

            async fn set_views(&self, id: Id, named: bool, revealed: bool, now: Timestamp) -> DbResult<()> {
                sqlx::query("UPDATE conversations SET views_named = $1, views_revealed = $2, updated_at = $3 WHERE id = $4")
                    .bind(named).bind(revealed).bind(now).bind(id)
                    .execute(&self.w).await.map(|_| ())
            }

            async fn delete_conversation(&self, id: Id) -> DbResult<()> {
                sqlx::query("DELETE FROM conversations WHERE id = $1").bind(id).execute(&self.w).await.map(|_| ())
            }

            async fn agenda(&self, conversation_id: Id) -> DbResult<Vec<AgendaItem>> {
                sqlx::query_as(sqlx::AssertSqlSafe(format!("{} WHERE i.conversation_id = $1 ORDER BY i.position, i.id", $crate::db::talk::ITEM_SELECT)))
                    .bind(conversation_id)
                    .fetch_all(&self.r)
                    .await
            }

            async fn agenda_item(&self, id: Id) -> DbResult<Option<AgendaItem>> {
                sqlx::query_as(sqlx::AssertSqlSafe(format!("{} WHERE i.id = $1", $crate::db::talk::ITEM_SELECT)))
                    .bind(id)
                    .fetch_optional(&self.r)
                    .await
            }

            async fn add_card_item(&self, conversation_id: Id, card: &CardSnapshot, minutes: i64, now: Timestamp) -> DbResult<Id> {
                sqlx::query_scalar(
                    "INSERT INTO agenda_items (conversation_id, position, card_id, is_card, title, prompt, deck_title, theme_name, colour, minutes, updated_at)
                     VALUES ($1, (SELECT COALESCE(MAX(position), 0) + 1 FROM agenda_items WHERE conversation_id = $1), $2, TRUE, $3, $4, $5, $6, $7, $8, $9)
                     RETURNING id",
                )
                .bind(conversation_id).bind(card.card_id).bind(&card.text).bind(&card.prompt).bind(&card.deck_title).bind(&card.theme_name).bind(&card.colour).bind(minutes).bind(now)
                .fetch_one(&self.w)
                .await
            }

            async fn add_free_item(&self, conversation_id: Id, title: &str, minutes: i64, now: Timestamp) -> DbResult<Id> {
                sqlx::query_scalar(
                    "INSERT INTO agenda_items (conversation_id, position, title, minutes, updated_at)
                     VALUES ($1, (SELECT COALESCE(MAX(position), 0) + 1 FROM agenda_items WHERE conversation_id = $1), $2, $3, $4)
                     RETURNING id",
                )
                .bind(conversation_id).bind(title).bind(minutes).bind(now)
                .fetch_one(&self.w)
                .await
            }

            async fn update_item_plan(&self, id: Id, version: i64, title: &str, minutes: i64, now: Timestamp) -> DbResult<Saved> {
                let r = sqlx::query(
                    "UPDATE agenda_items SET title = CASE WHEN is_card THEN title ELSE $1 END, minutes = $2, updated_at = $3, version = version + 1
                     WHERE id = $4 AND version = $5",
                )
                .bind(title).bind(minutes).bind(now).bind(id).bind(version)
                .execute(&self.w)
                .await?;
                Ok(if r.rows_affected() == 1 { Saved::Saved } else { Saved::Stale })
            }

            async fn move_item(&self, id: Id, direction: Move) -> DbResult<()> {
                let mut tx = self.w.begin().await?;
                swap_with_neighbour(
                    &mut tx,
                    id,
                    direction,
                    ["SELECT conversation_id, position FROM agenda_items WHERE id = $1",
                     "SELECT id, position FROM agenda_items WHERE conversation_id = $1 AND position < $2 ORDER BY position DESC LIMIT 1",
                     "SELECT id, position FROM agenda_items WHERE conversation_id = $1 AND position > $2 ORDER BY position LIMIT 1",
                     "UPDATE agenda_items SET position = $1 WHERE id = $2"],
                )
                .await?;
                tx.commit().await
            }

            async fn delete_item(&self, id: Id) -> DbResult<()> {
                sqlx::query("DELETE FROM agenda_items WHERE id = $1").bind(id).execute(&self.w).await.map(|_| ())
            }

            async fn save_record(&self, id: Id, version: i64, record: &RecordText, user_id: Id, now: Timestamp) -> DbResult<Saved> {
                let mut tx = self.w.begin().await?;
                let r = sqlx::query(
                    "UPDATE agenda_items SET notes = $1, agreed = $2, differ = $3, updated_by = $4, updated_at = $5, version = version + 1
                     WHERE id = $6 AND version = $7",
                )
                .bind(&record.notes).bind(&record.agreed).bind(&record.differ).bind(user_id).bind(now).bind(id).bind(version)
                .execute(&mut *tx)
                .await?;
                if r.rows_affected() != 1 {
                    return Ok(Saved::Stale);
                }
                sqlx::query("DELETE FROM drafts WHERE user_id = $1 AND item_id = $2").bind(user_id).bind(id).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(Saved::Saved)
            }

            async fn attendees(&self, conversation_id: Id) -> DbResult<Vec<Attendee>> {
                sqlx::query_as(
                    "SELECT id, conversation_id, user_id, name, organisation FROM attendees WHERE conversation_id = $1
                     ORDER BY lower(organisation), lower(name), id",
                )
                .bind(conversation_id)
                .fetch_all(&self.r)
                .await
            }

            async fn add_attendee(&self, conversation_id: Id, user_id: Option<Id>, name: &str, organisation: &str) -> DbResult<bool> {
                let r = sqlx::query(
                    "INSERT INTO attendees (conversation_id, user_id, name, organisation) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (conversation_id, user_id) DO NOTHING",
                )
                .bind(conversation_id).bind(user_id).bind(name).bind(organisation)
                .execute(&self.w)
                .await?;
                Ok(r.rows_affected() == 1)
            }

            async fn remove_attendee(&self, conversation_id: Id, attendee_id: Id) -> DbResult<bool> {
                let r = sqlx::query("DELETE FROM attendees WHERE id = $1 AND conversation_id = $2")
                    .bind(attendee_id).bind(conversation_id)
                    .execute(&self.w).await?;
                Ok(r.rows_affected() == 1)
            }

            async fn views(&self, conversation_id: Id) -> DbResult<Vec<PriorView>> {
                sqlx::query_as(
                    "SELECT v.id, v.item_id, v.user_id, u.display_name AS author, v.body, v.updated_at
                     FROM prior_views v JOIN agenda_items i ON i.id = v.item_id JOIN users u ON u.id = v.user_id
                     WHERE i.conversation_id = $1 ORDER BY v.created_at, v.id",
                )
                .bind(conversation_id)
                .fetch_all(&self.r)
                .await
            }

            async fn save_view(&self, item_id: Id, user_id: Id, body: &str, now: Timestamp) -> DbResult<()> {
                if body.trim().is_empty() {
                    sqlx::query("DELETE FROM prior_views WHERE item_id = $1 AND user_id = $2")
                        .bind(item_id).bind(user_id).execute(&self.w).await?;
                    return Ok(());
                }
                sqlx::query(
                    "INSERT INTO prior_views (item_id, user_id, body, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
                     ON CONFLICT (item_id, user_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
                )
                .bind(item_id).bind(user_id).bind(body).bind(now)
                .execute(&self.w)
                .await
                .map(|_| ())
            }

            async fn save_draft(&self, user_id: Id, item_id: Id, d: &Draft) -> DbResult<()> {
                sqlx::query(
                    "INSERT INTO drafts (user_id, item_id, notes, agreed, differ, base_version, saved_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
                     ON CONFLICT (user_id, item_id) DO UPDATE SET notes = excluded.notes, agreed = excluded.agreed, differ = excluded.differ,
                         base_version = excluded.base_version, saved_at = excluded.saved_at",
                )
                .bind(user_id).bind(item_id).bind(&d.notes).bind(&d.agreed).bind(&d.differ).bind(d.base_version).bind(d.saved_at)
                .execute(&self.w)
                .await
                .map(|_| ())
            }

            async fn draft(&self, user_id: Id, item_id: Id) -> DbResult<Option<Draft>> {
                sqlx::query_as("SELECT notes, agreed, differ, base_version, saved_at FROM drafts WHERE user_id = $1 AND item_id = $2")
                    .bind(user_id).bind(item_id)
                    .fetch_optional(&self.r)
                    .await
            }

            async fn hold_post(&self, token_hash: &str, user_id: Option<Id>, path: &str, body: &str, now: Timestamp, expires_at: Timestamp) -> DbResult<()> {
                sqlx::query("INSERT INTO held_posts (token_hash, user_id, path, body, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(token_hash).bind(user_id).bind(path).bind(body).bind(now).bind(expires_at)
                    .execute(&self.w).await.map(|_| ())
            }

            async fn held_post(&self, token_hash: &str, now: Timestamp) -> DbResult<Option<HeldPost>> {
                sqlx::query_as("SELECT user_id, path, body, expires_at FROM held_posts WHERE token_hash = $1 AND expires_at > $2")
                    .bind(token_hash).bind(now)
                    .fetch_optional(&self.r)
                    .await
            }

            async fn delete_held_post(&self, token_hash: &str) -> DbResult<()> {
                sqlx::query("DELETE FROM held_posts WHERE token_hash = $1").bind(token_hash).execute(&self.w).await.map(|_| ())
            }

            async fn delete_expired_held(&self, now: Timestamp) -> DbResult<u64> {
                let r = sqlx::query("DELETE FROM held_posts WHERE expires_at <= $1").bind(now).execute(&self.w).await?;
                Ok(r.rows_affected())
            }

            async fn create_action(&self, pid: Id, f: &ActionFields, source: &ActionSource, user_id: Id, now: Timestamp) -> DbResult<Id> {
                let mut tx = self.w.begin().await?;
                let id: Id = sqlx::query_scalar(
                    "INSERT INTO actions (partnership_id, title, detail, owner_user_id, owner_org_id, due_on, conversation_id, item_id, source, created_by, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
                )
                .bind(pid).bind(&f.title).bind(&f.detail).bind(f.owner_user_id).bind(f.owner_org_id).bind(&f.due_on)
                .bind(source.conversation_id).bind(source.item_id).bind(&source.label).bind(user_id).bind(now)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query("INSERT INTO action_events (action_id, user_id, at, what, status) VALUES ($1, $2, $3, 'Created', 'open')")
                    .bind(id).bind(user_id).bind(now)
                    .execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn update_action(&self, id: Id, version: i64, f: &ActionFields, user_id: Id, now: Timestamp) -> DbResult<Saved> {
                let mut tx = self.w.begin().await?;
                let r = sqlx::query(
                    "UPDATE actions SET title = $1, detail = $2, owner_user_id = $3, owner_org_id = $4, due_on = $5, updated_at = $6, version = version + 1
                     WHERE id = $7 AND version = $8",
                )
                .bind(&f.title).bind(&f.detail).bind(f.owner_user_id).bind(f.owner_org_id).bind(&f.due_on).bind(now).bind(id).bind(version)
                .execute(&mut *tx)
                .await?;
                if r.rows_affected() != 1 {
                    return Ok(Saved::Stale);
                }
                sqlx::query("INSERT INTO action_events (action_id, user_id, at, what) VALUES ($1, $2, $3, 'Edited')")
                    .bind(id).bind(user_id).bind(now)
                    .execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(Saved::Saved)
            }

            async fn update_action_status(&self, id: Id, status: ActionStatus, note: &str, user_id: Id, now: Timestamp) -> DbResult<()> {
                let mut tx = self.w.begin().await?;
                let old: Option<String> = sqlx::query_scalar("SELECT status FROM actions WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?;
                let Some(old) = old else { return Ok(()) };
                let changed = old != status.as_str();
                sqlx::query("UPDATE actions SET status = $1, updated_at = $2, version = version + 1 WHERE id = $3")
                    .bind(status.as_str()).bind(now).bind(id)
                    .execute(&mut *tx).await?;
                let what = if changed { "Status changed" } else { "Progress note" };
                sqlx::query("INSERT INTO action_events (action_id, user_id, at, what, status, note) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(id).bind(user_id).bind(now).bind(what).bind(changed.then(|| status.as_str())).bind(note)
                    .execute(&mut *tx).await?;
                tx.commit().await
            }

            async fn action(&self, id: Id) -> DbResult<Option<ActionRow>> {
                sqlx::query_as(sqlx::AssertSqlSafe(format!("{} WHERE a.id = $1", $crate::db::talk::ACTION_SELECT)))
                    .bind(id)
                    .fetch_optional(&self.r)
                    .await
            }

            async fn action_events(&self, id: Id) -> DbResult<Vec<ActionEvent>> {
                sqlx::query_as(
                    "SELECT e.id, u.display_name AS user_name, e.at, e.what, e.status, e.note
                     FROM action_events e LEFT JOIN users u ON u.id = e.user_id WHERE e.action_id = $1 ORDER BY e.id",
                )
                .bind(id)
                .fetch_all(&self.r)
                .await
            }

            async fn actions(&self, pid: Id, f: &ActionFilter) -> DbResult<(Vec<ActionRow>, i64)> {
                use $crate::db::talk::{ACTION_SELECT, Param, action_filter, action_order};
                let (filter, params) = action_filter(pid, f);
                let order = action_order(f.sort);
                // Sort and cut narrow rows first; only the page's rows are joined and decorated.
                let joins = if f.sort == ActionSort::Owner {
                    " LEFT JOIN users u ON u.id = a.owner_user_id LEFT JOIN organisations o ON o.id = a.owner_org_id"
                } else {
                    ""
                };
                let n = params.len();
                let page_sql = format!(
                    "{ACTION_SELECT} WHERE a.id IN (SELECT a.id FROM actions a{joins}{filter}{order} LIMIT ${} OFFSET ${}){order}",
                    n + 1,
                    n + 2
                );
                let mut rows = sqlx::query_as(sqlx::AssertSqlSafe(page_sql));
                let count_sql = format!("SELECT COUNT(*) FROM actions a{filter}");
                let mut count = sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql));
                for p in &params {
                    match p {
                        Param::Int(v) => {
                            rows = rows.bind(*v);
                            count = count.bind(*v);
                        }
                        Param::Text(v) => {
                            rows = rows.bind(v.clone());
                            count = count.bind(v.clone());
                        }
                    }
                }
                let rows = rows.bind(f.limit).bind(f.offset).fetch_all(&self.r);
                if f.skip_count {
                    return Ok((rows.await?, -1));
                }
                let count = count.fetch_one(&self.r);
                let (rows, count) = tokio::try_join!(rows, count)?;
                Ok((rows, count))
            }

            async fn action_counts(&self, pid: Id, today: &str) -> DbResult<ActionCounts> {
                // Grouped on the (partnership, status, due) index: a few rows, no table reads.
                let rows: Vec<(String, i64, i64)> = sqlx::query_as(
                    "SELECT status, COUNT(*), CAST(COALESCE(SUM(CASE WHEN due_on < $2 THEN 1 ELSE 0 END), 0) AS BIGINT)
                     FROM actions WHERE partnership_id = $1 GROUP BY status",
                )
                .bind(pid).bind(today)
                .fetch_all(&self.r)
                .await?;
                let mut c = ActionCounts::default();
                for (status, n, before_today) in rows {
                    c.total += n;
                    match ActionStatus::parse(&status) {
                        Some(ActionStatus::Open) => c.open = n,
                        Some(ActionStatus::InProgress) => c.in_progress = n,
                        Some(ActionStatus::Done) => c.done = n,
                        Some(ActionStatus::Dropped) => c.dropped = n,
                        None => {}
                    }
                    if ActionStatus::parse(&status).is_some_and(|s| s.is_live()) {
                        c.overdue += before_today;
                    }
                }
                Ok(c)
            }

            async fn conversation_actions(&self, conversation_id: Id) -> DbResult<Vec<ActionRow>> {
                sqlx::query_as(sqlx::AssertSqlSafe(format!("{} WHERE a.conversation_id = $1 ORDER BY a.id", $crate::db::talk::ACTION_SELECT)))
                    .bind(conversation_id)
                    .fetch_all(&self.r)
                    .await
            }

            async fn my_actions(&self, user_id: Id) -> DbResult<Vec<ActionRow>> {
                sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "{} WHERE a.owner_user_id = $1
                       AND EXISTS (SELECT 1 FROM memberships m WHERE m.partnership_id = a.partnership_id AND m.user_id = $1)
                     ORDER BY a.status NOT IN ('open', 'in_progress'), a.due_on IS NULL, a.due_on, a.id",
                    $crate::db::talk::ACTION_SELECT
                )))
                .bind(user_id)
                .fetch_all(&self.r)
                .await
            }

            async fn discussed_cards(&self, pid: Id) -> DbResult<Vec<Discussed>> {
                // Count per card in SQL, then join back to the latest meeting: one row per
                // card (rows are what cost most through the driver; see the issue 5 note).
                let rows: Vec<Discussed> = sqlx::query_as(
                    "SELECT g.card_id, c.id AS conversation_id, c.title AS conversation_title, c.starts_at, g.times
                     FROM (SELECT i.card_id, COUNT(*) AS times, MAX(c.starts_at) AS latest
                           FROM conversations c JOIN agenda_items i ON i.conversation_id = c.id
                           WHERE c.partnership_id = $1 AND c.status <> 'planned' AND i.card_id IS NOT NULL
                           GROUP BY i.card_id) g
                     JOIN conversations c ON c.partnership_id = $1 AND c.status <> 'planned'
                          AND (c.starts_at = g.latest OR (g.latest IS NULL AND c.starts_at IS NULL))
                     JOIN agenda_items i ON i.conversation_id = c.id AND i.card_id = g.card_id
                     ORDER BY g.card_id, c.id DESC",
                )
                .bind(pid)
                .fetch_all(&self.r)
                .await?;
                // Two meetings at the same moment: keep the newer (first, by the order above).
                let mut out: Vec<Discussed> = Vec::with_capacity(rows.len());
                for d in rows {
                    if out.last().is_none_or(|l| l.card_id != d.card_id) {
                        out.push(d);
                    }
                }
                Ok(out)
            }

            async fn planned_conversations(&self, pid: Id) -> DbResult<Vec<(Id, String, Option<Timestamp>)>> {
                sqlx::query_as(
                    "SELECT id, title, starts_at FROM conversations WHERE partnership_id = $1 AND status = 'planned'
                     ORDER BY starts_at IS NULL, starts_at, id",
                )
                .bind(pid)
                .fetch_all(&self.r)
                .await
            }

            async fn record_activity(&self, pid: Id, user_id: Option<Id>, what: &str, link: &str, now: Timestamp) -> DbResult<()> {
                sqlx::query("INSERT INTO activity (partnership_id, user_id, at, what, link) VALUES ($1, $2, $3, $4, $5)")
                    .bind(pid).bind(user_id).bind(now).bind(what).bind(link)
                    .execute(&self.w).await.map(|_| ())
            }

            async fn activity(&self, pid: Id, before: Id, limit: i64) -> DbResult<Vec<ActivityRow>> {
                sqlx::query_as(
                    "SELECT a.id, u.display_name AS user_name, a.at, a.what, a.link FROM activity a LEFT JOIN users u ON u.id = a.user_id
                     WHERE a.partnership_id = $1 AND ($2 = 0 OR a.id < $2) ORDER BY a.id DESC LIMIT $3",
                )
                .bind(pid).bind(before).bind(limit)
                .fetch_all(&self.r)
                .await
            }

            async fn set_calendar_token(&self, user_id: Id, token_hash: &str, now: Timestamp) -> DbResult<()> {
                sqlx::query(
                    "INSERT INTO calendar_feeds (user_id, token_hash, created_at) VALUES ($1, $2, $3)
                     ON CONFLICT (user_id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at",
                )
                .bind(user_id).bind(token_hash).bind(now)
                .execute(&self.w).await.map(|_| ())
            }

            async fn calendar_owner(&self, token_hash: &str) -> DbResult<Option<Id>> {
                sqlx::query_scalar("SELECT user_id FROM calendar_feeds WHERE token_hash = $1")
                    .bind(token_hash)
                    .fetch_optional(&self.r)
                    .await
            }

            async fn has_calendar(&self, user_id: Id) -> DbResult<bool> {
                let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM calendar_feeds WHERE user_id = $1")
                    .bind(user_id)
                    .fetch_one(&self.r)
                    .await?;
                Ok(n > 0)
            }
        }
    };
}

pub(super) use talk_impl;
