-- The sealed key of a rotation (key_event's sealed and escrow) is needed only while the rotation
-- is open. Once it ended (ROLLED_BACK or FAILED) more than key-material.keep ago, KeyMaterialPurge
-- replaces key_event with the event's public fields only (ids, requester, key id, fingerprint,
-- time, plan) and sets key_material_purged_at, so that a dump of the table together with a later
-- stolen identity or sealing key no longer opens past keys. Null: the row still holds the event
-- whole. The index finds the ended rows not yet purged without reading the whole table.
alter table rotation add column key_material_purged_at timestamptz;
create index rotation_key_material_unpurged on rotation (ended_at)
    where ended_at is not null and key_material_purged_at is null;
