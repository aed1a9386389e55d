-- The skills and resources grid: the skills, knowledge and resources that matter to
-- the partnership (rows), and for each partner organisation whether it offers each and
-- whether it hopes to gain it ("give and receive"). Needed with nobody offering is a gap.
CREATE TABLE skills (
    id              INTEGER PRIMARY KEY,
    partnership_id  BIGINT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    name            TEXT   NOT NULL,
    -- skill | knowledge | resource
    kind            TEXT   NOT NULL,
    created_by      BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX skills_partnership ON skills(partnership_id);

CREATE TABLE skill_cells (
    skill_id         BIGINT NOT NULL REFERENCES skills(id) ON DELETE CASCADE,
    organisation_id  BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    partnership_id   BIGINT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    offers           BOOLEAN NOT NULL DEFAULT FALSE,
    wants            BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at       BIGINT NOT NULL,
    PRIMARY KEY (skill_id, organisation_id)
);
CREATE INDEX skill_cells_partnership ON skill_cells(partnership_id);

-- (On PostgreSQL a trigger tells the other nodes of each change; one SQLite process
-- counts its own writes.)
