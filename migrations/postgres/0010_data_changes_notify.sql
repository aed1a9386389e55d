-- Every node may keep pages it has just rendered, for as long as nothing has changed.
-- A change to any other table, from any node or from outside Tandem, tells every node
-- when it commits, on the channel of migration 0009 with the payload 'data' (changes
-- to the session cache's own tables already notify there, with an empty payload, and
-- count as data changes too). A session's last use is again the one change that does
-- not: no page shows it.
CREATE FUNCTION tandem_data_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tandem_changes', 'data');
    RETURN NULL;
END;
$$;

CREATE TRIGGER one_time_tokens_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON one_time_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION tandem_data_changed();
CREATE TRIGGER login_failures_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON login_failures
    FOR EACH STATEMENT EXECUTE FUNCTION tandem_data_changed();
CREATE TRIGGER organisations_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON organisations
    FOR EACH STATEMENT EXECUTE FUNCTION tandem_data_changed();
CREATE TRIGGER invites_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON invites
    FOR EACH STATEMENT EXECUTE FUNCTION tandem_data_changed();
CREATE TRIGGER decks_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON decks
    FOR EACH STATEMENT EXECUTE FUNCTION tandem_data_changed();
CREATE TRIGGER themes_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON themes
    FOR EACH STATEMENT EXECUTE FUNCTION tandem_data_changed();
CREATE TRIGGER cards_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON cards
    FOR EACH STATEMENT EXECUTE FUNCTION tandem_data_changed();
CREATE TRIGGER card_draws_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON card_draws
    FOR EACH STATEMENT EXECUTE FUNCTION tandem_data_changed();
CREATE TRIGGER conversations_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON conversations
    FOR EACH STATEMENT EXECUTE FUNCTION tandem_data_changed();
CREATE TRIGGER agenda_items_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON agenda_items
    FOR EACH STATEMENT EXECUTE FUNCTION tandem_data_changed();
CREATE TRIGGER attendees_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON attendees
    FOR EACH STATEMENT EXECUTE FUNCTION tandem_data_changed();
CREATE TRIGGER prior_views_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON prior_views
    FOR EACH STATEMENT EXECUTE FUNCTION tandem_data_changed();
CREATE TRIGGER actions_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON actions
    FOR EACH STATEMENT EXECUTE FUNCTION tandem_data_changed();
CREATE TRIGGER action_events_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON action_events
    FOR EACH STATEMENT EXECUTE FUNCTION tandem_data_changed();
CREATE TRIGGER activity_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON activity
    FOR EACH STATEMENT EXECUTE FUNCTION tandem_data_changed();
CREATE TRIGGER drafts_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON drafts
    FOR EACH STATEMENT EXECUTE FUNCTION tandem_data_changed();
CREATE TRIGGER held_posts_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON held_posts
    FOR EACH STATEMENT EXECUTE FUNCTION tandem_data_changed();
CREATE TRIGGER calendar_feeds_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON calendar_feeds
    FOR EACH STATEMENT EXECUTE FUNCTION tandem_data_changed();
CREATE TRIGGER instrument_versions_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON instrument_versions
    FOR EACH STATEMENT EXECUTE FUNCTION tandem_data_changed();
CREATE TRIGGER rounds_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON rounds
    FOR EACH STATEMENT EXECUTE FUNCTION tandem_data_changed();
CREATE TRIGGER answer_sets_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON answer_sets
    FOR EACH STATEMENT EXECUTE FUNCTION tandem_data_changed();
CREATE TRIGGER answers_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON answers
    FOR EACH STATEMENT EXECUTE FUNCTION tandem_data_changed();
CREATE TRIGGER paper_batches_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON paper_batches
    FOR EACH STATEMENT EXECUTE FUNCTION tandem_data_changed();
CREATE TRIGGER paper_tallies_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON paper_tallies
    FOR EACH STATEMENT EXECUTE FUNCTION tandem_data_changed();
CREATE TRIGGER checklist_ticks_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON checklist_ticks
    FOR EACH STATEMENT EXECUTE FUNCTION tandem_data_changed();
CREATE TRIGGER sign_in_locks_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sign_in_locks
    FOR EACH STATEMENT EXECUTE FUNCTION tandem_data_changed();
