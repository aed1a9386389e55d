-- A conversation's summary lists the live sessions run for it; deleting a
-- conversation clears their link. Both look sessions up by conversation.
CREATE INDEX live_sessions_conversation ON live_sessions(conversation_id);

-- A thought the facilitator grouped with a similar one: the screen shows the group
-- once, with how many said much the same. Deleting the first of a group leaves the
-- others on their own.
ALTER TABLE live_thoughts ADD COLUMN grouped_into BIGINT REFERENCES live_thoughts(id) ON DELETE SET NULL;
