//! Card decks in storage: decks, themes, cards and draws. Both engines share the SQL
//! except for full-text search (FTS5 on SQLite, a `tsvector` on PostgreSQL), which
//! `sqlite.rs` and `postgres.rs` supply.

use super::*;
use crate::domain::Timestamp;
use crate::domain::decks::{DeckData, PALETTE, ShippedDeck};
use crate::domain::model::*;

/// A stored deck as plain data (for export and copying).
pub async fn deck_data(db: &Store, deck: &DeckRow) -> DbResult<DeckData> {
    use crate::domain::decks::{CardData, ThemeData, split_keywords};
    let (themes, cards) = tokio::try_join!(db.themes(deck.id), db.deck_cards(deck.id))?;
    Ok(DeckData {
        title: deck.title.clone(),
        notes: deck.notes.clone(),
        themes: themes
            .into_iter()
            .map(|t| ThemeData {
                keywords: split_keywords(&t.keywords),
                colour: Some(t.colour.clone()),
                cards: cards
                    .iter()
                    .filter(|c| c.theme_id == t.id)
                    .map(|c| CardData {
                        text: c.text.clone(),
                        prompt: c.prompt.clone(),
                    })
                    .collect(),
                name: t.name,
            })
            .collect(),
    })
}

impl Store {
    /// Add or update a shipped deck, keeping ids stable by key; returns whether anything changed.
    pub async fn sync_builtin_deck(&self, d: &ShippedDeck, now: Timestamp) -> DbResult<bool> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            let existing: Option<(Id, i64)> = sqlx::query_as(
                "SELECT id, builtin_version
                 FROM decks
                 WHERE builtin_key = $1",
            )
            .bind(&d.key)
            .fetch_optional(&mut *tx)
            .await?;
            if matches!(existing, Some((_, v)) if v >= d.version) {
                return Ok(false);
            }
            let deck_id: Id = match existing {
                Some((id, _)) => {
                    sqlx::query(
                        "UPDATE decks
                         SET builtin_version = $1, title = $2, notes = $3, step_choose = $4,
                             step_discuss = $5, step_act = $6, updated_at = $7
                         WHERE id = $8",
                    )
                    .bind(d.version)
                    .bind(&d.deck.title)
                    .bind(&d.deck.notes)
                    .bind(&d.steps.choose)
                    .bind(&d.steps.discuss)
                    .bind(&d.steps.act)
                    .bind(now)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                    id
                }
                None => {
                    sqlx::query_scalar(
                        "INSERT INTO decks (builtin_key, builtin_version, title, notes,
                             step_choose, step_discuss, step_act, created_at, updated_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
                    )
                    .bind(&d.key)
                    .bind(d.version)
                    .bind(&d.deck.title)
                    .bind(&d.deck.notes)
                    .bind(&d.steps.choose)
                    .bind(&d.steps.discuss)
                    .bind(&d.steps.act)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?
                }
            };
            // Cards no longer in the file are retired, not deleted: records may point at them.
            sqlx::query("UPDATE cards SET retired = TRUE WHERE deck_id = $1")
                .bind(deck_id)
                .execute(&mut *tx)
                .await?;
            for (ti, t) in d.deck.themes.iter().enumerate() {
                let colour = t
                    .colour
                    .clone()
                    .unwrap_or_else(|| PALETTE[ti % PALETTE.len()].to_string());
                let theme_id: Id = sqlx::query_scalar(
                    "INSERT INTO themes (deck_id, builtin_key, position, name, keywords,
                         colour) VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (deck_id,
                         builtin_key) DO UPDATE SET position = excluded.position,
                         name = excluded.name,
                         keywords = excluded.keywords, colour = excluded.colour
                     RETURNING id",
                )
                .bind(deck_id)
                .bind(&d.theme_keys[ti])
                .bind(ti as i64 + 1)
                .bind(&t.name)
                .bind(t.keywords.join(", "))
                .bind(colour)
                .fetch_one(&mut *tx)
                .await?;
                for (ci, c) in t.cards.iter().enumerate() {
                    sqlx::query(
                        "INSERT INTO cards (deck_id, theme_id, builtin_key, position, text,
                             prompt, retired) VALUES ($1, $2, $3, $4, $5, $6, FALSE)
                         ON CONFLICT (deck_id,
                             builtin_key) DO UPDATE SET theme_id = excluded.theme_id,
                             position = excluded.position,
                             text = excluded.text, prompt = excluded.prompt, retired = FALSE",
                    )
                    .bind(deck_id)
                    .bind(theme_id)
                    .bind(&d.card_keys[ti][ci])
                    .bind(ci as i64 + 1)
                    .bind(&c.text)
                    .bind(&c.prompt)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Decks a partnership can see: shipped, its own, and published ones; shipped first.
    pub async fn decks_for(&self, partnership_id: Id) -> DbResult<Vec<DeckRow>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT d.id, d.partnership_id, d.builtin_key, d.title, d.notes,
                     d.step_choose, d.step_discuss, d.step_act,
                        d.published, d.updated_at, d.version,
                        (SELECT COUNT(*) FROM themes t WHERE t.deck_id = d.id) AS theme_count,
                        (SELECT COUNT(*) FROM cards c WHERE c.deck_id = d.id
                            AND NOT c.retired) AS card_count,
                        p.name AS owner_name
                 FROM decks d LEFT JOIN partnerships p ON p.id = d.partnership_id
                 WHERE d.partnership_id IS NULL OR d.partnership_id = $1 OR d.published = TRUE
                 ORDER BY d.partnership_id IS NOT NULL, d.partnership_id <> $1,
                     lower(d.title), d.id",
            )
            .bind(partnership_id)
            .fetch_all(r)
            .await
        })
    }

    /// One deck, whoever owns it.
    pub async fn deck(&self, id: Id) -> DbResult<Option<DeckRow>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT d.id, d.partnership_id, d.builtin_key, d.title, d.notes,
                     d.step_choose, d.step_discuss, d.step_act,
                        d.published, d.updated_at, d.version,
                        (SELECT COUNT(*) FROM themes t WHERE t.deck_id = d.id) AS theme_count,
                        (SELECT COUNT(*) FROM cards c WHERE c.deck_id = d.id
                            AND NOT c.retired) AS card_count,
                        p.name AS owner_name
                 FROM decks d LEFT JOIN partnerships p ON p.id = d.partnership_id
                 WHERE d.id = $1",
            )
            .bind(id)
            .fetch_optional(r)
            .await
        })
    }

    /// A deck's themes in order, with card counts.
    pub async fn themes(&self, deck_id: Id) -> DbResult<Vec<ThemeRow>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT t.id, t.deck_id, t.position, t.name, t.keywords, t.colour, t.version,
                        (SELECT COUNT(*) FROM cards c WHERE c.theme_id = t.id
                            AND NOT c.retired) AS card_count
                 FROM themes t WHERE t.deck_id = $1 ORDER BY t.position, t.id",
            )
            .bind(deck_id)
            .fetch_all(r)
            .await
        })
    }

    /// One theme.
    pub async fn theme(&self, id: Id) -> DbResult<Option<ThemeRow>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT t.id, t.deck_id, t.position, t.name, t.keywords, t.colour, t.version,
                        (SELECT COUNT(*) FROM cards c WHERE c.theme_id = t.id
                            AND NOT c.retired) AS card_count
                 FROM themes t WHERE t.id = $1",
            )
            .bind(id)
            .fetch_optional(r)
            .await
        })
    }

    /// A deck's cards in order (by theme, then position).
    pub async fn deck_cards(&self, deck_id: Id) -> DbResult<Vec<CardRow>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT c.id, c.deck_id, c.theme_id, c.position, c.text, c.prompt, c.version
                 FROM cards c JOIN themes t ON t.id = c.theme_id
                 WHERE c.deck_id = $1 AND NOT c.retired ORDER BY t.position, t.id, c.position,
                     c.id",
            )
            .bind(deck_id)
            .fetch_all(r)
            .await
        })
    }

    /// Where a card stands in its deck's order (see [`Store::deck_cards`]): its number,
    /// the deck's card count, and the cards before and after it. `None` for a retired
    /// card. One row, whatever the deck's size.
    pub async fn card_place(&self, deck_id: Id, card_id: Id) -> DbResult<Option<CardPlace>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT number, total, in_theme, theme_total, previous, next FROM (
                    SELECT c.id,
                           ROW_NUMBER() OVER w AS number,
                           COUNT(*) OVER () AS total,
                           ROW_NUMBER() OVER (PARTITION BY c.theme_id
                               ORDER BY c.position, c.id) AS in_theme,
                           COUNT(*) OVER (PARTITION BY c.theme_id) AS theme_total,
                           LAG(c.id) OVER w AS previous,
                           LEAD(c.id) OVER w AS next
                    FROM cards c JOIN themes t ON t.id = c.theme_id
                    WHERE c.deck_id = $1 AND NOT c.retired
                    WINDOW w AS (ORDER BY t.position, t.id, c.position, c.id)
                 ) placed WHERE id = $2",
            )
            .bind(deck_id)
            .bind(card_id)
            .fetch_optional(r)
            .await
        })
    }

    /// One theme's cards in order.
    pub async fn theme_cards(&self, theme_id: Id) -> DbResult<Vec<CardRow>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT id, deck_id, theme_id, position, text, prompt, version FROM cards
                 WHERE theme_id = $1 AND NOT retired ORDER BY position, id",
            )
            .bind(theme_id)
            .fetch_all(r)
            .await
        })
    }

    /// One card (retired shipped cards included, so old links still read).
    pub async fn card(&self, id: Id) -> DbResult<Option<CardRow>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT id, deck_id, theme_id, position, text, prompt, version
                 FROM cards
                 WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(r)
            .await
        })
    }

    /// Pick a card at random from a deck (or one theme of it), preferring cards this
    /// partnership has drawn or discussed least, and record the draw.
    pub async fn draw_card(
        &self,
        partnership_id: Id,
        deck_id: Id,
        theme_id: Option<Id>,
        user_id: Id,
        now: Timestamp,
    ) -> DbResult<Option<Id>> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            let picked: Option<Id> = sqlx::query_scalar(
                "SELECT c.id FROM cards c
                 WHERE c.deck_id = $1 AND ($2 = 0 OR c.theme_id = $2) AND NOT c.retired
                 ORDER BY (SELECT COUNT(*) FROM card_draws d WHERE d.partnership_id = $3
                     AND d.card_id = c.id)
                        + (SELECT COUNT(*) FROM agenda_items i JOIN conversations v ON v.id = i.conversation_id
                           WHERE v.partnership_id = $3 AND i.card_id = c.id
                               AND v.status <> 'planned'), random()
                 LIMIT 1",
            )
            .bind(deck_id)
            .bind(theme_id.unwrap_or(0))
            .bind(partnership_id)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(card_id) = picked {
                sqlx::query(
                    "INSERT INTO card_draws (partnership_id, card_id, user_id, drawn_at)
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(partnership_id)
                .bind(card_id)
                .bind(user_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(picked)
        })
    }

    /// How many times this partnership has drawn each card of a deck: (card id, count).
    pub async fn draw_counts(&self, partnership_id: Id, deck_id: Id) -> DbResult<Vec<(Id, i64)>> {
        reader!(self, |r| {
            sqlx::query_as(
                "SELECT d.card_id, COUNT(*) FROM card_draws d JOIN cards c ON c.id = d.card_id
                 WHERE d.partnership_id = $1 AND c.deck_id = $2 GROUP BY d.card_id",
            )
            .bind(partnership_id)
            .bind(deck_id)
            .fetch_all(r)
            .await
        })
    }

    /// Full-text search over the cards a partnership can see. `words` are plain
    /// lower-case words; each must match (as a prefix).
    pub async fn search_cards(
        &self,
        partnership_id: Id,
        words: &[String],
        limit: i64,
    ) -> DbResult<Vec<SearchHit>> {
        if words.is_empty() {
            return Ok(Vec::new());
        }
        // The one query whose SQL differs by engine.
        match &self.pools {
            Pools::Sqlite { r, .. } => {
                sqlx::query_as(super::sqlite::SEARCH_SQL)
                    .bind(super::sqlite::search_expr(words, partnership_id))
                    .bind(partnership_id)
                    .bind(limit)
                    .fetch_all(r)
                    .await
            }
            Pools::Postgres(p) => {
                sqlx::query_as(super::postgres::SEARCH_SQL)
                    .bind(super::postgres::search_expr(words))
                    .bind(partnership_id)
                    .bind(limit)
                    .fetch_all(p)
                    .await
            }
        }
    }

    /// Save a whole deck for a partnership (import, create, copy); returns its id.
    pub async fn create_deck(
        &self,
        partnership_id: Id,
        user_id: Option<Id>,
        deck: &DeckData,
        now: Timestamp,
    ) -> DbResult<Id> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            let deck_id: Id = sqlx::query_scalar(
                "INSERT INTO decks (partnership_id, title, notes, created_by, created_at,
                     updated_at)
                 VALUES ($1, $2, $3, $4, $5, $5)
                 RETURNING id",
            )
            .bind(partnership_id)
            .bind(&deck.title)
            .bind(&deck.notes)
            .bind(user_id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            for (ti, t) in deck.themes.iter().enumerate() {
                let colour = t
                    .colour
                    .clone()
                    .unwrap_or_else(|| PALETTE[ti % PALETTE.len()].to_string());
                let theme_id: Id = sqlx::query_scalar(
                    "INSERT INTO themes (deck_id, position, name, keywords, colour)
                     VALUES ($1, $2, $3, $4, $5)
                     RETURNING id",
                )
                .bind(deck_id)
                .bind(ti as i64 + 1)
                .bind(&t.name)
                .bind(t.keywords.join(", "))
                .bind(colour)
                .fetch_one(&mut *tx)
                .await?;
                for (ci, c) in t.cards.iter().enumerate() {
                    sqlx::query(
                        "INSERT INTO cards (deck_id, theme_id, position, text, prompt)
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(deck_id)
                    .bind(theme_id)
                    .bind(ci as i64 + 1)
                    .bind(&c.text)
                    .bind(&c.prompt)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            tx.commit().await?;
            Ok(deck_id)
        })
    }

    /// Change a deck's title and notes, if it is still at `version` (else nothing changes).
    pub async fn update_deck(
        &self,
        deck_id: Id,
        version: i64,
        title: &str,
        notes: &str,
        now: Timestamp,
    ) -> DbResult<Saved> {
        writer!(self, |w| {
            let r = sqlx::query(
                "UPDATE decks
                 SET title = $1, notes = $2, updated_at = $3, version = version + 1
                 WHERE id = $4 AND version = $5",
            )
            .bind(title)
            .bind(notes)
            .bind(now)
            .bind(deck_id)
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

    /// Delete a deck with its themes and cards.
    pub async fn delete_deck(&self, deck_id: Id) -> DbResult<()> {
        writer!(self, |w| {
            sqlx::query("DELETE FROM decks WHERE id = $1")
                .bind(deck_id)
                .execute(w)
                .await
                .map(|_| ())
        })
    }

    /// Share a deck with every partnership, or stop sharing it.
    pub async fn set_deck_published(
        &self,
        deck_id: Id,
        published: bool,
        now: Timestamp,
    ) -> DbResult<()> {
        writer!(self, |w| {
            sqlx::query("UPDATE decks SET published = $1, updated_at = $2 WHERE id = $3")
                .bind(published)
                .bind(now)
                .bind(deck_id)
                .execute(w)
                .await
                .map(|_| ())
        })
    }

    /// Add a theme at the end; returns its id.
    pub async fn add_theme(
        &self,
        deck_id: Id,
        name: &str,
        keywords: &str,
        colour: &str,
        now: Timestamp,
    ) -> DbResult<Id> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            touch_deck(&mut tx, deck_id, now).await?;
            let id = sqlx::query_scalar(
                "INSERT INTO themes (deck_id, position, name, keywords, colour)
                 VALUES ($1, (SELECT COALESCE(MAX(position),
                     0) + 1 FROM themes WHERE deck_id = $1), $2, $3, $4) RETURNING id",
            )
            .bind(deck_id)
            .bind(name)
            .bind(keywords)
            .bind(colour)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Change a theme, if it is still at `version` (else nothing changes).
    pub async fn update_theme(
        &self,
        theme_id: Id,
        version: i64,
        name: &str,
        keywords: &str,
        colour: &str,
        now: Timestamp,
    ) -> DbResult<Saved> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            let r = sqlx::query(
                "UPDATE themes
                 SET name = $1, keywords = $2, colour = $3, version = version + 1
                 WHERE id = $4 AND version = $5",
            )
            .bind(name)
            .bind(keywords)
            .bind(colour)
            .bind(theme_id)
            .bind(version)
            .execute(&mut *tx)
            .await?;
            if r.rows_affected() != 1 {
                return Ok(Saved::Stale);
            }
            touch_deck_of_theme(&mut tx, theme_id, now).await?;
            tx.commit().await?;
            Ok(Saved::Saved)
        })
    }

    /// Delete a theme and its cards.
    pub async fn delete_theme(&self, theme_id: Id, now: Timestamp) -> DbResult<()> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            touch_deck_of_theme(&mut tx, theme_id, now).await?;
            sqlx::query("DELETE FROM themes WHERE id = $1")
                .bind(theme_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        })
    }

    /// Swap a theme with its neighbour.
    pub async fn move_theme(&self, theme_id: Id, direction: Move, now: Timestamp) -> DbResult<()> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            touch_deck_of_theme(&mut tx, theme_id, now).await?;
            swap_with_neighbour(
                &mut tx,
                theme_id,
                direction,
                [
                    "SELECT deck_id, position FROM themes WHERE id = $1",
                    "SELECT id, position
                     FROM themes
                     WHERE deck_id = $1 AND position < $2
                     ORDER BY position DESC LIMIT 1",
                    "SELECT id, position
                     FROM themes
                     WHERE deck_id = $1 AND position > $2
                     ORDER BY position LIMIT 1",
                    "UPDATE themes SET position = $1 WHERE id = $2",
                ],
            )
            .await?;
            tx.commit().await
        })
    }

    /// Add a card at the end of a theme; returns its id.
    pub async fn add_card(
        &self,
        theme_id: Id,
        text: &str,
        prompt: Option<&str>,
        now: Timestamp,
    ) -> DbResult<Id> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            let deck_id = touch_deck_of_theme(&mut tx, theme_id, now).await?;
            let id = sqlx::query_scalar(
                "INSERT INTO cards (deck_id, theme_id, position, text, prompt)
                 VALUES ($1, $2, (SELECT COALESCE(MAX(position),
                     0) + 1 FROM cards WHERE theme_id = $2), $3, $4) RETURNING id",
            )
            .bind(deck_id)
            .bind(theme_id)
            .bind(text)
            .bind(prompt)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Change a card, if it is still at `version` (else nothing changes).
    pub async fn update_card(
        &self,
        card_id: Id,
        version: i64,
        text: &str,
        prompt: Option<&str>,
        now: Timestamp,
    ) -> DbResult<Saved> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            let r = sqlx::query(
                "UPDATE cards
                 SET text = $1, prompt = $2, version = version + 1
                 WHERE id = $3 AND version = $4",
            )
            .bind(text)
            .bind(prompt)
            .bind(card_id)
            .bind(version)
            .execute(&mut *tx)
            .await?;
            if r.rows_affected() != 1 {
                return Ok(Saved::Stale);
            }
            touch_deck_of_card(&mut tx, card_id, now).await?;
            tx.commit().await?;
            Ok(Saved::Saved)
        })
    }

    /// Delete a card.
    pub async fn delete_card(&self, card_id: Id, now: Timestamp) -> DbResult<()> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            touch_deck_of_card(&mut tx, card_id, now).await?;
            sqlx::query("DELETE FROM cards WHERE id = $1")
                .bind(card_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        })
    }

    /// Swap a card with its neighbour in the theme.
    pub async fn move_card(&self, card_id: Id, direction: Move, now: Timestamp) -> DbResult<()> {
        writer!(self, |w| {
            let mut tx = w.begin().await?;
            touch_deck_of_card(&mut tx, card_id, now).await?;
            swap_with_neighbour(
                &mut tx,
                card_id,
                direction,
                [
                    "SELECT theme_id, position FROM cards WHERE id = $1",
                    "SELECT id, position
                     FROM cards
                     WHERE theme_id = $1 AND position < $2
                     ORDER BY position DESC LIMIT 1",
                    "SELECT id, position
                     FROM cards
                     WHERE theme_id = $1 AND position > $2
                     ORDER BY position LIMIT 1",
                    "UPDATE cards SET position = $1 WHERE id = $2",
                ],
            )
            .await?;
            tx.commit().await
        })
    }
}

/// Swap a theme's or card's position with its neighbour's. `sql` is: read the
/// item's (parent, position); the neighbour above; the neighbour below; set a
/// position.
pub(super) async fn swap_with_neighbour(
    conn: impl Into<Conn<'_>>,
    id: Id,
    direction: Move,
    sql: [&'static str; 4],
) -> DbResult<()> {
    on_conn!(conn.into(), |c| {
        let Some((parent, pos)): Option<(Id, i64)> = sqlx::query_as(sql[0])
            .bind(id)
            .fetch_optional(&mut *c)
            .await?
        else {
            return Ok(());
        };
        let neighbour_sql = if direction == Move::Up {
            sql[1]
        } else {
            sql[2]
        };
        let neighbour: Option<(Id, i64)> = sqlx::query_as(neighbour_sql)
            .bind(parent)
            .bind(pos)
            .fetch_optional(&mut *c)
            .await?;
        if let Some((other, other_pos)) = neighbour {
            sqlx::query(sql[3])
                .bind(other_pos)
                .bind(id)
                .execute(&mut *c)
                .await?;
            sqlx::query(sql[3])
                .bind(pos)
                .bind(other)
                .execute(&mut *c)
                .await?;
        }
        Ok(())
    })
}

/// Mark a deck as changed (also takes the write lock / row lock first).
async fn touch_deck(conn: impl Into<Conn<'_>>, deck_id: Id, now: Timestamp) -> DbResult<()> {
    on_conn!(conn.into(), |c| {
        sqlx::query("UPDATE decks SET updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(deck_id)
            .execute(&mut *c)
            .await
            .map(|_| ())
    })
}

/// Mark the deck of a theme as changed; returns the deck (0 if the theme is gone).
async fn touch_deck_of_theme(
    conn: impl Into<Conn<'_>>,
    theme_id: Id,
    now: Timestamp,
) -> DbResult<Id> {
    on_conn!(conn.into(), |c| {
        let deck_id: Id = sqlx::query_scalar("SELECT deck_id FROM themes WHERE id = $1")
            .bind(theme_id)
            .fetch_optional(&mut *c)
            .await?
            .unwrap_or(0);
        touch_deck(&mut *c, deck_id, now).await?;
        Ok(deck_id)
    })
}

/// Mark the deck of a card as changed; returns the deck (0 if the card is gone).
async fn touch_deck_of_card(
    conn: impl Into<Conn<'_>>,
    card_id: Id,
    now: Timestamp,
) -> DbResult<Id> {
    on_conn!(conn.into(), |c| {
        let deck_id: Id = sqlx::query_scalar("SELECT deck_id FROM cards WHERE id = $1")
            .bind(card_id)
            .fetch_optional(&mut *c)
            .await?
            .unwrap_or(0);
        touch_deck(&mut *c, deck_id, now).await?;
        Ok(deck_id)
    })
}

/// Where a card stands in its deck (see [`Store::card_place`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct CardPlace {
    /// Its number in the deck's order, from 1.
    pub number: i64,
    /// Cards in the deck (not retired).
    pub total: i64,
    /// Its number within its theme, from 1.
    pub in_theme: i64,
    /// How many cards its theme has.
    pub theme_total: i64,
    /// The card before it, if any.
    pub previous: Option<Id>,
    /// The card after it, if any.
    pub next: Option<Id>,
}
