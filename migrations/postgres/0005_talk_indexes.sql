-- The action plan's default order (soonest due first, undated last) straight from an
-- index, and coverage reading agenda cards without touching the wide item rows.
CREATE INDEX actions_due ON actions(partnership_id, (COALESCE(due_on, '9999-12-31')), id);
CREATE INDEX agenda_items_conversation_card ON agenda_items(conversation_id, card_id);
