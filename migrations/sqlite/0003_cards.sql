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

-- Full-text search over questions and prompts (SQLite: FTS5 kept in step by triggers).
CREATE VIRTUAL TABLE cards_fts USING fts5(text, prompt, content='cards', content_rowid='id', tokenize='porter unicode61');
CREATE TRIGGER cards_fts_insert AFTER INSERT ON cards BEGIN
    INSERT INTO cards_fts(rowid, text, prompt) VALUES (new.id, new.text, coalesce(new.prompt, ''));
END;
CREATE TRIGGER cards_fts_delete AFTER DELETE ON cards BEGIN
    INSERT INTO cards_fts(cards_fts, rowid, text, prompt) VALUES ('delete', old.id, old.text, coalesce(old.prompt, ''));
END;
CREATE TRIGGER cards_fts_update AFTER UPDATE OF text, prompt ON cards BEGIN
    INSERT INTO cards_fts(cards_fts, rowid, text, prompt) VALUES ('delete', old.id, old.text, coalesce(old.prompt, ''));
    INSERT INTO cards_fts(rowid, text, prompt) VALUES (new.id, new.text, coalesce(new.prompt, ''));
END;
