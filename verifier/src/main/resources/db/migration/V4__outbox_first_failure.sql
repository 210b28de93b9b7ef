-- A row whose sends fail for a reason not known to be transient is quarantined only once it failed
-- outbox.max-attempts times in a row and the first of those failures is outbox.quarantine-after
-- old, so that a short failure every row meets alike quarantines nothing. NULL while the row has no
-- such failure (and for rows that failed before this column: their next failure sets it).
ALTER TABLE outbox ADD COLUMN first_failed_at timestamptz;
