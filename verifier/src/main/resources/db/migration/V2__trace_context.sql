-- The W3C trace context (null when tracing is off, docs/tracing.md): of the event that started a
-- soak, so its rounds and the verdict after the soak continue that trace, also after a restart;
-- and of the span that decided an outbox event, so the relay continues it.
ALTER TABLE soak ADD COLUMN traceparent varchar(64);
ALTER TABLE soak ADD COLUMN tracestate varchar(512);
ALTER TABLE outbox ADD COLUMN traceparent varchar(64);
ALTER TABLE outbox ADD COLUMN tracestate varchar(512);
