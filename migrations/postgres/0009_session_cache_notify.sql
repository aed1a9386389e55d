-- Every node keeps a short-lived cache of "whose session is this, and are they a
-- member here?". Any change to the tables behind that answer, from any node or from
-- outside Tandem, tells every node when it commits. (A session's last use is the one
-- change that does not: each node keeps its own copy of that up to date.)
CREATE FUNCTION tandem_session_tables_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tandem_changes', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER users_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION tandem_session_tables_changed();
CREATE TRIGGER partnerships_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON partnerships
    FOR EACH STATEMENT EXECUTE FUNCTION tandem_session_tables_changed();
CREATE TRIGGER memberships_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON memberships
    FOR EACH STATEMENT EXECUTE FUNCTION tandem_session_tables_changed();
CREATE TRIGGER sessions_changed AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF token_hash, user_id, created_at ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION tandem_session_tables_changed();
