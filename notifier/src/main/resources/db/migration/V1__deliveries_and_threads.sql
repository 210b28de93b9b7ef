-- One row per event delivered to a channel: the durable record that makes delivery happen once.
create table notifier_delivery (
    event_id     text        not null,
    channel      text        not null,
    event_type   text        not null,
    rotation_id  text,
    slack_ts     text,
    thread_ts    text,
    attempts     integer     not null check (attempts >= 1),
    delivered_at timestamptz not null,
    primary key (event_id, channel)
);
create index notifier_delivery_rotation on notifier_delivery (rotation_id);

-- The thread of a rotation in a channel: the ts of its first message, named by every reply.
create table notifier_thread (
    rotation_id text        not null,
    channel     text        not null,
    ts          text        not null,
    event_id    text        not null,
    created_at  timestamptz not null,
    primary key (rotation_id, channel)
);

-- What later messages of a rotation show: the new key's fingerprint (never the key) and the
-- change request.
create table notifier_rotation (
    rotation_id        text primary key,
    target_id          text        not null,
    fingerprint        text check (fingerprint ~ '^[0-9a-f]{64}$'),
    change_request_url text,
    updated_at         timestamptz not null
);
