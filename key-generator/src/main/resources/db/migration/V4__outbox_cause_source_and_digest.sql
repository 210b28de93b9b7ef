-- The request an answer was decided for, beyond its event id: its CloudEvents source and a
-- SHA-256 of its type, subject, rotation id and data. A request with an event id already answered
-- is a redelivery only when both match; another request reusing the id is dead-lettered instead of
-- being taken for a redelivery and dropped without an answer. NULL for rows written before this
-- migration (and for the cadence's own events, which have no cause): those ids count as
-- redeliveries, as before.
ALTER TABLE outbox ADD COLUMN cause_source varchar(128);
ALTER TABLE outbox ADD COLUMN cause_digest varchar(64);
