-- A counter bumped in the same transaction as any change to a partnership's
-- organisations or members, so nodes can cache those lists and know when they are stale.
ALTER TABLE partnerships ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
