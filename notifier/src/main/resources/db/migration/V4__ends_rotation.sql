-- Whether the event of a row ends its rotation (RotationEvents.endsRotation): a rotation.completed,
-- rotation.rolled-back or rotation.failed, or a rotation.rejected that answers the rotation's own
-- request. A DUPLICATE rejection answers a later request that reused the id of an earlier rotation:
-- it names that rotation but does not end it, so the retention purge (RetentionPurge) must not take
-- it for the rotation's end. The event type alone cannot tell, so the notifier records it.
alter table notifier_queue add column ends_rotation boolean not null default false;
alter table notifier_delivery add column ends_rotation boolean not null default false;

-- Rows written before: a queue row holds its record, whose value is the event's JSON data; a
-- rejection that says DUPLICATE anywhere in it is taken for a DUPLICATE one (keeping a rotation's
-- rows longer is the safe side).
update notifier_queue set ends_rotation = true
    where event_type in ('rotation.completed', 'rotation.rolled-back', 'rotation.failed')
       or (event_type = 'rotation.rejected'
           and (record_value is null or position('"DUPLICATE"'::bytea in record_value) = 0));
-- A delivery takes its event's queue row; a rejection delivered before the queues existed (V2)
-- has none and keeps counting as an end, as it did.
update notifier_delivery d set ends_rotation = true
    where d.event_type in ('rotation.completed', 'rotation.rolled-back', 'rotation.failed')
       or (d.event_type = 'rotation.rejected'
           and not exists (select 1 from notifier_queue q
                           where q.event_id = d.event_id and not q.ends_rotation));
