-- CloudEvents promise that source + id identifies an event, not the id alone: with UNIQUE
-- (event_id), anyone who may write one topic could publish an event under the id another
-- producer's event will have (derived ids are predictable) and so keep that event out of the log.
-- An event id is now unique per source; the index leads with event_id so lookups by id use it.
-- Only a constraint changes: no entry is touched, and every stored entry is unique under it.
ALTER TABLE entries DROP CONSTRAINT entries_event_id_unique;
ALTER TABLE entries ADD CONSTRAINT entries_event_id_source_unique UNIQUE (event_id, source);
