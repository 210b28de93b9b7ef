-- The verifier's durable state: what it knows of each rotation, the soaks it runs, the verdicts it
-- decided, the events it processed, and the events it decided but Kafka has not acknowledged yet.
-- No key material: key ids and fingerprints only.

-- What the verifier learned of a rotation from rotor.keys and rotor.manifests.
CREATE TABLE rotation (
    rotation_id          VARCHAR(64)  PRIMARY KEY,
    target_id            VARCHAR(317) NOT NULL,
    plan                 TEXT,
    requested_by         VARCHAR(256),
    key_id               VARCHAR(8),
    fingerprint          VARCHAR(64),
    previous_key_id      VARCHAR(8),
    previous_fingerprint VARCHAR(64),
    approvers            TEXT         NOT NULL DEFAULT '[]',
    merge_commit         VARCHAR(64),
    rollback_commit      VARCHAR(64),
    rollback_cause       TEXT,
    rollback_clusters    TEXT,
    rollback_event_id    VARCHAR(256),
    outcome              VARCHAR(16),
    created_at           TIMESTAMPTZ  NOT NULL,
    updated_at           TIMESTAMPTZ  NOT NULL,
    version              BIGINT       NOT NULL DEFAULT 0
);

-- When a cluster-agent started each phase on a cluster: the baseline ends, and pods must start after.
CREATE TABLE rollout_start (
    rotation_id VARCHAR(64) NOT NULL,
    cluster     VARCHAR(63) NOT NULL,
    phase       VARCHAR(16) NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    event_id    VARCHAR(256) NOT NULL,
    PRIMARY KEY (rotation_id, cluster, phase)
);

-- One soak per rotation, cluster and kind (a stage after its promote rollout, or a rollback check).
CREATE TABLE soak (
    id                      BIGSERIAL    PRIMARY KEY,
    rotation_id             VARCHAR(64)  NOT NULL,
    cluster                 VARCHAR(63)  NOT NULL,
    kind                    VARCHAR(16)  NOT NULL,
    target_id               VARCHAR(317) NOT NULL,
    plan                    TEXT         NOT NULL,
    stage_index             INTEGER      NOT NULL,
    cause_event_id          VARCHAR(256) NOT NULL,
    applied_commit          VARCHAR(64)  NOT NULL,
    claimed_fingerprint     VARCHAR(64),
    claimed_primary_key_id  VARCHAR(8)      NOT NULL,
    claimed_pods            TEXT         NOT NULL DEFAULT '[]',
    rollout_completed_at    TIMESTAMPTZ  NOT NULL,
    started_at              TIMESTAMPTZ  NOT NULL,
    soak_ends_at            TIMESTAMPTZ  NOT NULL,
    interval_millis         BIGINT       NOT NULL,
    next_check_at           TIMESTAMPTZ  NOT NULL,
    progress                TEXT         NOT NULL,
    status                  VARCHAR(16)  NOT NULL,
    reason                  VARCHAR(32),
    message                 TEXT,
    evidence                TEXT,
    decided_at              TIMESTAMPTZ,
    version                 BIGINT       NOT NULL DEFAULT 0,
    CONSTRAINT soak_once UNIQUE (rotation_id, cluster, kind),
    CONSTRAINT soak_kind CHECK (kind IN ('STAGE', 'ROLLBACK')),
    CONSTRAINT soak_status CHECK (status IN ('RUNNING', 'PASSED', 'FAILED', 'INCONCLUSIVE', 'FORCED', 'CANCELLED'))
);
CREATE INDEX soak_due ON soak (next_check_at) WHERE status = 'RUNNING';
CREATE INDEX soak_rotation ON soak (rotation_id);

-- Every verdict, once: a restarted or duplicated verifier cannot decide the same verdict twice.
CREATE TABLE verdict (
    id          BIGSERIAL    PRIMARY KEY,
    rotation_id VARCHAR(64)  NOT NULL,
    cluster     VARCHAR(63)  NOT NULL,
    kind        VARCHAR(16)  NOT NULL,
    verdict     VARCHAR(16)  NOT NULL,
    event_id    VARCHAR(256) NOT NULL UNIQUE,
    decided_at  TIMESTAMPTZ  NOT NULL,
    CONSTRAINT verdict_once UNIQUE (rotation_id, cluster, kind, verdict)
);

-- Events processed (the event id is the idempotency key).
CREATE TABLE processed_event (
    event_id     VARCHAR(256) PRIMARY KEY,
    type         VARCHAR(64)  NOT NULL,
    processed_at TIMESTAMPTZ  NOT NULL
);

-- Events decided in the same transaction as their cause, sent after the commit.
CREATE TABLE outbox (
    seq         BIGSERIAL    PRIMARY KEY,
    event_id    VARCHAR(256) NOT NULL UNIQUE,
    type        VARCHAR(64)  NOT NULL,
    source      VARCHAR(256) NOT NULL,
    subject     VARCHAR(317),
    rotation_id VARCHAR(64),
    event_time  TIMESTAMPTZ  NOT NULL,
    data        BYTEA        NOT NULL,
    created_at  TIMESTAMPTZ  NOT NULL,
    sent_at     TIMESTAMPTZ
);
CREATE INDEX outbox_unsent ON outbox (seq) WHERE sent_at IS NULL;
