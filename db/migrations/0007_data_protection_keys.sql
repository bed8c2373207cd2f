-- ASP.NET Core Data Protection's key ring, shared by every instance so that each can read what another protected (the
-- mail outbox's bodies). One row per XML element the key manager stores: a key, or a revocation. The elements are
-- stored as the key manager writes them, unencrypted: anyone who can read this table can decrypt what the keys protect.
CREATE TABLE data_protection_keys (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    friendly_name text        NOT NULL UNIQUE,
    xml           text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
