-- One definition of when two emails name the same account: Unicode NFC, then ICU's full lower-casing (PostgreSQL's own
-- lower() under the database's C collation folds only ASCII, so "ÅSA@" and "åsa@" were two accounts). Users, their
-- uniqueness and the login throttle all use it, so Unicode variants of an email are one account with one budget of
-- attempts. Needs PostgreSQL 13+ built with ICU (Debian's is). Should two existing accounts collide under the new key,
-- this migration fails on the unique index and changes nothing: merge or rename one of them, then start again.
CREATE FUNCTION email_key(email text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT lower(normalize(email, NFC) COLLATE "und-x-icu") $$;

ALTER TABLE users ADD COLUMN email_key text GENERATED ALWAYS AS (email_key(email)) STORED;
CREATE UNIQUE INDEX users_email_key_key ON users (email_key);
DROP INDEX users_email_lower_key;

-- Lower-casing can lengthen text (U+0130 becomes two code points), so the key may exceed the email's 254.
ALTER TABLE login_throttle DROP CONSTRAINT login_throttle_email_key_check;
ALTER TABLE login_throttle ADD CONSTRAINT login_throttle_email_key_check CHECK (length(email_key) <= 1024);
