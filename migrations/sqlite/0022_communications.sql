-- The communications plan: for each stakeholder on the map (or a group not on it),
-- what we want them to know, how, how often, who does it and when next. The next date
-- is an action on the action plan (so it reaches My actions and the calendar feed);
-- the plan keeps which one.
CREATE TABLE comms_items (
    id              INTEGER PRIMARY KEY,
    partnership_id  BIGINT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    stakeholder_id  BIGINT REFERENCES stakeholders(id) ON DELETE SET NULL,
    -- Who it is for, in words: the stakeholder's name when saved, or a group.
    audience        TEXT   NOT NULL,
    message         TEXT   NOT NULL,
    channel         TEXT   NOT NULL DEFAULT '',
    -- A key of the stakeholder map's contact frequencies ('' = not decided).
    frequency       TEXT   NOT NULL DEFAULT '',
    owner_user_id   BIGINT REFERENCES users(id) ON DELETE SET NULL,
    -- YYYY-MM-DD, or NULL.
    next_on         TEXT,
    action_id       BIGINT REFERENCES actions(id) ON DELETE SET NULL,
    created_by      BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    version         BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX comms_items_partnership ON comms_items(partnership_id);

-- (On PostgreSQL a trigger tells the other nodes of each change; one SQLite process
-- counts its own writes.)
