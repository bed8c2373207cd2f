-- Failed logins per email, for the per-account throttle. Keyed by the lower-cased email whether or not such a user
-- exists, so locking reveals nothing about which accounts exist. Shared by every API instance.
CREATE TABLE login_throttle (
    email_key      text        PRIMARY KEY CHECK (length(email_key) <= 254),
    failed_count   integer     NOT NULL,
    last_failed_at timestamptz NOT NULL,
    locked_until   timestamptz
);

CREATE INDEX login_throttle_last_failed_at_idx ON login_throttle (last_failed_at);
