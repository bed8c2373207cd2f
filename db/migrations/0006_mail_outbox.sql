-- Mails waiting to be sent, written in the same transaction as whatever they announce (a reset token, say), so a mail
-- exists exactly when its cause was committed. The background dispatcher leases one row at a time (FOR UPDATE SKIP
-- LOCKED, leased_until), sends it over SMTP with no transaction open, and marks it sent in a second statement.
-- The bodies are ASP.NET Core Data Protection ciphertext while the mail waits, and NULL once it is sent or given up:
-- the links they carry are never readable from this table, and gone as soon as they are no longer needed.
CREATE TABLE mail_outbox (
    id                 bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Chosen once, at enqueue: a resend after a crash carries the same Message-ID, so receivers can tell it is one mail.
    message_id         text        NOT NULL UNIQUE,
    recipient          text        NOT NULL,
    subject            text        NOT NULL,
    text_body          text,
    html_body          text,
    created_at         timestamptz NOT NULL,
    next_attempt_at    timestamptz NOT NULL,
    -- Set by the instance sending the mail; another instance takes the row only once it has passed.
    leased_until       timestamptz,
    -- Every lease counts an attempt; a sender's later writes match on it, so they touch only their own lease.
    attempts           integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    permanent_failures integer     NOT NULL DEFAULT 0 CHECK (permanent_failures >= 0),
    sent_at            timestamptz,
    given_up_at        timestamptz,
    CONSTRAINT mail_outbox_one_outcome CHECK (sent_at IS NULL OR given_up_at IS NULL),
    CONSTRAINT mail_outbox_bodies_only_while_pending
        CHECK ((sent_at IS NULL AND given_up_at IS NULL) = (text_body IS NOT NULL AND html_body IS NOT NULL))
);

-- The dispatcher's lease walks the waiting mails in the order they are due; finished rows are not in this index.
CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at) WHERE sent_at IS NULL AND given_up_at IS NULL;
-- The retention cleanup deletes finished mails oldest first.
CREATE INDEX mail_outbox_finished_idx ON mail_outbox ((COALESCE(sent_at, given_up_at)))
    WHERE sent_at IS NOT NULL OR given_up_at IS NOT NULL;
