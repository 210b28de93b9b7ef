-- Sent outbox rows are purged once outbox.keep-sent old (OutboxPurge), in batches: this index finds
-- them without reading the whole table.
create index outbox_sent on outbox (sent_at) where sent_at is not null and quarantined_at is null;
