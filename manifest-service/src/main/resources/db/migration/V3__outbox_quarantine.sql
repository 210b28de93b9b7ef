-- An outbox event that can never be sent (it no longer decodes, Kafka refuses it for good, or it
-- failed outbox.max-attempts times in a row for a reason not known to be transient) is quarantined:
-- set aside with the reason, so that the events after it go out. Later events of the same rotation
-- are quarantined behind it (reason 'follows quarantined row <id>'), so that no consumer sees a
-- rotation's later events without the earlier one. docs/manifest-service.md says how to inspect
-- and re-queue them.
alter table outbox add column attempts integer not null default 0;
alter table outbox add column quarantined_at timestamptz;
alter table outbox add column quarantine_reason varchar(600);
create index outbox_quarantined on outbox (rotation_id, id) where quarantined_at is not null;
