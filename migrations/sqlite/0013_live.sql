-- Live sessions: a meeting run in the room. The facilitator steps through cards and
-- questions on a projector; people join from their phones by a short code, without an
-- account, and answer. Everything lives here (not in a node's memory), so several
-- nodes on one database serve the same session.

CREATE TABLE live_sessions (
    id              INTEGER PRIMARY KEY,
    partnership_id  BIGINT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    -- The conversation whose agenda became the steps, and whose record it adds to.
    conversation_id BIGINT REFERENCES conversations(id) ON DELETE SET NULL,
    title           TEXT   NOT NULL,
    -- Six characters from an alphabet without look-alikes; free again once ended.
    code            TEXT   NOT NULL,
    -- open | ended
    status          TEXT   NOT NULL DEFAULT 'open',
    -- The step on the screen (NULL: the welcome, before the first step).
    current_step    BIGINT,
    show_join       BOOLEAN NOT NULL DEFAULT TRUE,
    -- Moves on with every change a participant or the projector could see; sent as
    -- the event id, so a client that reconnects can tell it has the latest.
    changes         BIGINT NOT NULL DEFAULT 1,
    created_by      BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at      BIGINT NOT NULL,
    ended_at        BIGINT
);
CREATE INDEX live_sessions_partnership ON live_sessions(partnership_id, created_at);
CREATE UNIQUE INDEX live_sessions_open_code ON live_sessions(code) WHERE status = 'open';
CREATE INDEX live_sessions_code ON live_sessions(code);

CREATE TABLE live_steps (
    id          INTEGER PRIMARY KEY,
    session_id  BIGINT NOT NULL REFERENCES live_sessions(id) ON DELETE CASCADE,
    position    BIGINT NOT NULL,
    -- The agenda item it came from: what is kept goes into that item's record.
    item_id     BIGINT REFERENCES agenda_items(id) ON DELETE SET NULL,
    title       TEXT   NOT NULL,
    prompt      TEXT   NOT NULL DEFAULT '',
    theme_name  TEXT   NOT NULL DEFAULT '',
    colour      TEXT   NOT NULL DEFAULT '',
    -- show | thoughts | poll | choices | scale
    kind        TEXT   NOT NULL DEFAULT 'thoughts',
    -- For polls and choices: one option per line.
    options     TEXT   NOT NULL DEFAULT '',
    anonymous   BOOLEAN NOT NULL DEFAULT TRUE,
    -- ready (not yet asked) | open (answers taken) | closed
    state       TEXT   NOT NULL DEFAULT 'ready',
    revealed    BOOLEAN NOT NULL DEFAULT FALSE,
    minutes     BIGINT NOT NULL DEFAULT 0,
    -- When the step's timer runs out (NULL: no timer running).
    timer_ends  BIGINT,
    -- Bumped when it is opened again, so an answer sent for an earlier opening is late.
    opening     BIGINT NOT NULL DEFAULT 0,
    kept_at     BIGINT
);
CREATE INDEX live_steps_session ON live_steps(session_id, position);

-- A phone (or laptop) that joined. Its cookie's hash is all that identifies it.
CREATE TABLE live_participants (
    id              INTEGER PRIMARY KEY,
    session_id      BIGINT NOT NULL REFERENCES live_sessions(id) ON DELETE CASCADE,
    token_hash      TEXT   NOT NULL UNIQUE,
    name            TEXT   NOT NULL DEFAULT '',
    organisation_id BIGINT REFERENCES organisations(id) ON DELETE SET NULL,
    joined_at       BIGINT NOT NULL,
    removed         BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX live_participants_session ON live_participants(session_id);

-- A poll, choices or scale answer: one per participant per step, changed until the
-- step closes. `value` is the chosen option numbers (from 1, comma-separated) or the
-- point on the scale.
CREATE TABLE live_answers (
    id             INTEGER PRIMARY KEY,
    step_id        BIGINT NOT NULL REFERENCES live_steps(id) ON DELETE CASCADE,
    participant_id BIGINT NOT NULL REFERENCES live_participants(id) ON DELETE CASCADE,
    value          TEXT   NOT NULL,
    updated_at     BIGINT NOT NULL,
    UNIQUE (step_id, participant_id)
);

-- A thought: held for the facilitator until released to the screen.
CREATE TABLE live_thoughts (
    id             INTEGER PRIMARY KEY,
    step_id        BIGINT NOT NULL REFERENCES live_steps(id) ON DELETE CASCADE,
    participant_id BIGINT NOT NULL REFERENCES live_participants(id) ON DELETE CASCADE,
    body           TEXT   NOT NULL,
    created_at     BIGINT NOT NULL,
    released_at    BIGINT
);
CREATE INDEX live_thoughts_step ON live_thoughts(step_id, id);
CREATE INDEX live_thoughts_participant ON live_thoughts(participant_id);

-- Answers from people without phones (a show of hands, paper slips): per option.
CREATE TABLE live_hand_counts (
    step_id  BIGINT NOT NULL REFERENCES live_steps(id) ON DELETE CASCADE,
    choice   BIGINT NOT NULL,
    count    BIGINT NOT NULL,
    PRIMARY KEY (step_id, choice)
);
