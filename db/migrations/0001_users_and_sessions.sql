-- Users and their server-side sessions.
-- Times are written by the API from its TimeProvider (not now()), so tests can move the clock.

CREATE TABLE users (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         text        NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    name          text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    role          text        NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    password_hash text        NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    disabled_at   timestamptz
);

-- Emails are unique regardless of case; lookups use lower(email) to hit this index.
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));

CREATE TABLE sessions (
    -- The public id names a session in listings and revocations; it grants nothing.
    id                  uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    -- SHA-256 of the cookie's random token. The token itself is never stored, so a leaked table opens no session.
    token_hash          bytea       NOT NULL CHECK (length(token_hash) = 32),
    user_id             bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at          timestamptz NOT NULL,
    last_seen_at        timestamptz NOT NULL,
    expires_at          timestamptz NOT NULL,
    absolute_expires_at timestamptz NOT NULL,
    remember_me         boolean     NOT NULL DEFAULT false,
    user_agent          text        CHECK (length(user_agent) <= 512),
    ip                  inet,
    data                jsonb       NOT NULL DEFAULT '{}'::jsonb
);

CREATE UNIQUE INDEX sessions_token_hash_key ON sessions (token_hash);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);
CREATE INDEX sessions_absolute_expires_at_idx ON sessions (absolute_expires_at);
