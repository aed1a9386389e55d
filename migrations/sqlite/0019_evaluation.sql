-- The partnership file's evaluation plan: the outcomes the partnership works towards
-- (grouped by the four "was it worth it?" levels), each with indicators (how we would
-- know: method, who collects, when and where), and each indicator's evidence log.
-- Versioned like risks; evidence entries are added and removed, not edited.
CREATE TABLE outcomes (
    id              INTEGER PRIMARY KEY,
    partnership_id  BIGINT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    -- together | each-other | organisations | people | '' (none of those)
    level           TEXT   NOT NULL DEFAULT '',
    -- The outcome as people read it; who/direction/what are the writer's parts.
    statement       TEXT   NOT NULL,
    who             TEXT   NOT NULL DEFAULT '',
    direction       TEXT   NOT NULL DEFAULT '',
    what            TEXT   NOT NULL DEFAULT '',
    created_by      BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    version         BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX outcomes_partnership ON outcomes(partnership_id);

CREATE TABLE indicators (
    id                 INTEGER PRIMARY KEY,
    outcome_id         BIGINT NOT NULL REFERENCES outcomes(id) ON DELETE CASCADE,
    partnership_id     BIGINT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    name               TEXT   NOT NULL,
    method             TEXT   NOT NULL DEFAULT '',
    collector_user_id  BIGINT REFERENCES users(id) ON DELETE SET NULL,
    collector_org_id   BIGINT REFERENCES organisations(id) ON DELETE SET NULL,
    collect_when       TEXT   NOT NULL DEFAULT '',
    collect_where      TEXT   NOT NULL DEFAULT '',
    created_by         BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    version            BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX indicators_outcome ON indicators(partnership_id, outcome_id);

-- A dated entry: a value or a note, a link, and perhaps a file. A file's bytes are in
-- the data folder on SQLite (file_path names it there) and in evidence_blobs on
-- PostgreSQL, where every node must see it without a shared disk.
CREATE TABLE evidence (
    id              INTEGER PRIMARY KEY,
    indicator_id    BIGINT NOT NULL REFERENCES indicators(id) ON DELETE CASCADE,
    partnership_id  BIGINT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    -- YYYY-MM-DD
    recorded_on     TEXT   NOT NULL,
    value           TEXT   NOT NULL DEFAULT '',
    note            TEXT   NOT NULL DEFAULT '',
    link            TEXT   NOT NULL DEFAULT '',
    file_name       TEXT,
    file_type       TEXT,
    file_size       BIGINT,
    file_path       TEXT,
    created_by      BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX evidence_indicator ON evidence(partnership_id, indicator_id, recorded_on);

CREATE TABLE evidence_blobs (
    evidence_id     BIGINT PRIMARY KEY REFERENCES evidence(id) ON DELETE CASCADE,
    bytes           BLOB  NOT NULL
);

-- (On PostgreSQL a trigger tells the other nodes of each change; one SQLite process
-- counts its own writes.)
