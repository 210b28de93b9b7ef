-- The W3C trace context (null when tracing is off, docs/tracing.md): of the event that last woke
-- the rotation, so the worker's step continues its trace, and of the step that wrote each outbox
-- event, so the send does too.
ALTER TABLE rotation ADD COLUMN traceparent varchar(64);
ALTER TABLE rotation ADD COLUMN tracestate varchar(512);
ALTER TABLE outbox ADD COLUMN traceparent varchar(64);
ALTER TABLE outbox ADD COLUMN tracestate varchar(512);
