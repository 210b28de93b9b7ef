-- The key-generator's state. The plaintext key is never stored: a rotation keeps its key's public
-- fingerprint, and the outbox keeps the outgoing events, whose key material is sealed.

-- One row per rotation id decided on: admitted (IN_FLIGHT until a terminal event ends it) or
-- rejected. A rotation id names one rotation: a second request with it is a DUPLICATE.
CREATE TABLE rotation (
    rotation_id      varchar(64)   PRIMARY KEY,
    target_id        varchar(317)  NOT NULL,
    request_event_id varchar(512)  NOT NULL,
    status           varchar(16)   NOT NULL,
    requested_by     varchar(1024),
    all_stages       boolean       NOT NULL,
    key_id           varchar(8),
    fingerprint      varchar(64),
    rejection_reason varchar(32),
    created_at       timestamptz   NOT NULL,
    ended_at         timestamptz,
    end_event_id     varchar(512),
    CONSTRAINT rotation_request_event_once UNIQUE (request_event_id),
    CONSTRAINT rotation_status_known
        CHECK (status IN ('IN_FLIGHT', 'COMPLETED', 'ROLLED_BACK', 'FAILED', 'REJECTED')),
    CONSTRAINT rotation_ended_unless_in_flight CHECK ((status = 'IN_FLIGHT') = (ended_at IS NULL)),
    CONSTRAINT rotation_rejected_has_reason
        CHECK ((status = 'REJECTED') = (rejection_reason IS NOT NULL)),
    CONSTRAINT rotation_admitted_has_key
        CHECK (status = 'REJECTED' OR (key_id IS NOT NULL AND fingerprint IS NOT NULL)),
    -- Public identifiers of the key only: 8 and 64 lowercase hex characters, never key material.
    CONSTRAINT rotation_key_id_is_hex CHECK (key_id ~ '^[0-9a-f]{8}$'),
    CONSTRAINT rotation_fingerprint_is_hex CHECK (fingerprint ~ '^[0-9a-f]{64}$')
);

-- The in-flight guard: the database itself refuses a second rotation in flight for one target,
-- whatever the number of key-generator instances.
CREATE UNIQUE INDEX rotation_one_in_flight_per_target ON rotation (target_id)
    WHERE status = 'IN_FLIGHT';

-- Cadence: the last completed rotation over all of a target's stages.
CREATE INDEX rotation_completed_by_target ON rotation (target_id, ended_at)
    WHERE status = 'COMPLETED' AND all_stages;

-- Events decided in a transaction, sent after it committed. A crash between the commit and the
-- send leaves the row unsent; it is sent at the next start or when its cause is redelivered.
CREATE TABLE outbox (
    event_id       varchar(64)   PRIMARY KEY,
    cause_event_id varchar(512),
    topic          varchar(64)   NOT NULL,
    event_type     varchar(128)  NOT NULL,
    source         varchar(128)  NOT NULL,
    subject        varchar(317)  NOT NULL,
    rotation_id    varchar(64),
    event_time     timestamptz   NOT NULL,
    payload        text          NOT NULL,
    created_at     timestamptz   NOT NULL,
    sent_at        timestamptz
);
CREATE INDEX outbox_unsent ON outbox (created_at) WHERE sent_at IS NULL;
CREATE INDEX outbox_by_cause ON outbox (cause_event_id);

-- When a target with a cadence was first seen: a target never rotated falls due one cadence
-- after this, so deploying Rotor does not rotate every target at once.
CREATE TABLE cadence_baseline (
    target_id     varchar(317) PRIMARY KEY,
    first_seen_at timestamptz  NOT NULL
);

-- What the cadence sent for a due date: one reminder and one request at most, ever.
CREATE TABLE cadence_event (
    target_id   varchar(317) NOT NULL,
    due_at      timestamptz  NOT NULL,
    kind        varchar(16)  NOT NULL,
    event_id    varchar(64)  NOT NULL,
    rotation_id varchar(64),
    created_at  timestamptz  NOT NULL,
    CONSTRAINT cadence_event_once PRIMARY KEY (target_id, due_at, kind),
    CONSTRAINT cadence_event_kind_known CHECK (kind IN ('REMINDER', 'REQUEST')),
    CONSTRAINT cadence_event_request_has_rotation CHECK ((kind = 'REQUEST') = (rotation_id IS NOT NULL))
);
