-- Account recovery and email verification.
--
-- A user's address counts as verified once they followed a link mailed to it. Accounts from before verification
-- existed were trusted without one, so they stay trusted: they are marked verified as of their creation.
ALTER TABLE users ADD COLUMN email_verified_at timestamptz;
UPDATE users SET email_verified_at = created_at;

-- One-time tokens mailed to a user: a password reset or an email verification. Only the token's SHA-256 is stored. The
-- row names the address (its key) the token was sent to, so a token dies when the account's email changes.
CREATE TABLE account_tokens (
    token_hash bytea       PRIMARY KEY CHECK (length(token_hash) = 32),
    user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    text        NOT NULL CHECK (purpose IN ('password_reset', 'email_verification')),
    email_key  text        NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);

CREATE INDEX account_tokens_user_purpose_idx ON account_tokens (user_id, purpose, created_at);
CREATE INDEX account_tokens_expires_at_idx ON account_tokens (expires_at);

-- "Mail me a reset link" and "mail me the verification link again", by email address. A background worker answers
-- them, so the request itself is one insert whether or not the account exists: its answer, statements and timing reveal
-- nothing. The typed address is encrypted (people type passwords into email fields) and the row is deleted once handled.
CREATE TABLE account_requests (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    purpose         text        NOT NULL CHECK (purpose IN ('password_reset', 'email_verification')),
    email_protected text        NOT NULL CHECK (length(email_protected) <= 4096),
    requested_at    timestamptz NOT NULL
);
