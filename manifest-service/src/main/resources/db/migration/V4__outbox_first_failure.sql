-- An event whose sends fail for a reason not known to be transient is quarantined only once it
-- failed outbox.max-attempts times in a row and the first of those failures is
-- outbox.quarantine-after old, so that a short failure every event meets alike quarantines nothing.
-- Null while the event has no such failure (and for events that failed before this column: their
-- next failure sets it).
alter table outbox add column first_failed_at timestamptz;
