-- Invalidations for the API instances' in-process session caches (Api/Sessions/SessionCache.cs).
--
-- Every change that reduces access or alters what a cached session lookup returns is published here, on the channel
-- session_cache, so that no code path can forget to: not a future endpoint, not an admin with psql. Each instance
-- LISTENs and evicts what changed. Payloads: 's:<session id>[,<session id>...]' (sessions deleted, or a session's
-- expiry shortened), 'u:<user id>' (what a lookup returns about the user changed), '*' (a table was truncated: drop
-- everything).
--
-- Touches (expires_at moves later) and dashboard views (data) publish nothing: a cached expiry earlier than the real one
-- only sends a request to the database, and a NOTIFY serialises its transaction's commit with every other notifying
-- commit, which must stay off the hot write paths. PostgreSQL delivers a notification only once its transaction
-- commits, folds identical ones within a transaction, and never delivers one from a rolled-back transaction.

CREATE FUNCTION session_cache_notify_session() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('session_cache', 's:' || OLD.id::text);
    RETURN NULL;
END
$$;

-- Deletes publish once per statement, with up to 200 ids a notification (200 ids and their commas stay under the
-- payload's 8000 bytes): the cleanup deletes a thousand expired rows a batch, and a notification per row would queue
-- a thousand for every listening instance to read and apply one by one (bench/README.md, issue 21).
CREATE FUNCTION session_cache_notify_deleted_sessions() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids text;
BEGIN
    FOR ids IN
        SELECT string_agg(id::text, ',') FROM (SELECT id, row_number() OVER () - 1 AS n FROM deleted_sessions) numbered
        GROUP BY n / 200
    LOOP
        PERFORM pg_notify('session_cache', 's:' || ids);
    END LOOP;
    RETURN NULL;
END
$$;

CREATE TRIGGER sessions_session_cache_delete AFTER DELETE ON sessions
    REFERENCING OLD TABLE AS deleted_sessions
    FOR EACH STATEMENT EXECUTE FUNCTION session_cache_notify_deleted_sessions();

CREATE TRIGGER sessions_session_cache_update AFTER UPDATE ON sessions
    FOR EACH ROW
    WHEN (NEW.expires_at < OLD.expires_at
          OR NEW.absolute_expires_at < OLD.absolute_expires_at
          OR (NEW.id, NEW.token_hash, NEW.user_id, NEW.created_at, NEW.remember_me)
             IS DISTINCT FROM (OLD.id, OLD.token_hash, OLD.user_id, OLD.created_at, OLD.remember_me))
    EXECUTE FUNCTION session_cache_notify_session();

CREATE FUNCTION session_cache_notify_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('session_cache', 'u:' || OLD.id::text);
    RETURN NULL;
END
$$;

-- updated_at alone (and any column a lookup does not return) publishes nothing. A deleted user's sessions go by the
-- cascade, each through the sessions trigger, and the user's own notification covers them all at once.
CREATE TRIGGER users_session_cache_update AFTER UPDATE ON users
    FOR EACH ROW
    WHEN ((NEW.id, NEW.email, NEW.name, NEW.role, NEW.password_hash, NEW.created_at, NEW.disabled_at, NEW.email_verified_at)
          IS DISTINCT FROM (OLD.id, OLD.email, OLD.name, OLD.role, OLD.password_hash, OLD.created_at, OLD.disabled_at, OLD.email_verified_at))
    EXECUTE FUNCTION session_cache_notify_user();

CREATE TRIGGER users_session_cache_delete AFTER DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION session_cache_notify_user();

-- A lookup returns whether the user's second factor is on: a pending setup or a used code (last_time_step) changes
-- nothing it returns.
CREATE FUNCTION session_cache_notify_second_factor() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.enabled_at IS NOT NULL THEN
        PERFORM pg_notify('session_cache', 'u:' || OLD.user_id::text);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.enabled_at IS NOT NULL THEN
        PERFORM pg_notify('session_cache', 'u:' || NEW.user_id::text);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER two_factor_session_cache_insert AFTER INSERT ON two_factor
    FOR EACH ROW EXECUTE FUNCTION session_cache_notify_second_factor();

CREATE TRIGGER two_factor_session_cache_update AFTER UPDATE ON two_factor
    FOR EACH ROW
    WHEN ((NEW.user_id, NEW.enabled_at) IS DISTINCT FROM (OLD.user_id, OLD.enabled_at))
    EXECUTE FUNCTION session_cache_notify_second_factor();

CREATE TRIGGER two_factor_session_cache_delete AFTER DELETE ON two_factor
    FOR EACH ROW EXECUTE FUNCTION session_cache_notify_second_factor();

-- Row triggers do not fire on TRUNCATE.
CREATE FUNCTION session_cache_notify_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('session_cache', '*');
    RETURN NULL;
END
$$;

CREATE TRIGGER sessions_session_cache_truncate AFTER TRUNCATE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION session_cache_notify_all();
CREATE TRIGGER users_session_cache_truncate AFTER TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION session_cache_notify_all();
CREATE TRIGGER two_factor_session_cache_truncate AFTER TRUNCATE ON two_factor
    FOR EACH STATEMENT EXECUTE FUNCTION session_cache_notify_all();
