-- Sign-in attempts are checked against their limits and recorded in one transaction
-- that first locks a row per key (sign_in_locks), so parallel attempts for the same
-- account or address queue up and no burst gets more tries than the limit. Each
-- attempt has a random id, so it can be forgotten again when the password was right.
ALTER TABLE login_failures ADD COLUMN attempt TEXT NOT NULL DEFAULT '';
CREATE INDEX login_failures_attempt ON login_failures(attempt);

CREATE TABLE sign_in_locks (
    key TEXT   PRIMARY KEY,
    at  BIGINT NOT NULL
);
CREATE INDEX sign_in_locks_at ON sign_in_locks(at);
