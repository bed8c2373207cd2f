-- A second factor: time-based one-time passwords (RFC 6238) and single-use recovery codes.
--
-- One row per user who set up an authenticator. The shared key is encrypted with Data Protection (whose key ring is
-- itself encrypted to a certificate kept outside the database), so a dump of this table reveals no key. The row is
-- pending until the user proves their authenticator works (enabled_at). last_time_step is the last 30-second step whose
-- code was accepted: a code is accepted only for a later step, so none is accepted twice.
CREATE TABLE two_factor (
    user_id        bigint      PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    key_protected  text        NOT NULL CHECK (length(key_protected) <= 4096),
    created_at     timestamptz NOT NULL,
    enabled_at     timestamptz,
    last_time_step bigint
);

-- Only the SHA-256 of each recovery code: they carry 80 random bits, so a fast hash is enough. A code is used up by
-- deleting its row, and they die with the second factor they belong to.
CREATE TABLE two_factor_recovery_codes (
    user_id   bigint NOT NULL REFERENCES two_factor (user_id) ON DELETE CASCADE,
    code_hash bytea  NOT NULL CHECK (length(code_hash) = 32),
    PRIMARY KEY (user_id, code_hash)
);
