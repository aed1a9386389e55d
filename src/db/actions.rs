//! Actions in storage: the action plan, each action's history, counts for the home
//! page and a person's own actions.

use super::*;
use crate::domain::Timestamp;
use crate::domain::actions::*;
use crate::domain::model::*;

pub(super) const ACTION_SELECT: &str =
    "SELECT a.id, a.partnership_id, a.title, a.detail, a.contingency,
                                            a.owner_user_id, a.owner_org_id,
        u.display_name AS owner_name, o.name AS owner_org_name,
        EXISTS (SELECT 1 FROM memberships m WHERE m.partnership_id = a.partnership_id
            AND m.user_id = a.owner_user_id) AS owner_is_member,
        a.due_on, a.status, a.conversation_id, a.item_id, a.source, a.created_at,
            a.updated_at, a.version,
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
                (SELECT m.user_id FROM memberships m WHERE m.partnership_id = $1
                    AND m.organisation_id = ${n}))"
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
            " ORDER BY COALESCE(lower(u.display_name), lower(o.name), '~'), COALESCE(a.due_on,
                 '9999-12-31'), a.id"
        }
    }
}

/// The joins a sort needs over narrow rows (only the owner sort reads names).
pub(super) fn order_joins(sort: ActionSort) -> &'static str {
    if sort == ActionSort::Owner {
        " LEFT JOIN users u ON u.id = a.owner_user_id LEFT JOIN organisations o ON o.id = a.owner_org_id"
    } else {
        ""
    }
}

impl Store {
    /// Add an action (its creation goes in its history); returns its id.
    pub async fn create_action(
        &self,
        pid: Id,
        f: &ActionFields,
        source: &ActionSource,
        user_id: Id,
        now: Timestamp,
    ) -> DbResult<Id> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            let id: Id = sqlx::query_scalar(
                "INSERT INTO actions (partnership_id, title, detail, owner_user_id,
                     owner_org_id, due_on, conversation_id, item_id, source, created_by,
                     created_at, updated_at, contingency)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12) RETURNING id",
            )
            .bind(pid)
            .bind(&f.title)
            .bind(&f.detail)
            .bind(f.owner_user_id)
            .bind(f.owner_org_id)
            .bind(&f.due_on)
            .bind(source.conversation_id)
            .bind(source.item_id)
            .bind(&source.label)
            .bind(user_id)
            .bind(now)
            .bind(&f.contingency)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO action_events (action_id, user_id, at, what, status)
                 VALUES ($1, $2, $3, 'Created', 'open')",
            )
            .bind(id)
            .bind(user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Change an action, if still at `version`; the change goes in its history.
    pub async fn update_action(
        &self,
        id: Id,
        version: i64,
        f: &ActionFields,
        user_id: Id,
        now: Timestamp,
    ) -> DbResult<Saved> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            let r = sqlx::query(
                "UPDATE actions SET title = $1, detail = $2, owner_user_id = $3,
                     owner_org_id = $4, due_on = $5, updated_at = $6, version = version + 1,
                     contingency = $9
                 WHERE id = $7 AND version = $8",
            )
            .bind(&f.title)
            .bind(&f.detail)
            .bind(f.owner_user_id)
            .bind(f.owner_org_id)
            .bind(&f.due_on)
            .bind(now)
            .bind(id)
            .bind(version)
            .bind(&f.contingency)
            .execute(&mut *tx)
            .await?;
            if r.rows_affected() != 1 {
                return Ok(Saved::Stale);
            }
            sqlx::query(
                "INSERT INTO action_events (action_id, user_id, at, what)
                 VALUES ($1, $2, $3, 'Edited')",
            )
            .bind(id)
            .bind(user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Saved::Saved)
        })
    }

    /// Set the status and/or add a progress note (not version-checked: it adds to the
    /// history rather than replacing anything; it does bump the version).
    pub async fn update_action_status(
        &self,
        id: Id,
        status: ActionStatus,
        note: &str,
        user_id: Id,
        now: Timestamp,
    ) -> DbResult<()> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            let old: Option<String> =
                sqlx::query_scalar("SELECT status FROM actions WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some(old) = old else { return Ok(()) };
            let changed = old != status.as_str();
            sqlx::query(
                "UPDATE actions
                 SET status = $1, updated_at = $2, version = version + 1
                 WHERE id = $3",
            )
            .bind(status.as_str())
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            let what = if changed {
                "Status changed"
            } else {
                "Progress note"
            };
            sqlx::query(
                "INSERT INTO action_events (action_id, user_id, at, what, status, note)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(user_id)
            .bind(now)
            .bind(what)
            .bind(changed.then(|| status.as_str()))
            .bind(note)
            .execute(&mut *tx)
            .await?;
            tx.commit().await
        })
    }

    /// One action, with its owner and partnership names.
    pub async fn action(&self, id: Id) -> DbResult<Option<ActionRow>> {
        reader!(self, |r| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{} WHERE a.id = $1",
                ACTION_SELECT
            )))
            .bind(id)
            .fetch_optional(r)
            .await
        })
    }

    /// An action's history, oldest first.
    pub async fn action_events(&self, id: Id) -> DbResult<Vec<ActionEvent>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT e.id, u.display_name AS user_name, e.at, e.what, e.status, e.note
                 FROM action_events e LEFT JOIN users u ON u.id = e.user_id WHERE e.action_id = $1 ORDER BY e.id",
            )
            .bind(id)
            .fetch_all(r)
            .await
        })
    }

    /// One page of a partnership's actions, filtered and sorted, and how many match.
    pub async fn actions(&self, pid: Id, f: &ActionFilter) -> DbResult<(Vec<ActionRow>, i64)> {
        reader!(self, |r| {
            use {ACTION_SELECT, Param, action_filter, action_order, order_joins};
            let (filter, params) = action_filter(pid, f);
            let order = action_order(f.sort);
            // Sort and cut narrow rows first; only the page's rows are joined and decorated.
            let joins = order_joins(f.sort);
            let n = params.len();
            let page_sql = format!(
                "{ACTION_SELECT}
                 WHERE a.id IN (SELECT a.id
                 FROM actions a{joins}{filter}{order} LIMIT ${} OFFSET ${}){order}",
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
            let rows = rows.bind(f.limit).bind(f.offset).fetch_all(r);
            if f.skip_count {
                return Ok((rows.await?, -1));
            }
            let count = count.fetch_one(r);
            let (rows, count) = tokio::try_join!(rows, count)?;
            Ok((rows, count))
        })
    }

    /// Every action matching `f` (its page ignored), in its order, sent to `to` one
    /// by one as they are read, for a download that starts before the last row is
    /// read. Stops early, without error, if the receiver has gone.
    ///
    /// The order is found first over narrow rows (ids only), then the rows are read
    /// and decorated a few hundred at a time: one query sorting every decorated row
    /// would have to decorate them all before sending the first, which on PostgreSQL
    /// held the first byte of 5,000 actions back until the whole file was ready. Both
    /// reads share one snapshot, so the file is as of one moment.
    pub async fn send_actions(
        &self,
        pid: Id,
        f: &ActionFilter,
        to: &tokio::sync::mpsc::UnboundedSender<ActionRow>,
    ) -> DbResult<()> {
        const CHUNK: usize = 250;
        let postgres = self.engine() == Engine::Postgres;
        reader!(self, |r| {
            use {ACTION_SELECT, Param, action_filter, action_order, order_joins};
            let (filter, params) = action_filter(pid, f);
            let order = action_order(f.sort);
            let joins = order_joins(f.sort);
            let mut tx = r.begin().await?;
            if postgres {
                sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .execute(&mut *tx)
                    .await?;
            }
            let ids_sql = format!("SELECT a.id FROM actions a{joins}{filter}{order}");
            let mut ids = sqlx::query_scalar::<_, Id>(sqlx::AssertSqlSafe(ids_sql));
            for p in &params {
                ids = match p {
                    Param::Int(v) => ids.bind(*v),
                    Param::Text(v) => ids.bind(v.clone()),
                };
            }
            let ids = ids.fetch_all(&mut *tx).await?;
            // Always CHUNK places, the last chunk padded with 0 (no row has it): one
            // statement text, so each connection prepares and keeps it once. A text
            // per chunk length kept a prepared statement for every length seen, on
            // every connection (RSS under bench-mixed 48 -> 88 MB on PostgreSQL).
            let marks = (1..=CHUNK)
                .map(|n| format!("${n}"))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!("{ACTION_SELECT} WHERE a.id IN ({marks}){order}");
            for chunk in ids.chunks(CHUNK) {
                let mut rows = sqlx::query_as::<_, ActionRow>(sqlx::AssertSqlSafe(sql.clone()));
                for i in 0..CHUNK {
                    rows = rows.bind(chunk.get(i).copied().unwrap_or(0));
                }
                for row in rows.fetch_all(&mut *tx).await? {
                    if to.send(row).is_err() {
                        return Ok(());
                    }
                }
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// How many of a partnership's actions are open, in progress, done, and overdue on `today`.
    pub async fn action_counts(&self, pid: Id, today: &str) -> DbResult<ActionCounts> {
        reader!(self, |r| {
            // Grouped on the (partnership, status, due) index: a few rows, no table reads.
            let rows: Vec<(String, i64, i64)> = sqlx::query_as(
                "SELECT status, COUNT(*),
                     CAST(COALESCE(SUM(CASE WHEN due_on < $2 THEN 1 ELSE 0 END), 0) AS BIGINT)
                 FROM actions WHERE partnership_id = $1 GROUP BY status",
            )
            .bind(pid)
            .bind(today)
            .fetch_all(r)
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
        })
    }

    /// Actions agreed in one conversation.
    pub async fn conversation_actions(&self, conversation_id: Id) -> DbResult<Vec<ActionRow>> {
        reader!(self, |r| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{} WHERE a.conversation_id = $1 ORDER BY a.id",
                ACTION_SELECT
            )))
            .bind(conversation_id)
            .fetch_all(r)
            .await
        })
    }

    /// Actions a person owns in the partnerships they still belong to.
    pub async fn my_actions(&self, user_id: Id) -> DbResult<Vec<ActionRow>> {
        reader!(self, |r| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{} WHERE a.owner_user_id = $1
                   AND EXISTS (SELECT 1 FROM memberships m WHERE m.partnership_id = a.partnership_id AND m.user_id = $1)
                 ORDER BY a.status NOT IN ('open', 'in_progress'), a.due_on IS NULL, a.due_on,
                     a.id",
                ACTION_SELECT
            )))
            .bind(user_id)
            .fetch_all(r)
            .await
        })
    }
}
