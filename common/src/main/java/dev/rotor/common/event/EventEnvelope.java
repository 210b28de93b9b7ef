package dev.rotor.common.event;

import static dev.rotor.common.Checks.nonEmpty;
import static dev.rotor.common.Checks.present;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

/**
 * A Rotor event as a CloudEvent: the attributes and the data record. The id is the idempotency key:
 * a consumer that has seen an id does nothing the second time.
 *
 * @param id the event id (CloudEvents {@code id})
 * @param type the event type
 * @param source the producer, {@code /rotor/<service>[/<cluster>]} for Rotor's services
 * @param subject the target id (the Kafka record key)
 * @param rotationId the rotation (CloudEvents extension {@code rotationid}); {@code null} outside a
 *     rotation
 * @param time when the event happened
 * @param data the event's data
 */
public record EventEnvelope(
    String id,
    EventType type,
    String source,
    String subject,
    String rotationId,
    Instant time,
    RotorEvent data) {

  public EventEnvelope {
    nonEmpty(id, "id");
    present(type, "type");
    nonEmpty(source, "source");
    present(time, "time");
    present(data, "data");
    if (type != data.type()) {
      throw new IllegalArgumentException("type: does not match the data's type");
    }
  }

  /** A new event with a random id. */
  public static EventEnvelope of(RotorEvent data, String source, Clock clock) {
    return new EventEnvelope(
        UUID.randomUUID().toString(),
        data.type(),
        source,
        data.subject(),
        data.rotationId(),
        clock.instant().truncatedTo(ChronoUnit.MILLIS),
        data);
  }

  /**
   * An event caused by another one, with an id derived from the cause's id and this event's type,
   * subject and source. Processing a redelivered cause again yields the same id, so everything
   * downstream (and the ledger) sees a duplicate, not a second event. The source is part of the id
   * because several producers may answer one cause with the same type and subject (each
   * cluster-agent's {@code rollback.completed} for one {@code manifest.rolled-back}); they are
   * different events and must not be taken for duplicates of each other.
   */
  public static EventEnvelope causedBy(
      String causeId, RotorEvent data, String source, Clock clock) {
    String name =
        causeId + "|" + data.type().cloudEventType() + "|" + data.subject() + "|" + source;
    return new EventEnvelope(
        UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString(),
        data.type(),
        source,
        data.subject(),
        data.rotationId(),
        clock.instant().truncatedTo(ChronoUnit.MILLIS),
        data);
  }
}
