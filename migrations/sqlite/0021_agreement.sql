-- The partnership agreement: numbered versions, each with its sections and the
-- partners as they were then. The latest version is edited in place until an
-- organisation signs it; a change after that makes the next version, and asks for
-- sign-off again. Older versions stay as they were, with their sign-offs.
CREATE TABLE agreement_versions (
    id              INTEGER PRIMARY KEY,
    partnership_id  BIGINT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    number          BIGINT NOT NULL,
    purpose         TEXT   NOT NULL DEFAULT '',
    roles           TEXT   NOT NULL DEFAULT '',
    decisions       TEXT   NOT NULL DEFAULT '',
    money           TEXT   NOT NULL DEFAULT '',
    information     TEXT   NOT NULL DEFAULT '',
    disagreements   TEXT   NOT NULL DEFAULT '',
    joining         TEXT   NOT NULL DEFAULT '',
    -- YYYY-MM-DD, or NULL.
    review_on       TEXT,
    -- The partner organisations' names when this version was last saved, one a line.
    partners        TEXT   NOT NULL DEFAULT '',
    -- When a lead asked the partners to sign this version (NULL: not yet).
    requested_at    BIGINT,
    created_by      BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    version         BIGINT NOT NULL DEFAULT 1,
    UNIQUE (partnership_id, number)
);

-- One organisation's sign-off of one version: who, when.
CREATE TABLE agreement_signoffs (
    id                    INTEGER PRIMARY KEY,
    agreement_version_id  BIGINT NOT NULL REFERENCES agreement_versions(id) ON DELETE CASCADE,
    partnership_id        BIGINT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    organisation_id       BIGINT REFERENCES organisations(id) ON DELETE SET NULL,
    -- Kept as they were, should the organisation or the person go.
    organisation_name     TEXT   NOT NULL,
    signed_by             BIGINT REFERENCES users(id) ON DELETE SET NULL,
    signer_name           TEXT   NOT NULL,
    signed_at             BIGINT NOT NULL,
    UNIQUE (agreement_version_id, organisation_id)
);
CREATE INDEX agreement_signoffs_partnership ON agreement_signoffs(partnership_id);

-- (On PostgreSQL a trigger tells the other nodes of each change; one SQLite process
-- counts its own writes.)
