-- A rotation whose rotation.requested the ledger has not recorded is UNREQUESTED (its events'
-- status moves to the record's "progress" field until the request arrives). Records written
-- before this folded such a rotation to REQUESTED or further, as if someone had asked for it;
-- they are rewritten here to what the entries fold to now, so the API says the truth and a
-- verification's rebuild of each record matches the stored one. Only requestedAt is set by
-- rotation.requested, so a record without it has none. Entries are not touched: the rotations
-- table is derived data.
UPDATE rotations
   SET status = 'UNREQUESTED',
       record = jsonb_set(record, '{progress}', record -> 'status')
                || jsonb_build_object('status', 'UNREQUESTED')
 WHERE record -> 'requestedAt' IS NULL
   AND status <> 'UNREQUESTED';
