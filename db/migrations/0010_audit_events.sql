-- The audit trail: who did what to which account, from where. One row per security event, written in the same
-- transaction as the change it records. Never a password, a token or its hash, and never the text typed as the email of
-- an unknown account (people type passwords there): such a failed login has no user.
--
-- user_id and actor_id are plain numbers, not foreign keys: the trail outlives what it describes and must not block or
-- cascade with it. Rows older than Audit:Retention are deleted in batches by the cleanup job (at).
CREATE TABLE audit_events (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL,
    type       text        NOT NULL CHECK (type ~ '^[a-z][a-z_]{0,62}$'),
    user_id    bigint,
    actor_id   bigint,
    session_id uuid,
    ip         inet,
    user_agent text        CHECK (length(user_agent) <= 512),
    detail     jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(detail) = 'object' AND length(detail::text) <= 2048)
);

-- "This account's events, newest first" (an admin's filter, and the user's own activity) and "events of this type".
CREATE INDEX audit_events_user_idx ON audit_events (user_id, id DESC) WHERE user_id IS NOT NULL;
CREATE INDEX audit_events_type_idx ON audit_events (type, id DESC);
CREATE INDEX audit_events_at_idx ON audit_events (at);
