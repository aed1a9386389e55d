-- The partnership file's risk register: what could go wrong, how likely and how bad
-- (1 to 5 each), who watches it, what we do to prevent it, what we do if it happens,
-- and when we look at it again. Versioned like actions.
CREATE TABLE risks (
    id              INTEGER PRIMARY KEY,
    partnership_id  BIGINT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    title           TEXT   NOT NULL,
    likelihood      BIGINT NOT NULL CHECK (likelihood BETWEEN 1 AND 5),
    impact          BIGINT NOT NULL CHECK (impact BETWEEN 1 AND 5),
    owner_user_id   BIGINT REFERENCES users(id) ON DELETE SET NULL,
    owner_org_id    BIGINT REFERENCES organisations(id) ON DELETE SET NULL,
    prevention      TEXT   NOT NULL DEFAULT '',
    response        TEXT   NOT NULL DEFAULT '',
    -- YYYY-MM-DD (sorts as text), or NULL.
    review_on       TEXT,
    -- open | closed (no longer a risk; kept for the record)
    status          TEXT   NOT NULL DEFAULT 'open',
    created_by      BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    version         BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX risks_partnership ON risks(partnership_id, status);

-- (On PostgreSQL a trigger tells the other nodes of each change; one SQLite process
-- counts its own writes.)
