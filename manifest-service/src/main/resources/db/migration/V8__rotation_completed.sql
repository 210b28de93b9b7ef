-- A rotation that completed stays MERGED in the manifest-service (a person may still roll it
-- back), so its end is not ended_at: the verifier's rotation.completed, recorded here when it
-- arrives for the MERGED rotation of the same target (completed_at by the service's clock, and the
-- event's id). Null: no completion seen. KeyMaterialPurge drops the sealed key of a MERGED row
-- completed more than key-material.keep ago; the index finds those not yet purged.
alter table rotation add column completed_at timestamptz;
alter table rotation add column completed_event_id varchar(200);
create index rotation_completed_unpurged on rotation (completed_at)
    where completed_at is not null and key_material_purged_at is null;
