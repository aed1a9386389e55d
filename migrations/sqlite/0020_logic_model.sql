-- The logic model: what the partnership puts in, what it does, what that produces,
-- the outcomes it leads to (the evaluation plan's own outcomes, placed short or medium
-- term here) and the impact, with the assumptions underneath (each with whether it is
-- still true and when that was last checked). The risks are the register's.
ALTER TABLE outcomes ADD COLUMN term TEXT NOT NULL DEFAULT 'short';

CREATE TABLE logic_items (
    id              INTEGER PRIMARY KEY,
    partnership_id  BIGINT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    -- input | activity | output | impact | assumption
    kind            TEXT   NOT NULL,
    text            TEXT   NOT NULL,
    -- Assumptions only: still true (TRUE / FALSE), NULL until someone has checked.
    still_true      BOOLEAN,
    -- Assumptions only: the day it was last checked (YYYY-MM-DD).
    checked_on      TEXT,
    created_by      BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    version         BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX logic_items_partnership ON logic_items(partnership_id, kind);

-- (On PostgreSQL a trigger tells the other nodes of each change; one SQLite process
-- counts its own writes.)
