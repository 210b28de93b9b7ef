-- When a cluster-agent completed a phase on a cluster (rollout.completed, distribute or promote):
-- the new key then reached that cluster's Secret, so a rollback check there requires it still in
-- the ring. Where no phase completed (the distribute failed, e.g. a SealedSecret the controller
-- could not unseal), the rollback may have removed the key, and the check does not require it.
CREATE TABLE rollout_completion (
    rotation_id  VARCHAR(64)  NOT NULL,
    cluster      VARCHAR(63)  NOT NULL,
    phase        VARCHAR(16)  NOT NULL,
    completed_at TIMESTAMPTZ  NOT NULL,
    event_id     VARCHAR(256) NOT NULL,
    PRIMARY KEY (rotation_id, cluster, phase)
);
