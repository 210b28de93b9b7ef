-- An outbox row that can never be sent (its event no longer decodes or is over the size limit,
-- Kafka refuses the record for good, or it failed outbox.max-attempts times in a row for a reason
-- not known to be transient, the first of them outbox.quarantine-after ago) is quarantined: set
-- aside with the reason, so that it no longer holds up the rows after it. docs/key-generator.md
-- says how to inspect and re-queue them.
ALTER TABLE outbox ADD COLUMN attempts integer NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN first_failed_at timestamptz;
ALTER TABLE outbox ADD COLUMN quarantined_at timestamptz;
ALTER TABLE outbox ADD COLUMN quarantine_reason varchar(600);
-- The relay pages through what is unsent and not quarantined, oldest first.
DROP INDEX outbox_unsent;
CREATE INDEX outbox_unsent ON outbox (created_at, event_id)
    WHERE sent_at IS NULL AND quarantined_at IS NULL;
CREATE INDEX outbox_quarantined ON outbox (quarantined_at) WHERE quarantined_at IS NOT NULL;
