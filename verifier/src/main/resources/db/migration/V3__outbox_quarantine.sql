-- An outbox row that can never be sent (its event no longer decodes, Kafka refuses the record for
-- good, or it failed outbox.max-attempts times in a row for a reason not known to be transient) is
-- quarantined: set aside with the reason, so that the rows after it go out. Rows of the same
-- rotation after it are quarantined too (reason 'follows quarantined row <seq>'), so that no
-- consumer sees a rotation's later events without the earlier one. docs/verifier.md says how to
-- inspect and re-queue them.
ALTER TABLE outbox ADD COLUMN attempts integer NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN quarantined_at timestamptz;
ALTER TABLE outbox ADD COLUMN quarantine_reason varchar(600);
CREATE INDEX outbox_quarantined ON outbox (rotation_id, seq) WHERE quarantined_at IS NOT NULL;
