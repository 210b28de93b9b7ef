-- A checkpoint whose publications fail for a reason not known to be transient is quarantined only
-- once it failed checkpoint.publish-max-attempts times in a row and the first of those failures is
-- checkpoint.quarantine-after old, so that a short failure every checkpoint meets alike quarantines
-- nothing. NULL while the checkpoint has no such failure (and for checkpoints that failed before
-- this column: their next failure sets it). The application may update it, as it may attempts.
ALTER TABLE checkpoint_outbox ADD COLUMN first_failed_at timestamptz;
GRANT UPDATE (first_failed_at) ON checkpoint_outbox TO ${app_role};
