-- Accounts, sessions, one-time links, sign-in throttling, partnerships, organisations,
-- memberships and invitations. Times are Unix seconds.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE,
    display_name  TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    is_admin      BOOLEAN NOT NULL DEFAULT FALSE,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT  NOT NULL
);

CREATE TABLE sessions (
    token_hash   TEXT   PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE one_time_tokens (
    token_hash TEXT   PRIMARY KEY,
    kind       TEXT   NOT NULL CHECK (kind IN ('setup', 'reset')),
    user_id    BIGINT REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);

CREATE TABLE login_failures (
    key TEXT   NOT NULL,
    at  BIGINT NOT NULL
);
CREATE INDEX login_failures_key_at ON login_failures(key, at);
CREATE INDEX login_failures_at ON login_failures(at);

CREATE TABLE partnerships (
    id          INTEGER PRIMARY KEY,
    slug        TEXT   NOT NULL UNIQUE,
    name        TEXT   NOT NULL,
    aim         TEXT   NOT NULL,
    description TEXT   NOT NULL DEFAULT '',
    created_by  BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE organisations (
    id             INTEGER PRIMARY KEY,
    partnership_id BIGINT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    name           TEXT   NOT NULL,
    kind           TEXT   NOT NULL,
    created_at     BIGINT NOT NULL
);
CREATE UNIQUE INDEX organisations_name ON organisations(partnership_id, lower(name));

CREATE TABLE memberships (
    id              INTEGER PRIMARY KEY,
    partnership_id  BIGINT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    user_id         BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    role            TEXT   NOT NULL CHECK (role IN ('lead', 'member', 'observer')),
    joined_at       BIGINT NOT NULL,
    UNIQUE (partnership_id, user_id)
);
CREATE INDEX memberships_user ON memberships(user_id);
CREATE INDEX memberships_organisation ON memberships(organisation_id);

CREATE TABLE invites (
    id              INTEGER PRIMARY KEY,
    partnership_id  BIGINT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    token_hash      TEXT   NOT NULL UNIQUE,
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    role            TEXT   NOT NULL CHECK (role IN ('lead', 'member', 'observer')),
    note            TEXT   NOT NULL DEFAULT '',
    created_by      BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    used_at         BIGINT,
    used_by         BIGINT REFERENCES users(id) ON DELETE SET NULL,
    revoked_at      BIGINT
);
CREATE INDEX invites_partnership ON invites(partnership_id);
CREATE INDEX invites_organisation ON invites(organisation_id);
