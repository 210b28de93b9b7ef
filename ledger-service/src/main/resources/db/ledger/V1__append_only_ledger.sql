-- The ledger's tables, created by the owner role (Flyway runs as quarkus.datasource.owner.*).
-- The application connects as ${app_role}: it may read and append, never change or remove.
-- Entries and checkpoints refuse UPDATE, DELETE and TRUNCATE in the database itself, with
-- triggers declared ENABLE ALWAYS so that session_replication_role = replica does not skip them.

CREATE TABLE entries (
    leaf_index      bigint      NOT NULL PRIMARY KEY CHECK (leaf_index >= 0),
    event_id        text        NOT NULL,
    event_type      text        NOT NULL,
    source          text        NOT NULL,
    subject         text,
    rotation_id     text,
    event_time      timestamptz NOT NULL,
    -- Exactly the bytes that were hashed: RFC 8785 JSON of the event as a structured CloudEvent.
    canonical       bytea       NOT NULL,
    leaf_hash       bytea       NOT NULL CHECK (octet_length(leaf_hash) = 32),
    prev_hash       bytea       NOT NULL CHECK (octet_length(prev_hash) = 32),
    chain_hash      bytea       NOT NULL CHECK (octet_length(chain_hash) = 32),
    -- Hashes of the perfect subtrees this leaf completed, level 1 upwards, 32 bytes each.
    subtree_hashes  bytea       NOT NULL CHECK (octet_length(subtree_hashes) % 32 = 0),
    -- Where the event came from; informational, not covered by any hash.
    kafka_topic     text,
    kafka_partition integer,
    kafka_offset    bigint,
    ingested_at     timestamptz NOT NULL,
    CONSTRAINT entries_event_id_unique UNIQUE (event_id)
);
CREATE INDEX entries_rotation ON entries (rotation_id, leaf_index) WHERE rotation_id IS NOT NULL;
CREATE INDEX entries_subject ON entries (subject, leaf_index);

CREATE TABLE checkpoints (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tree_size   bigint      NOT NULL CHECK (tree_size >= 0),
    root_hash   bytea       NOT NULL CHECK (octet_length(root_hash) = 32),
    issued_at   timestamptz NOT NULL,
    reason      text        NOT NULL,
    key_name    text        NOT NULL,
    key_id      text        NOT NULL,
    signed_note text        NOT NULL,
    event_id    text        NOT NULL,
    CONSTRAINT checkpoints_event_id_unique UNIQUE (event_id)
);
CREATE INDEX checkpoints_tree_size ON checkpoints (tree_size, id);

-- Checkpoints still to be published on rotor.ledger (rows go once Kafka acknowledged them).
CREATE TABLE checkpoint_outbox (
    checkpoint_id bigint NOT NULL PRIMARY KEY REFERENCES checkpoints (id)
);

-- One row per rotation, folded from its entries: derived data the entries can rebuild.
CREATE TABLE rotations (
    rotation_id text        NOT NULL PRIMARY KEY,
    target_id   text        NOT NULL,
    status      text        NOT NULL,
    started_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    last_entry  bigint      NOT NULL,
    record      jsonb       NOT NULL
);
CREATE INDEX rotations_target ON rotations (target_id, started_at DESC);
CREATE INDEX rotations_status ON rotations (status, started_at DESC);

CREATE FUNCTION refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    RAISE EXCEPTION 'ledger is append-only: % on %.% is refused', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING HINT = 'entries and checkpoints are never changed or removed';
END;
$$;

CREATE TRIGGER entries_refuse_update_delete BEFORE UPDATE OR DELETE ON entries
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER entries_refuse_truncate BEFORE TRUNCATE ON entries
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER checkpoints_refuse_update_delete BEFORE UPDATE OR DELETE ON checkpoints
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER checkpoints_refuse_truncate BEFORE TRUNCATE ON checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- ENABLE ALWAYS: fire even when session_replication_role is replica (or local).
ALTER TABLE entries ENABLE ALWAYS TRIGGER entries_refuse_update_delete;
ALTER TABLE entries ENABLE ALWAYS TRIGGER entries_refuse_truncate;
ALTER TABLE checkpoints ENABLE ALWAYS TRIGGER checkpoints_refuse_update_delete;
ALTER TABLE checkpoints ENABLE ALWAYS TRIGGER checkpoints_refuse_truncate;

-- The application's role: read and append only. It owns nothing here.
REVOKE ALL ON SCHEMA ${flyway:defaultSchema} FROM PUBLIC;
GRANT USAGE ON SCHEMA ${flyway:defaultSchema} TO ${app_role};
GRANT SELECT, INSERT ON entries, checkpoints TO ${app_role};
GRANT SELECT, INSERT, DELETE ON checkpoint_outbox TO ${app_role};
GRANT SELECT, INSERT, UPDATE ON rotations TO ${app_role};
