-- Conversations (a meeting with an agenda of cards and free items), what people
-- thought before it, what was recorded during it, and the actions that follow.
-- Editable records carry a version so a stale save is caught, not applied.

CREATE TABLE conversations (
    id             INTEGER PRIMARY KEY,
    partnership_id BIGINT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    title          TEXT   NOT NULL,
    -- Unix seconds (NULL: no date yet), shown in `time_zone` (an IANA name).
    starts_at      BIGINT,
    time_zone      TEXT   NOT NULL DEFAULT 'Europe/London',
    place          TEXT   NOT NULL DEFAULT '',
    facilitator_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    purpose        TEXT   NOT NULL DEFAULT '',
    -- planned | held | written_up
    status         TEXT   NOT NULL DEFAULT 'planned',
    views_named    BOOLEAN NOT NULL DEFAULT TRUE,
    views_revealed BOOLEAN NOT NULL DEFAULT FALSE,
    created_by     BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    version        BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX conversations_partnership ON conversations(partnership_id, starts_at);

-- An agenda item: a card (its text kept here, so the record still reads if the card
-- or deck is deleted) or a free item with a title.
CREATE TABLE agenda_items (
    id              INTEGER PRIMARY KEY,
    conversation_id BIGINT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    position        BIGINT NOT NULL,
    card_id         BIGINT REFERENCES cards(id) ON DELETE SET NULL,
    is_card         BOOLEAN NOT NULL DEFAULT FALSE,
    title           TEXT   NOT NULL,
    prompt          TEXT,
    deck_title      TEXT   NOT NULL DEFAULT '',
    theme_name      TEXT   NOT NULL DEFAULT '',
    colour          TEXT   NOT NULL DEFAULT '',
    minutes         BIGINT NOT NULL DEFAULT 0,
    notes           TEXT   NOT NULL DEFAULT '',
    agreed          TEXT   NOT NULL DEFAULT '',
    differ          TEXT   NOT NULL DEFAULT '',
    updated_by      BIGINT REFERENCES users(id) ON DELETE SET NULL,
    updated_at      BIGINT NOT NULL,
    version         BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX agenda_items_conversation ON agenda_items(conversation_id, position);
CREATE INDEX agenda_items_card ON agenda_items(card_id);

-- Who is invited: a member (user_id) or a named guest. Name and organisation are
-- kept as they were, so the record stays true if someone leaves.
CREATE TABLE attendees (
    id              INTEGER PRIMARY KEY,
    conversation_id BIGINT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    user_id         BIGINT REFERENCES users(id) ON DELETE SET NULL,
    name            TEXT   NOT NULL,
    organisation    TEXT   NOT NULL DEFAULT '',
    UNIQUE (conversation_id, user_id)
);

-- Thoughts added before the meeting, one per person per item.
CREATE TABLE prior_views (
    id         INTEGER PRIMARY KEY,
    item_id    BIGINT NOT NULL REFERENCES agenda_items(id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    body       TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (item_id, user_id)
);

CREATE TABLE actions (
    id              INTEGER PRIMARY KEY,
    partnership_id  BIGINT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    title           TEXT   NOT NULL,
    detail          TEXT   NOT NULL DEFAULT '',
    owner_user_id   BIGINT REFERENCES users(id) ON DELETE SET NULL,
    owner_org_id    BIGINT REFERENCES organisations(id) ON DELETE SET NULL,
    -- YYYY-MM-DD (sorts as text), or NULL.
    due_on          TEXT,
    -- open | in_progress | done | dropped
    status          TEXT   NOT NULL DEFAULT 'open',
    conversation_id BIGINT REFERENCES conversations(id) ON DELETE SET NULL,
    item_id         BIGINT REFERENCES agenda_items(id) ON DELETE SET NULL,
    -- Where it came from, in words, kept if the source is deleted.
    source          TEXT   NOT NULL DEFAULT '',
    created_by      BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    version         BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX actions_partnership ON actions(partnership_id, status, due_on);
CREATE INDEX actions_owner ON actions(owner_user_id);
CREATE INDEX actions_conversation ON actions(conversation_id);

-- The history of each action: created, edited, status changes, progress notes.
CREATE TABLE action_events (
    id        INTEGER PRIMARY KEY,
    action_id BIGINT NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
    user_id   BIGINT REFERENCES users(id) ON DELETE SET NULL,
    at        BIGINT NOT NULL,
    what      TEXT   NOT NULL,
    status    TEXT,
    note      TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX action_events_action ON action_events(action_id, id);

-- Who changed what and when, per partnership.
CREATE TABLE activity (
    id             INTEGER PRIMARY KEY,
    partnership_id BIGINT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    user_id        BIGINT REFERENCES users(id) ON DELETE SET NULL,
    at             BIGINT NOT NULL,
    what           TEXT   NOT NULL,
    link           TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX activity_partnership ON activity(partnership_id, id);

-- Autosaved drafts of an item's record, one per person per item.
CREATE TABLE drafts (
    user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    item_id      BIGINT NOT NULL REFERENCES agenda_items(id) ON DELETE CASCADE,
    notes        TEXT   NOT NULL,
    agreed       TEXT   NOT NULL,
    differ       TEXT   NOT NULL,
    base_version BIGINT NOT NULL,
    saved_at     BIGINT NOT NULL,
    PRIMARY KEY (user_id, item_id)
);

-- A form sent after its session ended, kept so it can be saved after signing in.
CREATE TABLE held_posts (
    token_hash TEXT   PRIMARY KEY,
    user_id    BIGINT REFERENCES users(id) ON DELETE CASCADE,
    path       TEXT   NOT NULL,
    body       TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- Each person's secret calendar feed of action due dates (only the hash is kept).
CREATE TABLE calendar_feeds (
    user_id    BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT   NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
