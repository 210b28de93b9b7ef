package dev.rotor.notifier;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotor.common.event.CloudEventBinding;
import dev.rotor.common.event.EventCodec;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.RotorEvent;
import dev.rotor.common.event.SampleEvents;
import dev.rotor.testsupport.KafkaTestClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import java.util.function.Consumer;

/** Valid events of the contract for the notifier's tests: each with a fresh id. */
public final class TestEvents {
  private TestEvents() {}

  /** A rotation id no other test uses. */
  public static String newRotationId() {
    return "rot-" + UUID.randomUUID();
  }

  /** The sample event of {@code type} (SampleEvents), in rotation {@code rotationId}. */
  public static EventEnvelope of(EventType type, String rotationId) {
    return of(type, rotationId, data -> {});
  }

  /**
   * The sample event of {@code type} in rotation {@code rotationId}, its JSON data changed by
   * {@code edit} first.
   */
  public static EventEnvelope of(EventType type, String rotationId, Consumer<ObjectNode> edit) {
    RotorEvent sample = SampleEvents.of(type);
    try {
      ObjectNode json = (ObjectNode) EventCodec.mapper().readTree(EventCodec.encode(sample));
      if (json.has("rotationId") && rotationId != null) {
        json.put("rotationId", rotationId);
      }
      edit.accept(json);
      RotorEvent data = EventCodec.decode(type, EventCodec.mapper().writeValueAsBytes(json));
      return new EventEnvelope(
          UUID.randomUUID().toString(),
          type,
          SampleEvents.sourceOf(type),
          data.subject(),
          data.rotationId(),
          Instant.now().truncatedTo(ChronoUnit.MILLIS),
          data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Produces {@code event} to its type's topic, as its producer would, and returns its offset. */
  public static long produce(KafkaTestClient client, EventEnvelope event) {
    return client
        .produce(
            event.type().topics().get(0),
            event.subject(),
            CloudEventBinding.headers(event),
            EventCodec.encode(event.data()))
        .offset();
  }
}
