-- Sent outbox rows are purged once outbox.keep-sent old (OutboxPurge), in batches: this index finds
-- them without reading the whole table.
CREATE INDEX outbox_sent ON outbox (sent_at) WHERE sent_at IS NOT NULL AND quarantined_at IS NULL;
