-- Each channel's queue: one row per routed event and channel, numbered in the order the consumer
-- read the events. The consumer inserts the rows of a record in one transaction, then the record is
-- acknowledged; each channel's delivery loop takes its pending rows in seq order. A row is never
-- deleted when it finishes: it becomes 'delivered' or 'given-up' (dead-lettered once, with why).
create table notifier_queue (
    seq              bigint generated always as identity primary key,
    event_id         text        not null,
    -- The Slack channel as configured (like notifier_delivery.channel), and its configured name.
    channel          text        not null,
    channel_name     text        not null,
    event_type       text        not null,
    rotation_id      text,
    -- The record as read, to decode the event again and to dead-letter it as read.
    record_topic     text        not null,
    record_partition integer     not null,
    record_offset    bigint      not null,
    record_timestamp bigint      not null,
    record_key       text,
    record_value     bytea,
    record_headers   text        not null,
    -- The W3C trace context of the consumer's span: each delivery is a span of the event's trace.
    traceparent      text,
    tracestate       text,
    state            text        not null default 'pending'
                     check (state in ('pending', 'delivered', 'given-up')),
    enqueued_at      timestamptz not null,
    attempts         integer     not null default 0 check (attempts >= 0),
    first_attempt_at timestamptz,
    next_attempt_at  timestamptz,
    last_error       text,
    finished_at      timestamptz,
    -- Why it was given up: the dead-letter reason (secrets redacted).
    outcome          text,
    unique (event_id, channel)
);
create index notifier_queue_pending on notifier_queue (channel, seq) where state = 'pending';
