-- The manifest-service's durable state. Git stays the source of truth for what was written
-- (branches, trailers); these tables hold what Git cannot: the plan and sealed key of each
-- rotation, the approvals received, the clusters that applied it, and the events to send.
-- Key material appears here only sealed (SealedSecret values, age files), never in plaintext.

create table rotation (
    rotation_id              varchar(64)   primary key,
    target_id                varchar(317)  not null,
    status                   varchar(24)   not null,
    key_event_id             varchar(200)  not null unique,
    key_event                text          not null,
    requested_by             varchar(200)  not null,
    key_id                   varchar(8)    not null,
    fingerprint              varchar(64)   not null,
    provider                 varchar(16)   not null,
    previous_key_id          varchar(8),
    branch                   varchar(400),
    base_commit              varchar(40),
    distribute_commit        varchar(40),
    promote_commit           varchar(40),
    change_request_repo      varchar(200),
    change_request_number    integer,
    change_request_url       varchar(500),
    merged_commit            varchar(40),
    merged_distribute_commit varchar(40),
    merged_promote_commit    varchar(40),
    approvers                text,
    forced                   boolean       not null default false,
    rollback_event_id        varchar(200),
    rollback_commit          varchar(40),
    rollback_clusters        text,
    failure_reason           varchar(32),
    failure_message          text,
    attempts                 integer       not null default 0,
    next_attempt_at          timestamptz,
    last_error               text,
    lease_owner              varchar(100),
    lease_until              timestamptz,
    input_version            bigint        not null default 0,
    created_at               timestamptz   not null,
    updated_at               timestamptz   not null,
    proposed_at              timestamptz,
    merged_at                timestamptz,
    ended_at                 timestamptz
);

create index rotation_due on rotation (next_attempt_at) where next_attempt_at is not null;
create index rotation_change_request on rotation (change_request_repo, change_request_number);
create index rotation_target on rotation (target_id);

-- What people and other services said about a rotation: approvals, review rejections and
-- rollback triggers. The event id makes a redelivered event a no-op.
create table rotation_input (
    event_id     varchar(200)  primary key,
    seq          bigserial     not null,
    rotation_id  varchar(64)   not null,
    target_id    varchar(317)  not null,
    kind         varchar(16)   not null,
    actor        varchar(200),
    force        boolean       not null default false,
    cluster      varchar(63),
    detail       varchar(2000),
    received_at  timestamptz   not null
);

create index rotation_input_rotation on rotation_input (rotation_id, seq);

-- The clusters on which a rollout of the rotation started: they roll back.
create table applied_cluster (
    rotation_id  varchar(64)   not null,
    cluster      varchar(63)   not null,
    event_id     varchar(200)  not null,
    seen_at      timestamptz   not null,
    primary key (rotation_id, cluster)
);

-- Events written in the same transaction as the state they report, sent after commit and again
-- on start-up until Kafka acknowledged them.
create table outbox (
    id           bigserial     primary key,
    event_id     varchar(200)  not null unique,
    topic        varchar(100)  not null,
    event_type   varchar(100)  not null,
    source       varchar(200)  not null,
    subject      varchar(317),
    rotation_id  varchar(64),
    event_time   timestamptz   not null,
    data         text          not null,
    created_at   timestamptz   not null,
    sent_at      timestamptz
);

create index outbox_unsent on outbox (id) where sent_at is null;
