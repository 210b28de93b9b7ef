package dev.rotor.verifier.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.common.event.EventCodec;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.Reasons;
import dev.rotor.common.event.RotationFailed;
import dev.rotor.common.event.Sources;
import dev.rotor.common.event.Topics;
import dev.rotor.testsupport.CapturedLogs;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.KafkaTestClient;
import dev.rotor.testsupport.PostgresResource;
import dev.rotor.testsupport.kubernetes.KubernetesApiTestResource;
import dev.rotor.verifier.Rotation;
import dev.rotor.verifier.store.OutboxRecord;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.arc.ClientProxy;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusMock;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.reactive.messaging.ce.OutgoingCloudEventMetadata;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
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
 * that is away quarantines nothing and loses nothing. The rows are written as a verdict writes
 * them; the scheduler's tick sends them.
 */
@QuarkusTest
@TestProfile(OutboxTest.Profile.class)
@WithTestResource(
    value = KafkaResource.class,
    initArgs =
        @ResourceArg(
            name = KafkaResource.TOPICS,
            value =
                "rotor.keys,rotor.manifests,rotor.rollouts,rotor.verifications,rotor.approvals,rotor.dlq"))
@WithTestResource(PostgresResource.class)
@WithTestResource(KubernetesApiTestResource.class)
class OutboxTest {
  static final Duration TIMEOUT = Duration.ofSeconds(30);
  static final String CLUSTER = "unconfigured";

  /** No Prometheus is read; few attempts of a failure of unknown kind. */
  public static class Profile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "rotor.verifier.prometheus.url", "http://127.0.0.1:9",
          "rotor.verifier.outbox.max-attempts", "3");
    }
  }

  private static CapturedLogs logs;
  private final KafkaTestClient kafka = new KafkaTestClient();

  @Inject Outbox outbox;
  @Inject VerificationsTopic topic;
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

  /**
   * A {@code rotation.failed} of {@code rotation}: it belongs on rotor.verifications, which other
   * tests of this JVM read whole, and nothing here consumes it.
   */
  private static EventEnvelope failed(Rotation rotation, String message) {
    RotationFailed data =
        new RotationFailed(
            rotation.id(),
            rotation.target(),
            null,
            Reasons.RotationFailure.ROLLBACK_FAILED,
            message);
    return new EventEnvelope(
        UUID.randomUUID().toString(),
        data.type(),
        Sources.of("verifier"),
        data.subject(),
        data.rotationId(),
        Instant.now().truncatedTo(ChronoUnit.MILLIS),
        data);
  }

  @Test
  void anEventThatNoLongerDecodesIsQuarantinedAndTheEventsOfOtherRotationsAfterItAreSent() {
    Rotation poisoned = rotation("poisoned");
    Rotation other = rotation("other");
    EventEnvelope first = failed(poisoned, "distribute");
    EventEnvelope held = failed(poisoned, "promote");
    EventEnvelope after = failed(other, "distribute");
    EventEnvelope poisonEvent = failed(poisoned, "poison");
    String secret = "payload-" + poisoned.id();

    long poisonSeq =
        QuarkusTransaction.requiringNew()
            .call(
                () -> {
                  outbox.add(first);
                  OutboxRecord poison = OutboxRecord.of(poisonEvent, Instant.now());
                  // What an older version wrote and this one cannot read.
                  poison.data =
                      ("{\"unreadable\": \"" + secret + "\"}").getBytes(StandardCharsets.UTF_8);
                  poison.persist();
                  outbox.add(held);
                  outbox.add(after);
                  return poison.seq;
                });

    List<String> sent = sentIds(Set.of(poisoned.id(), other.id()), 2);
    assertThat(sent).containsExactly(first.id(), after.id());
    await()
        .atMost(TIMEOUT)
        .untilAsserted(() -> assertThat(row(held.id()).quarantinedAt).isNotNull());

    OutboxRecord poison = row(poisonEvent.id());
    assertThat(poison.sentAt).isNull();
    assertThat(poison.quarantinedAt).isNotNull();
    assertThat(poison.quarantineReason)
        .startsWith("cannot be read: EventDecodingException")
        .doesNotContain(secret);
    assertThat(row(held.id()).quarantineReason).isEqualTo("follows quarantined row " + poisonSeq);
    assertThat(row(held.id()).sentAt).isNull();

    List<String> logged = logs.containing("ROTOR-4052 outbox row " + poisonSeq + " ");
    assertThat(logged).hasSize(1);
    assertThat(logged.get(0))
        .startsWith("ERROR")
        .contains(poisonEvent.type().cloudEventType())
        .contains("rotation " + poisoned.id())
        .contains("EventDecodingException");
    assertThat(logs.text()).doesNotContain(secret);
    await()
        .atMost(TIMEOUT)
        .untilAsserted(() -> assertThat(quarantinedGauge()).isEqualTo((double) quarantinedRows()));
    assertThat(quarantinedGauge()).isGreaterThanOrEqualTo(2);

    // The operator repairs the row and re-queues the rotation (docs/verifier.md): it goes out, then
    // the event held behind it.
    QuarkusTransaction.requiringNew()
        .run(
            () ->
                OutboxRecord.getEntityManager()
                    .createNativeQuery("UPDATE outbox SET data = ?1 WHERE seq = ?2")
                    .setParameter(1, EventCodec.encode(poisonEvent.data()))
                    .setParameter(2, poisonSeq)
                    .executeUpdate());
    requeue(poisoned.id());
    assertThat(sentIds(Set.of(poisoned.id()), 3))
        .containsExactly(first.id(), poisonEvent.id(), held.id());
  }

  @Test
  void anEventKafkaRefusesForGoodIsQuarantinedAtOnceAndTheNextOneIsSent() {
    Rotation refused = rotation("refused");
    EventEnvelope tooLarge = failed(refused, "distribute");
    Rotation other = rotation("after-large");
    EventEnvelope next = failed(other, "distribute");
    AtomicInteger tries = new AtomicInteger();
    failing(
        id -> {
          if (id.equals(tooLarge.id())) {
            tries.incrementAndGet();
            return new RecordTooLargeException("The message is 2000000 bytes when serialized");
          }
          return null;
        });

    write(tooLarge, next);

    assertThat(sentIds(Set.of(refused.id(), other.id()), 1)).containsExactly(next.id());
    assertThat(row(tooLarge.id()).quarantineReason)
        .isEqualTo(
            "refused by Kafka: RecordTooLargeException: The message is 2000000 bytes when"
                + " serialized");
    assertThat(tries).hasValue(1);
  }

  @Test
  void anEventThatKeepsFailingForAnUnknownReasonIsQuarantinedOnlyOnceItsFirstFailureIsOldEnough() {
    Rotation failing = rotation("unknown");
    EventEnvelope stuck = failed(failing, "distribute");
    Rotation other = rotation("after-unknown");
    EventEnvelope next = failed(other, "distribute");
    failing(id -> id.equals(stuck.id()) ? new KafkaException("strange") : null);

    write(stuck, next);

    // More failures than outbox.max-attempts (3 here), all within outbox.quarantine-after (5
    // minutes by default): a short failure of a kind not yet classified quarantines nothing, and
    // the event after it waits, in order.
    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              OutboxRecord row = row(stuck.id());
              return row.attempts >= 5 || row.quarantinedAt != null;
            });
    OutboxRecord failed = row(stuck.id());
    assertThat(failed.quarantinedAt).isNull();
    assertThat(failed.firstFailedAt).isNotNull();
    assertThat(row(next.id()).sentAt).isNull();
    assertThat(logs.containing("ROTOR-4050 outbox row " + failed.seq + " "))
        .anySatisfy(line -> assertThat(line).startsWith("WARN").contains("attempt 4 since"));

    // The failure lasts: its first occurrence is now outbox.quarantine-after old.
    QuarkusTransaction.requiringNew()
        .run(
            () ->
                OutboxRecord.update(
                    "firstFailedAt = ?1 where seq = ?2",
                    failed.firstFailedAt.minus(Duration.ofMinutes(5)),
                    failed.seq));

    assertThat(sentIds(Set.of(failing.id(), other.id()), 1)).containsExactly(next.id());
    OutboxRecord row = row(stuck.id());
    assertThat(row.quarantinedAt).isNotNull();
    assertThat(row.attempts).isGreaterThan(5);
    assertThat(row.quarantineReason)
        .startsWith("failed " + row.attempts + " times since ")
        .endsWith(", last: KafkaException: strange");
  }

  @Test
  void aBrokerThatIsAwayQuarantinesNothingAndEveryEventGoesOutInOrderOnceItIsBack() {
    Rotation waiting = rotation("waiting");
    Rotation another = rotation("waiting-too");
    List<EventEnvelope> events =
        List.of(
            failed(waiting, "distribute"),
            failed(another, "distribute"),
            failed(waiting, "promote"),
            failed(another, "promote"));
    // Far more failed sends than outbox.max-attempts: a broker away is never the row's fault.
    AtomicInteger away = new AtomicInteger(5);
    failing(id -> away.getAndDecrement() > 0 ? new TimeoutException("broker away") : null);

    write(events.toArray(EventEnvelope[]::new));

    assertThat(sentIds(Set.of(waiting.id(), another.id()), 4))
        .containsExactlyElementsOf(events.stream().map(EventEnvelope::id).toList());
    assertThat(away.get()).isNegative();
    for (EventEnvelope event : events) {
      assertThat(row(event.id()).quarantinedAt).isNull();
      assertThat(row(event.id()).attempts).isZero();
    }
  }

  private static Rotation rotation(String name) {
    return Rotation.of(
        name,
        name + "-config",
        "a".repeat(64),
        "0123abcd",
        Rotation.QUICK,
        Rotation.stage(CLUSTER, Duration.ofSeconds(2), Rotation.everySecond(3), "app"));
  }

  /** Sends through the real topic, except where {@code failure} returns an exception to throw. */
  private void failing(Function<String, RuntimeException> failure) {
    VerificationsTopic real = ClientProxy.unwrap(topic);
    QuarkusMock.installMockForType(
        new VerificationsTopic(null) {
          @Override
          public void send(Message<byte[]> message, Duration timeout) {
            String id = message.getMetadata(OutgoingCloudEventMetadata.class).orElseThrow().getId();
            RuntimeException e = failure.apply(id);
            if (e != null) {
              throw e;
            }
            real.send(message, timeout);
          }
        },
        VerificationsTopic.class);
  }

  @Test
  void sentEventsOlderThanKeepSentArePurgedInBatchesAndQuarantinedAndRecentOnesStay() {
    Instant now = clock.instant();
    Instant old = now.minus(Duration.ofDays(7)).minus(Duration.ofMinutes(5));
    Instant recent = now.minus(Duration.ofDays(7)).plus(Duration.ofMinutes(5));
    Rotation gone = rotation("purge-gone");
    Rotation kept = rotation("purge-kept");
    EventEnvelope quarantinedEvent = failed(kept, "quarantined");
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              // More than a batch of 1,000: the purge loops until a batch is short.
              for (int i = 0; i < 1_005; i++) {
                OutboxRecord row = OutboxRecord.of(failed(gone, "old " + i), old);
                row.sentAt = old;
                row.persist();
              }
              OutboxRecord row = OutboxRecord.of(failed(kept, "recent"), old);
              row.sentAt = recent;
              row.persist();
              OutboxRecord quarantined =
                  OutboxRecord.of(quarantinedEvent, Instant.parse("2000-01-01T00:00:00Z"));
              quarantined.quarantinedAt = Instant.parse("2000-01-02T00:00:00Z");
              quarantined.quarantineReason = "test";
              quarantined.persist();
            });
    double before = registry.get("rotor.verifier.outbox.purged").counter().count();

    long deleted = purge.purge();

    assertThat(deleted).isGreaterThanOrEqualTo(1_005);
    assertThat(rowsOf(gone.id())).isZero();
    assertThat(rowsOf(kept.id())).as("the recent and the quarantined event").isEqualTo(2);
    assertThat(row(quarantinedEvent.id()).quarantinedAt).isNotNull();
    assertThat(registry.get("rotor.verifier.outbox.purged").counter().count())
        .isEqualTo(before + deleted);
    assertThat(logs.containing("ROTOR-4064 purged " + deleted + " sent event(s)")).hasSize(1);
    assertThat(purge.purge()).as("a second run finds nothing").isZero();
    QuarkusTransaction.requiringNew().run(() -> OutboxRecord.delete("rotationId", kept.id()));
  }

  private static long rowsOf(String rotationId) {
    return QuarkusTransaction.requiringNew()
        .call(() -> OutboxRecord.count("rotationId", rotationId));
  }

  private void write(EventEnvelope... events) {
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              for (EventEnvelope event : events) {
                outbox.add(event);
              }
            });
  }

  /** The ids of the events of {@code rotations} on the topic, once there are {@code count}. */
  private List<String> sentIds(Set<String> rotations, int count) {
    List<ConsumerRecord<byte[], byte[]>> records =
        kafka.readUntil(
            Topics.VERIFICATIONS,
            read -> KafkaTestClient.eventIdsOfRotations(read, rotations).size() >= count,
            TIMEOUT);
    return KafkaTestClient.eventIdsOfRotations(records, rotations);
  }

  private static OutboxRecord row(String eventId) {
    return QuarkusTransaction.requiringNew()
        .call(() -> OutboxRecord.<OutboxRecord>find("eventId", eventId).singleResult());
  }

  private static long quarantinedRows() {
    return QuarkusTransaction.requiringNew()
        .call(() -> OutboxRecord.count("sentAt is null and quarantinedAt is not null"));
  }

  private double quarantinedGauge() {
    return registry.get("rotor.verifier.outbox.quarantined").gauge().value();
  }

  /** The re-queue statement of docs/verifier.md. */
  private static void requeue(String rotationId) {
    QuarkusTransaction.requiringNew()
        .run(
            () ->
                OutboxRecord.getEntityManager()
                    .createNativeQuery(
                        "UPDATE outbox SET quarantined_at = NULL, quarantine_reason = NULL,"
                            + " attempts = 0, first_failed_at = NULL WHERE rotation_id = ?1 AND"
                            + " sent_at IS NULL")
                    .setParameter(1, rotationId)
                    .executeUpdate());
  }
}
