-- More kinds of live step (issue 15): one word (a word cloud), dot vote, ranking,
-- spectrum and a two-by-two grid, and steps that come from a session plan.
-- Dots each person may spread over the options of a dot vote.
ALTER TABLE live_steps ADD COLUMN dots INTEGER NOT NULL DEFAULT 3;
-- For a grid: the across and the up scale's names, one per line ('' : the defaults).
ALTER TABLE live_steps ADD COLUMN axes TEXT NOT NULL DEFAULT '';
-- What the facilitator might say or do at this step (from a plan); console only.
ALTER TABLE live_steps ADD COLUMN script TEXT NOT NULL DEFAULT '';
-- The session plan a session was started from, if any.
ALTER TABLE live_sessions ADD COLUMN plan_key TEXT;
