-- The partnership file's stakeholder map: who else matters to the partnership, how
-- much influence each has over its work and how interested each is (1 to 5 each),
-- where each stands, which member keeps in touch and how often. Versioned like risks.
CREATE TABLE stakeholders (
    id              INTEGER PRIMARY KEY,
    partnership_id  BIGINT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    name            TEXT   NOT NULL,
    -- The organisation or group they belong to (may be empty).
    group_name      TEXT   NOT NULL DEFAULT '',
    notes           TEXT   NOT NULL DEFAULT '',
    influence       BIGINT NOT NULL CHECK (influence BETWEEN 1 AND 5),
    interest        BIGINT NOT NULL CHECK (interest BETWEEN 1 AND 5),
    -- supportive | neutral | opposed | unknown
    stance          TEXT   NOT NULL DEFAULT 'unknown',
    owner_user_id   BIGINT REFERENCES users(id) ON DELETE SET NULL,
    -- '' (not decided) | weekly | fortnightly | monthly | quarterly | twice-yearly | yearly
    contact_every   TEXT   NOT NULL DEFAULT '',
    created_by      BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    version         BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX stakeholders_partnership ON stakeholders(partnership_id);

-- Every place a stakeholder has been on the map: one row when they are added and one
-- for each change of influence, interest or stance, so the map can show movement since
-- a chosen day. Removed with the stakeholder.
CREATE TABLE stakeholder_moves (
    id              INTEGER PRIMARY KEY,
    stakeholder_id  BIGINT NOT NULL REFERENCES stakeholders(id) ON DELETE CASCADE,
    partnership_id  BIGINT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    influence       BIGINT NOT NULL CHECK (influence BETWEEN 1 AND 5),
    interest        BIGINT NOT NULL CHECK (interest BETWEEN 1 AND 5),
    stance          TEXT   NOT NULL,
    -- The day of the change in the partnership's time zone (YYYY-MM-DD).
    moved_on        TEXT   NOT NULL,
    moved_at        BIGINT NOT NULL,
    moved_by        BIGINT REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX stakeholder_moves_partnership ON stakeholder_moves(partnership_id, stakeholder_id, moved_at);

-- (On PostgreSQL a trigger tells the other nodes of each change; one SQLite process
-- counts its own writes.)
