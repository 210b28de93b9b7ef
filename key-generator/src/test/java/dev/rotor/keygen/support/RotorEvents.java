package dev.rotor.keygen.support;

import dev.rotor.common.event.CloudEventBinding;
import dev.rotor.common.event.EventCodec;
import dev.rotor.common.event.EventDecodingException;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.event.Reasons;
import dev.rotor.common.event.RotationCompleted;
import dev.rotor.common.event.RotationFailed;
import dev.rotor.common.event.RotationRejected;
import dev.rotor.common.event.RotationRequested;
import dev.rotor.common.event.RotationRolledBack;
import dev.rotor.common.event.RotorEvent;
import dev.rotor.common.event.Sources;
import dev.rotor.common.event.StageVerdict;
import dev.rotor.common.event.Topics;
import dev.rotor.common.messaging.KafkaEvents;
import dev.rotor.testsupport.KafkaTestClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/** Events as the key-generator's neighbours send them, and reading what it sends. */
public final class RotorEvents {
  public static final Duration TIMEOUT = Duration.ofSeconds(30);
  public static final String CLI = "/rotor/cli";
  public static final String VERIFIER = "/rotor/verifier";
  public static final String MANIFEST_SERVICE = "/rotor/manifest-service";
  public static final String KEY_GENERATOR = "/rotor/key-generator";
  public static final String COMMIT = "5d41402abc4b2a76b9719d911017c592aa5a1b7c";

  /** The topics the leak check reads: every event topic and the dead-letter topic. */
  public static final String ALL_TOPICS =
      "rotor.requests,rotor.keys,rotor.manifests,rotor.rollouts,rotor.verifications,"
          + "rotor.approvals,rotor.ledger,rotor.dlq";

  private RotorEvents() {}

  /** A {@code rotation.requested} from rotorctl with a fresh event id. */
  public static EventEnvelope request(
      String rotationId, String targetId, String requestedBy, String reason, List<String> stages) {
    return EventEnvelope.of(
        new RotationRequested(rotationId, targetId, requestedBy, reason, stages, Instant.now()),
        CLI,
        Clock.systemUTC());
  }

  /** A request by alice for every stage. */
  public static EventEnvelope request(String rotationId, String targetId) {
    return request(rotationId, targetId, "alice", "quarterly rotation", List.of());
  }

  /** A fresh rotation id. */
  public static String newRotationId() {
    return UUID.randomUUID().toString();
  }

  /** Publishes {@code event} to its type's topic as a plain KafkaProducer would. */
  public static RecordMetadata publish(KafkaTestClient client, EventEnvelope event) {
    return publish(client, event, event.type().topics().get(0));
  }

  public static RecordMetadata publish(KafkaTestClient client, EventEnvelope event, String topic) {
    return client.produce(
        topic, event.subject(), CloudEventBinding.headers(event), EventCodec.encode(event.data()));
  }

  /** The id the key-generator gives the event of {@code type} it sends because of {@code cause}. */
  public static String causedId(EventEnvelope cause, EventType type) {
    String name =
        cause.id()
            + "|"
            + type.cloudEventType()
            + "|"
            + cause.subject()
            + "|"
            + Sources.of("key-generator");
    return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
  }

  /** The events of a topic's records (records that are not valid events are left out). */
  public static List<EventEnvelope> decode(List<ConsumerRecord<byte[], byte[]>> records) {
    List<EventEnvelope> events = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> record : records) {
      try {
        events.add(KafkaEvents.fromRecord(record));
      } catch (EventDecodingException e) {
        // Not an event (rotor.dlq holds raw records); the caller looks for events only.
      }
    }
    return events;
  }

  /** Every event on {@code topic} now that matches. */
  public static List<EventEnvelope> events(
      KafkaTestClient client, String topic, Predicate<EventEnvelope> match) {
    return decode(client.readAll(topic)).stream().filter(match).toList();
  }

  /** Waits until {@code topic} holds at least {@code count} matching events, and returns them. */
  public static List<EventEnvelope> awaitEvents(
      KafkaTestClient client, String topic, Predicate<EventEnvelope> match, int count) {
    List<ConsumerRecord<byte[], byte[]>> records =
        client.readUntil(
            topic, read -> decode(read).stream().filter(match).count() >= count, TIMEOUT);
    return decode(records).stream().filter(match).toList();
  }

  /** Waits for the event with id {@code eventId} on {@code topic}. */
  public static EventEnvelope awaitEvent(KafkaTestClient client, String topic, String eventId) {
    return awaitEvents(client, topic, e -> e.id().equals(eventId), 1).get(0);
  }

  /** Requests a rotation of {@code targetId} and waits for its key: the target is in flight. */
  public static KeyGenerated rotate(KafkaTestClient client, String targetId) {
    EventEnvelope request = request(newRotationId(), targetId);
    publish(client, request);
    return awaitKey(client, request);
  }

  /** Waits for the key-generator's answer to {@code request}: its key.generated. */
  public static KeyGenerated awaitKey(KafkaTestClient client, EventEnvelope request) {
    RotorEvent data =
        awaitEvent(client, Topics.KEYS, causedId(request, EventType.KEY_GENERATED)).data();
    return (KeyGenerated) data;
  }

  /** Waits for the key-generator's answer to {@code request}: its rotation.rejected. */
  public static RotationRejected awaitRejection(KafkaTestClient client, EventEnvelope request) {
    RotorEvent data =
        awaitEvent(client, Topics.KEYS, causedId(request, EventType.ROTATION_REJECTED)).data();
    return (RotationRejected) data;
  }

  /** Every event on rotor.keys that answers {@code request}, key or rejection, duplicates kept. */
  public static List<EventEnvelope> answers(KafkaTestClient client, EventEnvelope request) {
    String key = causedId(request, EventType.KEY_GENERATED);
    String rejected = causedId(request, EventType.ROTATION_REJECTED);
    return events(client, Topics.KEYS, e -> e.id().equals(key) || e.id().equals(rejected));
  }

  /** The verifier's {@code rotation.completed} of the rotation {@code key} was generated for. */
  public static EventEnvelope completed(KeyGenerated key) {
    return completed(key, Clock.systemUTC());
  }

  /** Like {@link #completed(KeyGenerated)}, at the time {@code clock} reads. */
  public static EventEnvelope completed(KeyGenerated key, Clock clock) {
    return EventEnvelope.of(
        new RotationCompleted(
            key.rotationId(),
            key.targetId(),
            key.plan(),
            null,
            key.fingerprint(),
            key.requestedBy(),
            List.of("bob"),
            COMMIT,
            key.plan().stages().stream()
                .map(s -> new StageVerdict(s.cluster(), Reasons.Verdict.PASSED, clock.instant()))
                .toList()),
        VERIFIER,
        clock);
  }

  /** The verifier's {@code rotation.rolled-back} of the rotation of {@code key}. */
  public static EventEnvelope rolledBack(KeyGenerated key) {
    return EventEnvelope.of(
        new RotationRolledBack(
            key.rotationId(),
            key.targetId(),
            key.plan(),
            "verification failed: error rate",
            List.of(TestPolicy.STAGING),
            COMMIT),
        VERIFIER,
        Clock.systemUTC());
  }

  /** A {@code rotation.failed} of the rotation of {@code key}, from {@code source}. */
  public static EventEnvelope failed(KeyGenerated key, String source) {
    return EventEnvelope.of(
        new RotationFailed(
            key.rotationId(),
            key.targetId(),
            key.plan(),
            Reasons.RotationFailure.REVIEW_REJECTED,
            "bob rejected the change"),
        source,
        Clock.systemUTC());
  }
}
