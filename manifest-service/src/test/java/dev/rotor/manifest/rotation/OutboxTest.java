package dev.rotor.manifest.rotation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.common.event.EventCodec;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.Reasons;
import dev.rotor.common.event.RotationFailed;
import dev.rotor.common.event.Sources;
import dev.rotor.common.event.Topics;
import dev.rotor.manifest.events.ManifestsTopic;
import dev.rotor.manifest.events.OutboxSender;
import dev.rotor.manifest.support.Events;
import dev.rotor.manifest.support.GitServerResource;
import dev.rotor.testsupport.CapturedLogs;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.KafkaTestClient;
import dev.rotor.testsupport.PostgresResource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.arc.ClientProxy;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusMock;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.ce.OutgoingCloudEventMetadata;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The outbox against a real Kafka and PostgreSQL: an event that can never be sent is quarantined
 * and the events after it go out, except those of its own rotation, which wait behind it; a broker
 * that is away quarantines nothing and loses nothing.
 */
@QuarkusTest
@WithTestResource(
    value = KafkaResource.class,
    scope = TestResourceScope.MATCHING_RESOURCES,
    initArgs =
        @ResourceArg(
            name = KafkaResource.TOPICS,
            value =
                "rotor.keys,rotor.manifests,rotor.rollouts,rotor.verifications,rotor.approvals,"
                    + "rotor.dlq"))
@WithTestResource(value = PostgresResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
@WithTestResource(value = GitServerResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class OutboxTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static CapturedLogs logs;

  private final KafkaTestClient kafka = new KafkaTestClient();

  @Inject OutboxSender sender;
  @Inject ManifestsTopic topic;
  @Inject MeterRegistry registry;
  @Inject OutboxPurge purge;
  @Inject java.time.Clock clock;

  @BeforeAll
  static void captureLogs() {
    logs = CapturedLogs.install();
  }

  @AfterEach
  void close() {
    kafka.close();
  }

  @Test
  void anEventThatNoLongerDecodesIsQuarantinedAndTheEventsOfOtherRotationsAfterItAreSent() {
    String poisoned = rotationId();
    String other = rotationId();
    EventEnvelope first = failed(poisoned, "alice");
    EventEnvelope held = failed(poisoned, "bob");
    EventEnvelope after = failed(other, "carol");
    EventEnvelope poisonEvent = failed(poisoned, "dave");
    String secret = "payload-" + poisoned;

    long poisonId =
        QuarkusTransaction.requiringNew()
            .call(
                () -> {
                  write(first);
                  OutboxEntry poison = OutboxEntry.of(poisonEvent, Topics.MANIFESTS, Instant.now());
                  // What an older version wrote and this one cannot read.
                  poison.data = "{\"unreadable\": \"" + secret + "\"}";
                  poison.persist();
                  write(held);
                  write(after);
                  return poison.id;
                });
    sender.sendUnsent();

    assertThat(sentIds(Set.of(poisoned, other), 2)).containsExactly(first.id(), after.id());
    OutboxEntry poison = entry(poisonEvent.id());
    assertThat(poison.sentAt).isNull();
    assertThat(poison.quarantinedAt).isNotNull();
    assertThat(poison.quarantineReason)
        .startsWith("cannot be read: EventDecodingException")
        .doesNotContain(secret);
    assertThat(entry(held.id()).quarantineReason).isEqualTo("follows quarantined row " + poisonId);
    assertThat(entry(held.id()).sentAt).isNull();

    List<String> logged = logs.containing("ROTOR-2062 event " + poisonEvent.id());
    assertThat(logged).hasSize(1);
    assertThat(logged.get(0))
        .startsWith("ERROR")
        .contains(poisonEvent.type().cloudEventType())
        .contains("rotation " + poisoned)
        .contains("EventDecodingException");
    assertThat(logs.text()).doesNotContain(secret);
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(
                        registry.get("rotor.manifest-service.outbox.quarantined").gauge().value())
                    .isGreaterThanOrEqualTo(2));

    // The operator repairs the row and re-queues the rotation (docs/manifest-service.md): it goes
    // out, then the event held behind it.
    QuarkusTransaction.requiringNew()
        .run(
            () ->
                OutboxEntry.update(
                    "data = ?1 where id = ?2",
                    new String(EventCodec.encode(poisonEvent.data()), StandardCharsets.UTF_8),
                    poisonId));
    requeue(poisoned);
    sender.sendUnsent();
    assertThat(sentIds(Set.of(poisoned), 3))
        .containsExactly(first.id(), poisonEvent.id(), held.id());
  }

  @Test
  void anEventKafkaRefusesForGoodIsQuarantinedAtOnceAndTheNextOneIsSent() {
    String refused = rotationId();
    String other = rotationId();
    EventEnvelope tooLarge = failed(refused, "alice");
    EventEnvelope next = failed(other, "bob");
    AtomicInteger tries = new AtomicInteger();
    failing(
        id -> {
          if (id.equals(tooLarge.id())) {
            tries.incrementAndGet();
            return new RecordTooLargeException("The message is 2000000 bytes when serialized");
          }
          return null;
        });

    QuarkusTransaction.requiringNew().run(() -> List.of(tooLarge, next).forEach(this::write));
    sender.sendUnsent();

    assertThat(sentIds(Set.of(refused, other), 1)).containsExactly(next.id());
    assertThat(entry(tooLarge.id()).quarantineReason)
        .isEqualTo(
            "refused by Kafka: RecordTooLargeException: The message is 2000000 bytes when"
                + " serialized");
    assertThat(tries).hasValue(1);
  }

  @Test
  void anEventThatKeepsFailingForAnUnknownReasonIsQuarantinedOnlyOnceItsFirstFailureIsOldEnough() {
    String stuckRotation = rotationId();
    String other = rotationId();
    EventEnvelope stuck = failed(stuckRotation, "alice");
    EventEnvelope next = failed(other, "bob");
    failing(id -> id.equals(stuck.id()) ? new KafkaException("strange") : null);

    QuarkusTransaction.requiringNew().run(() -> List.of(stuck, next).forEach(this::write));
    // More rounds than outbox.max-attempts (10 by default), all within outbox.quarantine-after (5
    // minutes by default): a short failure of a kind not yet classified quarantines nothing.
    await()
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              sender.sendUnsent();
              OutboxEntry entry = entry(stuck.id());
              return entry.attempts >= 12 || entry.quarantinedAt != null;
            });
    OutboxEntry failed = entry(stuck.id());
    assertThat(failed.quarantinedAt).isNull();
    assertThat(failed.firstFailedAt).isNotNull();
    assertThat(logs.containing("ROTOR-2060 event " + stuck.id()))
        .anySatisfy(line -> assertThat(line).startsWith("WARN").contains("attempt 11 since"));

    // The failure lasts: its first occurrence is now outbox.quarantine-after old.
    QuarkusTransaction.requiringNew()
        .run(
            () ->
                OutboxEntry.update(
                    "firstFailedAt = ?1 where id = ?2",
                    failed.firstFailedAt.minus(Duration.ofMinutes(5)),
                    failed.id));
    await()
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              sender.sendUnsent();
              return entry(stuck.id()).quarantinedAt != null;
            });

    assertThat(sentIds(Set.of(stuckRotation, other), 1)).containsExactly(next.id());
    OutboxEntry quarantined = entry(stuck.id());
    assertThat(quarantined.attempts).isGreaterThan(12);
    assertThat(quarantined.quarantineReason)
        .startsWith("failed " + quarantined.attempts + " times since ")
        .endsWith(", last: KafkaException: strange");
  }

  @Test
  void aBrokerThatIsAwayQuarantinesNothingAndEveryEventGoesOutInOrderOnceItIsBack() {
    String waiting = rotationId();
    String another = rotationId();
    List<EventEnvelope> events =
        List.of(
            failed(waiting, "alice"),
            failed(another, "bob"),
            failed(waiting, "carol"),
            failed(another, "dave"));
    // More rounds than outbox.max-attempts: a broker away is never the event's fault. Each round
    // starts with the oldest event, and the whole round fails, as when the broker is away.
    AtomicInteger roundsAway = new AtomicInteger(12);
    AtomicBoolean away = new AtomicBoolean();
    failing(
        id -> {
          if (id.equals(events.get(0).id())) {
            away.set(roundsAway.getAndDecrement() > 0);
          }
          return away.get() ? new TimeoutException("broker away") : null;
        });

    QuarkusTransaction.requiringNew().run(() -> events.forEach(this::write));
    await()
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              sender.sendUnsent();
              return entry(events.get(3).id()).sentAt != null;
            });

    assertThat(sentIds(Set.of(waiting, another), 4))
        .containsExactlyElementsOf(events.stream().map(EventEnvelope::id).toList());
    assertThat(roundsAway.get()).isNegative();
    for (EventEnvelope event : events) {
      assertThat(entry(event.id()).quarantinedAt).isNull();
      assertThat(entry(event.id()).attempts).isZero();
    }
  }

  @Test
  void sentEventsOlderThanKeepSentArePurgedInBatchesAndUnsentQuarantinedAndRecentOnesStay() {
    Instant now = clock.instant();
    Instant old = now.minus(Duration.ofDays(7)).minus(Duration.ofMinutes(5));
    Instant recent = now.minus(Duration.ofDays(7)).plus(Duration.ofMinutes(5));
    String oldRotation = rotationId();
    String keptRotation = rotationId();
    EventEnvelope quarantinedEvent = failed(keptRotation, "quarantined");
    String quarantinedId = quarantinedEvent.id();
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              // More than a batch of 1,000: the purge loops until a batch is short.
              for (int i = 0; i < 1_005; i++) {
                OutboxEntry e =
                    OutboxEntry.of(failed(oldRotation, "old " + i), Topics.MANIFESTS, old);
                e.sentAt = old;
                e.persist();
              }
              OutboxEntry kept =
                  OutboxEntry.of(failed(keptRotation, "recent"), Topics.MANIFESTS, old);
              kept.sentAt = recent;
              kept.persist();
              OutboxEntry quarantined =
                  OutboxEntry.of(
                      quarantinedEvent, Topics.MANIFESTS, Instant.parse("2000-01-01T00:00:00Z"));
              quarantined.quarantinedAt = Instant.parse("2000-01-02T00:00:00Z");
              quarantined.quarantineReason = "test";
              quarantined.persist();
            });
    double before = registry.get("rotor.manifest-service.outbox.purged").counter().count();

    long deleted = purge.purge();

    assertThat(deleted).isGreaterThanOrEqualTo(1_005);
    assertThat(countOf(oldRotation)).isZero();
    assertThat(countOf(keptRotation)).as("the recent and the quarantined event").isEqualTo(2);
    assertThat(entry(quarantinedId).quarantinedAt).isNotNull();
    assertThat(registry.get("rotor.manifest-service.outbox.purged").counter().count())
        .isEqualTo(before + deleted);
    assertThat(logs.containing("ROTOR-2092 purged " + deleted + " sent event(s)")).hasSize(1);
    assertThat(purge.purge()).as("a second run finds nothing").isZero();
    QuarkusTransaction.requiringNew().run(() -> OutboxEntry.delete("rotationId", keptRotation));
  }

  private static long countOf(String rotationId) {
    return QuarkusTransaction.requiringNew()
        .call(() -> OutboxEntry.count("rotationId", rotationId));
  }

  private static String rotationId() {
    return "rot-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /**
   * A {@code rotation.failed} of {@code rotationId}: it belongs on rotor.manifests, which other
   * tests of this JVM read whole, and nothing here consumes it.
   */
  private static EventEnvelope failed(String rotationId, String message) {
    return Events.envelope(
        new RotationFailed(
            rotationId,
            "aether-services/" + rotationId + "-config",
            null,
            Reasons.RotationFailure.MANIFEST_INVALID,
            message),
        Sources.of("manifest-service"));
  }

  private void write(EventEnvelope event) {
    OutboxEntry.of(event, Topics.MANIFESTS, Instant.now()).persist();
  }

  /** Sends through the real topic, except where {@code failure} returns an exception. */
  private void failing(Function<String, RuntimeException> failure) {
    ManifestsTopic real = ClientProxy.unwrap(topic);
    QuarkusMock.installMockForType(
        new ManifestsTopic(null) {
          @Override
          public CompletableFuture<Void> send(Message<byte[]> message) {
            String id = message.getMetadata(OutgoingCloudEventMetadata.class).orElseThrow().getId();
            RuntimeException e = failure.apply(id);
            return e != null ? CompletableFuture.failedFuture(e) : real.send(message);
          }
        },
        ManifestsTopic.class);
  }

  /** The ids of the events of {@code rotations} on the topic, once there are {@code count}. */
  private List<String> sentIds(Set<String> rotations, int count) {
    List<ConsumerRecord<byte[], byte[]>> records =
        kafka.readUntil(
            Topics.MANIFESTS,
            read -> KafkaTestClient.eventIdsOfRotations(read, rotations).size() >= count,
            TIMEOUT);
    return KafkaTestClient.eventIdsOfRotations(records, rotations);
  }

  private static OutboxEntry entry(String eventId) {
    return QuarkusTransaction.requiringNew()
        .call(() -> OutboxEntry.<OutboxEntry>find("eventId", eventId).singleResult());
  }

  /** The re-queue statement of docs/manifest-service.md. */
  private static void requeue(String rotationId) {
    QuarkusTransaction.requiringNew()
        .run(
            () ->
                OutboxEntry.getEntityManager()
                    .createNativeQuery(
                        "UPDATE outbox SET quarantined_at = NULL, quarantine_reason = NULL,"
                            + " attempts = 0, first_failed_at = NULL WHERE rotation_id = ?1 AND"
                            + " sent_at IS NULL AND quarantined_at IS NOT NULL")
                    .setParameter(1, rotationId)
                    .executeUpdate());
  }
}
