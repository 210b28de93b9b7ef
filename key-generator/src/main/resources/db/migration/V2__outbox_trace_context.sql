-- The W3C trace context of the span that decided the event (null when tracing is off), so the
-- relay continues the trace instead of starting a new one (docs/tracing.md).
ALTER TABLE outbox ADD COLUMN traceparent varchar(64);
ALTER TABLE outbox ADD COLUMN tracestate varchar(512);
