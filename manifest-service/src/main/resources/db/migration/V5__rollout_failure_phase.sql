-- The phase and reason of a rollout.failed, so a rollback can tell whether the new key ever
-- reached a cluster's Secret (a SealedSecret entry no controller unsealed is withdrawn).
alter table rotation_input add column phase varchar(16);
alter table rotation_input add column reason varchar(40);
