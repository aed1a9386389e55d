-- Who actually came: each name on a conversation's list can be marked as having come
-- or sent apologies ('' while nobody has said), so the summary's "Who came" is true
-- rather than the invitation list.
ALTER TABLE attendees ADD COLUMN attendance TEXT NOT NULL DEFAULT '';

-- "For you" finds the conversations a person is invited to by their account.
CREATE INDEX attendees_user ON attendees(user_id);
