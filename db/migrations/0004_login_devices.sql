-- Browsers an account has logged in from (OWASP's device cookies). The cookie holds a random token; only its SHA-256 is
-- stored, once per account it vouches for. A browser listed here for an account has its own failed-login budget and
-- lock, so an attacker who keeps the account locked from elsewhere cannot lock its owner out of that browser.
CREATE TABLE login_devices (
    token_hash     bytea       NOT NULL CHECK (length(token_hash) = 32),
    user_id        bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at     timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL,
    failed_count   integer     NOT NULL DEFAULT 0 CHECK (failed_count >= 0),
    last_failed_at timestamptz,
    locked_until   timestamptz,
    PRIMARY KEY (token_hash, user_id)
);

CREATE INDEX login_devices_user_id_idx ON login_devices (user_id);
CREATE INDEX login_devices_expires_at_idx ON login_devices (expires_at);

-- A failure count never goes below zero, whatever order parallel successes and give-backs commit in.
ALTER TABLE login_throttle ADD CONSTRAINT login_throttle_failed_count_check CHECK (failed_count >= 0);
