-- Taking stock: instrument wording as answered, rounds, answer sets and answers,
-- paper tallies, and the per-principle action checklists.

-- Each version of an instrument file, kept word for word: answers stay tied to the
-- wording people saw even after the file changes.
CREATE TABLE instrument_versions (
    id         INTEGER PRIMARY KEY,
    key        TEXT   NOT NULL,
    version    BIGINT NOT NULL,
    title      TEXT   NOT NULL,
    source     TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (key, version)
);

CREATE TABLE rounds (
    id             INTEGER PRIMARY KEY,
    partnership_id BIGINT  NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    instrument_id  BIGINT  NOT NULL REFERENCES instrument_versions(id),
    title          TEXT    NOT NULL,
    -- First and last day to answer, YYYY-MM-DD (UK time).
    opens_on       TEXT    NOT NULL,
    closes_on      TEXT    NOT NULL,
    anonymous      BOOLEAN NOT NULL,
    revealed       BOOLEAN NOT NULL DEFAULT FALSE,
    closed_at      BIGINT,
    -- Bumped by every change to the answers or paper tallies (results are cached by it).
    changes        BIGINT  NOT NULL DEFAULT 0,
    created_by     BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at     BIGINT  NOT NULL
);
CREATE INDEX rounds_partnership ON rounds(partnership_id, id);

-- One person's answers; a draft until submitted_at is set. The organisation is kept as
-- it was when they answered.
CREATE TABLE answer_sets (
    id                INTEGER PRIMARY KEY,
    round_id          BIGINT NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    user_id           BIGINT REFERENCES users(id) ON DELETE SET NULL,
    organisation_name TEXT   NOT NULL,
    submitted_at      BIGINT,
    updated_at        BIGINT NOT NULL,
    UNIQUE (round_id, user_id)
);
CREATE INDEX answer_sets_round ON answer_sets(round_id, submitted_at);

CREATE TABLE answers (
    answer_set_id BIGINT NOT NULL REFERENCES answer_sets(id) ON DELETE CASCADE,
    item_key      TEXT   NOT NULL,
    option_key    TEXT   NOT NULL,
    PRIMARY KEY (answer_set_id, item_key)
);

-- Printed copies entered by hand: how many forms, and the counts per answer.
CREATE TABLE paper_batches (
    id                INTEGER PRIMARY KEY,
    round_id          BIGINT NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    organisation_name TEXT   NOT NULL,
    forms             BIGINT NOT NULL,
    note              TEXT   NOT NULL DEFAULT '',
    entered_by        BIGINT REFERENCES users(id) ON DELETE SET NULL,
    entered_at        BIGINT NOT NULL
);
CREATE INDEX paper_batches_round ON paper_batches(round_id);

CREATE TABLE paper_tallies (
    batch_id   BIGINT NOT NULL REFERENCES paper_batches(id) ON DELETE CASCADE,
    item_key   TEXT   NOT NULL,
    option_key TEXT   NOT NULL,
    count      BIGINT NOT NULL,
    PRIMARY KEY (batch_id, item_key, option_key)
);

-- Where a partnership stands on each checklist statement.
CREATE TABLE checklist_ticks (
    partnership_id BIGINT  NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    instrument_key TEXT    NOT NULL,
    entry_key      TEXT    NOT NULL,
    done           BOOLEAN NOT NULL DEFAULT FALSE,
    note           TEXT    NOT NULL DEFAULT '',
    evidence_url   TEXT    NOT NULL DEFAULT '',
    ticked_by      BIGINT REFERENCES users(id) ON DELETE SET NULL,
    ticked_at      BIGINT,
    action_id      BIGINT REFERENCES actions(id) ON DELETE SET NULL,
    updated_at     BIGINT  NOT NULL,
    version        BIGINT  NOT NULL DEFAULT 1,
    PRIMARY KEY (partnership_id, instrument_key, entry_key)
);
