-- The retention purge (RetentionPurge) looks up and deletes a rotation's queue rows by rotation id,
-- like notifier_delivery_rotation does for deliveries.
create index notifier_queue_rotation on notifier_queue (rotation_id);
