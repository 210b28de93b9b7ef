-- Ids of processed events are purged once processed-events.keep old (ProcessedEventPurge), in
-- batches: this index finds them without reading the whole table.
CREATE INDEX processed_event_processed_at ON processed_event (processed_at);
