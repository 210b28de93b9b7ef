-- Sent outbox rows are purged once outbox.keep-sent old (OutboxPurge), so their sealed key material
-- does not stay in the database for ever. Two things follow.
--
-- The purge deletes by sent_at, in batches: this index finds them without reading the whole table.
CREATE INDEX outbox_sent ON outbox (sent_at) WHERE sent_at IS NOT NULL AND quarantined_at IS NULL;
--
-- The outbox no longer remembers every request it answered, so the rotation row recognises a
-- redelivered request too (request_event_id): the request's CloudEvents source and the SHA-256 the
-- outbox keeps as cause_digest tell a redelivery from another request reusing its event id. Rows
-- written before this migration take them from their answer in the outbox, still there now (V4
-- and later wrote a digest); a row older than V4 has none: a request with its event id, rotation
-- id and target counts as a redelivery, as the outbox counts one without a digest.
ALTER TABLE rotation ADD COLUMN request_source varchar(128);
ALTER TABLE rotation ADD COLUMN request_digest varchar(64);
UPDATE rotation r
   SET request_source = o.cause_source, request_digest = o.cause_digest
  FROM outbox o
 WHERE o.cause_event_id = r.request_event_id
   AND o.cause_source IS NOT NULL
   AND o.cause_digest IS NOT NULL;
