-- A checkpoint that can never be published (Kafka refuses its record for good, or it failed
-- checkpoint.publish-max-attempts times in a row for a reason not known to be transient) is
-- quarantined: it stays in the outbox with the reason and the checkpoints after it are published.
-- Each checkpoint covers the whole log up to its size, so a later one stands in for it; nothing is
-- held behind it. docs/ledger-service.md says how to inspect and re-queue one. The application may
-- change only these columns; checkpoints themselves stay append-only.
ALTER TABLE checkpoint_outbox ADD COLUMN attempts integer NOT NULL DEFAULT 0;
ALTER TABLE checkpoint_outbox ADD COLUMN quarantined_at timestamptz;
ALTER TABLE checkpoint_outbox ADD COLUMN quarantine_reason varchar(600);
GRANT UPDATE (attempts, quarantined_at, quarantine_reason) ON checkpoint_outbox TO ${app_role};
