-- Card decks: shipped decks (partnership_id NULL, builtin_key set) and partnerships'
-- own decks; themes and cards in order; which cards a partnership has drawn.

CREATE TABLE decks (
    id              INTEGER PRIMARY KEY,
    partnership_id  BIGINT REFERENCES partnerships(id) ON DELETE CASCADE,
    builtin_key     TEXT UNIQUE,
    builtin_version BIGINT NOT NULL DEFAULT 0,
    title           TEXT    NOT NULL,
    notes           TEXT    NOT NULL DEFAULT '',
    step_choose     TEXT    NOT NULL DEFAULT '',
    step_discuss    TEXT    NOT NULL DEFAULT '',
    step_act        TEXT    NOT NULL DEFAULT '',
    -- Bumped by every edit of title or notes, so a stale save is caught, not applied.
    version         BIGINT  NOT NULL DEFAULT 1,
    published       BOOLEAN NOT NULL DEFAULT FALSE,
    created_by      BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL
);
CREATE INDEX decks_partnership ON decks(partnership_id);

CREATE TABLE themes (
    id          INTEGER PRIMARY KEY,
    deck_id     BIGINT NOT NULL REFERENCES decks(id) ON DELETE CASCADE,
    builtin_key TEXT,
    position    BIGINT NOT NULL,
    name        TEXT   NOT NULL,
    keywords    TEXT   NOT NULL DEFAULT '',
    colour      TEXT   NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1,
    UNIQUE (deck_id, builtin_key)
);
CREATE INDEX themes_deck ON themes(deck_id, position);

CREATE TABLE cards (
    id          INTEGER PRIMARY KEY,
    deck_id     BIGINT  NOT NULL REFERENCES decks(id) ON DELETE CASCADE,
    theme_id    BIGINT  NOT NULL REFERENCES themes(id) ON DELETE CASCADE,
    builtin_key TEXT,
    position    BIGINT  NOT NULL,
    text        TEXT    NOT NULL,
    prompt      TEXT,
    retired     BOOLEAN NOT NULL DEFAULT FALSE,
    version     BIGINT  NOT NULL DEFAULT 1,
    UNIQUE (deck_id, builtin_key)
);
CREATE INDEX cards_theme ON cards(theme_id, position);
CREATE INDEX cards_deck ON cards(deck_id);

CREATE TABLE card_draws (
    id             INTEGER PRIMARY KEY,
    partnership_id BIGINT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    card_id        BIGINT NOT NULL REFERENCES cards(id) ON DELETE CASCADE,
    user_id        BIGINT REFERENCES users(id) ON DELETE SET NULL,
    drawn_at       BIGINT NOT NULL
);
CREATE INDEX card_draws_partnership ON card_draws(partnership_id, card_id);

-- Full-text search over questions and prompts (SQLite: FTS5, kept in step by triggers).
-- `scope` says who may see a card ("shared" for shipped and published decks, "p<id>"
-- for a partnership's own), so a search filters inside the index instead of ranking
-- every partnership's matches. Prefix indexes make "fund*" style terms cheap.
CREATE VIRTUAL TABLE cards_fts USING fts5(text, prompt, scope, tokenize='porter unicode61', prefix='2 3 4 5 6 7 8');
CREATE TRIGGER cards_fts_insert AFTER INSERT ON cards BEGIN
    INSERT INTO cards_fts(rowid, text, prompt, scope)
    SELECT new.id, new.text, coalesce(new.prompt, ''),
           CASE WHEN d.partnership_id IS NULL THEN 'shared'
                WHEN d.published THEN 'p' || d.partnership_id || ' shared'
                ELSE 'p' || d.partnership_id END
    FROM decks d WHERE d.id = new.deck_id;
END;
CREATE TRIGGER cards_fts_delete AFTER DELETE ON cards BEGIN
    DELETE FROM cards_fts WHERE rowid = old.id;
END;
CREATE TRIGGER cards_fts_update AFTER UPDATE OF text, prompt ON cards BEGIN
    UPDATE cards_fts SET text = new.text, prompt = coalesce(new.prompt, '') WHERE rowid = new.id;
END;
CREATE TRIGGER decks_fts_scope AFTER UPDATE OF published, partnership_id ON decks BEGIN
    UPDATE cards_fts SET scope = CASE WHEN new.partnership_id IS NULL THEN 'shared'
                                      WHEN new.published THEN 'p' || new.partnership_id || ' shared'
                                      ELSE 'p' || new.partnership_id END
    WHERE rowid IN (SELECT id FROM cards WHERE deck_id = new.id);
END;
