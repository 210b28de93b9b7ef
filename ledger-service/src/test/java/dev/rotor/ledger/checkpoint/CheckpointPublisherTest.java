package dev.rotor.ledger.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.common.event.Topics;
import dev.rotor.ledger.merkle.ProofBuilder;
import dev.rotor.ledger.store.CheckpointEntity;
import dev.rotor.ledger.store.EntryStore;
import dev.rotor.ledger.store.OutboxEntity;
import dev.rotor.ledger.support.LedgerDatabaseResource;
import dev.rotor.ledger.support.LedgerTestProfile;
import dev.rotor.ledger.support.SigningKeyResource;
import dev.rotor.testsupport.CapturedLogs;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.KafkaTestClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.arc.ClientProxy;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusMock;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.reactive.messaging.ce.OutgoingCloudEventMetadata;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
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
 * The checkpoint outbox against a real Kafka and PostgreSQL: a checkpoint Kafka will never take is
 * quarantined and the ones after it are published; a broker that is away quarantines nothing and
 * every checkpoint goes out in order once it is back.
 */
@QuarkusTest
@TestProfile(LedgerTestProfile.class)
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = LedgerTestProfile.TOPICS))
@WithTestResource(LedgerDatabaseResource.class)
@WithTestResource(SigningKeyResource.class)
class CheckpointPublisherTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static CapturedLogs logs;

  private final KafkaTestClient kafka = new KafkaTestClient();

  @Inject CheckpointPublisher publisher;
  @Inject CheckpointIssuer issuer;
  @Inject CheckpointsTopic topic;
  @Inject EntryStore entries;
  @Inject MeterRegistry registry;

  @BeforeAll
  static void captureLogs() {
    logs = CapturedLogs.install();
  }

  @AfterEach
  void close() {
    kafka.close();
  }

  @Test
  void aCheckpointKafkaRefusesForGoodIsQuarantinedAndTheNextOneIsPublished() {
    Set<String> refused = ConcurrentHashMap.newKeySet();
    failing(
        id ->
            refused.contains(id)
                ? new RecordTooLargeException("The message is 2000000 bytes when serialized")
                : null);

    List<CheckpointEntity> issued = issue(2, first -> refused.add(first.eventId));
    CheckpointEntity tooLarge = issued.get(0);
    CheckpointEntity next = issued.get(1);
    publisher.signal();

    assertThat(published(Set.of(tooLarge.eventId, next.eventId), 1)).containsExactly(next.eventId);
    await().atMost(TIMEOUT).until(() -> outbox(tooLarge.id).quarantinedAt != null);
    assertThat(outbox(tooLarge.id).quarantineReason)
        .isEqualTo(
            "refused by Kafka: RecordTooLargeException: The message is 2000000 bytes when"
                + " serialized");
    assertThat(logs.containing("ROTOR-5023 checkpoint " + tooLarge.id + " "))
        .singleElement()
        .asString()
        .startsWith("ERROR")
        .contains(tooLarge.eventId)
        .contains("RecordTooLargeException");
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(registry.get("rotor.ledger.checkpoints.quarantined").gauge().value())
                    .isGreaterThanOrEqualTo(1));

    // Re-queued (docs/ledger-service.md) once Kafka takes it: published after all.
    refused.clear();
    QuarkusTransaction.requiringNew()
        .run(
            () ->
                OutboxEntity.update(
                    "quarantinedAt = null, quarantineReason = null, attempts = 0,"
                        + " firstFailedAt = null where checkpointId = ?1",
                    tooLarge.id));
    publisher.signal();
    assertThat(published(Set.of(tooLarge.eventId), 1)).containsExactly(tooLarge.eventId);
  }

  @Test
  void
      aCheckpointThatKeepsFailingForAnUnknownReasonIsQuarantinedOnlyOnceItsFirstFailureIsOldEnough() {
    Set<String> strange = ConcurrentHashMap.newKeySet();
    failing(id -> strange.contains(id) ? new KafkaException("strange") : null);

    List<CheckpointEntity> issued = issue(2, first -> strange.add(first.eventId));
    CheckpointEntity stuck = issued.get(0);
    // More attempts than publish-max-attempts (10 by default), all within quarantine-after (5
    // minutes by default): a short failure of a kind not yet classified quarantines nothing.
    await()
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              publisher.signal();
              OutboxEntity row = outbox(stuck.id);
              return row != null && (row.attempts >= 12 || row.quarantinedAt != null);
            });
    OutboxEntity failed = outbox(stuck.id);
    assertThat(failed.quarantinedAt).isNull();
    assertThat(failed.firstFailedAt).isNotNull();
    assertThat(outbox(issued.get(1).id)).isNotNull();
    assertThat(logs.containing("ROTOR-5021 checkpoint " + stuck.id + " "))
        .anySatisfy(line -> assertThat(line).startsWith("WARN").contains("attempt 11 since"));

    // The failure lasts: its first occurrence is now quarantine-after old.
    QuarkusTransaction.requiringNew()
        .run(
            () ->
                OutboxEntity.update(
                    "firstFailedAt = ?1 where checkpointId = ?2",
                    failed.firstFailedAt.minus(Duration.ofMinutes(5)),
                    stuck.id));
    await()
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              publisher.signal();
              return outbox(stuck.id).quarantinedAt != null;
            });

    assertThat(published(Set.of(stuck.eventId, issued.get(1).eventId), 1))
        .containsExactly(issued.get(1).eventId);
    OutboxEntity quarantined = outbox(stuck.id);
    assertThat(quarantined.attempts).isGreaterThan(12);
    assertThat(quarantined.quarantineReason)
        .startsWith("failed " + quarantined.attempts + " times since ")
        .endsWith(", last: KafkaException: strange");
  }

  @Test
  void aBrokerThatIsAwayQuarantinesNothingAndEveryCheckpointGoesOutInOrderOnceItIsBack() {
    // More attempts than publish-max-attempts: a broker away is never the checkpoint's fault.
    AtomicInteger sendsAway = new AtomicInteger(15);
    AtomicBoolean on = new AtomicBoolean();
    failing(
        id ->
            on.get() && sendsAway.getAndDecrement() > 0
                ? new TimeoutException("broker away")
                : null);

    List<CheckpointEntity> issued = issue(3, first -> on.set(true));
    await()
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              publisher.signal();
              return issued.stream().allMatch(c -> outbox(c.id) == null);
            });

    assertThat(published(Set.of(issued.stream().map(c -> c.eventId).toArray(String[]::new)), 3))
        .containsExactlyElementsOf(issued.stream().map(c -> c.eventId).toList());
    assertThat(sendsAway.get()).isNegative();
  }

  /**
   * Issues {@code count} checkpoints of the log as it is, in one transaction; {@code beforeCommit}
   * sees the first before the publisher can. A checkpoint's time has whole seconds and its event id
   * derives from its text: each is issued in a second of its own.
   */
  private List<CheckpointEntity> issue(int count, Consumer<CheckpointEntity> beforeCommit) {
    return QuarkusTransaction.requiringNew()
        .call(
            () -> {
              entries.lockForAppend();
              long size = entries.size();
              byte[] root = new ProofBuilder(entries).root(size);
              List<CheckpointEntity> issued = new ArrayList<>();
              for (int i = 0; i < count; i++) {
                long second = Instant.now().getEpochSecond();
                await()
                    .pollInterval(Duration.ofMillis(10))
                    .until(() -> Instant.now().getEpochSecond() > second);
                issued.add(issuer.issue(size, root, CheckpointIssuer.INTERVAL));
              }
              beforeCommit.accept(issued.get(0));
              return issued;
            });
  }

  /** Publishes through the real topic, except where {@code failure} returns an exception. */
  private void failing(Function<String, RuntimeException> failure) {
    CheckpointsTopic real = ClientProxy.unwrap(topic);
    QuarkusMock.installMockForType(
        new CheckpointsTopic(null) {
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
        CheckpointsTopic.class);
  }

  /** The ids among {@code eventIds} on rotor.ledger, in offset order, once there are {@code n}. */
  private List<String> published(Set<String> eventIds, int n) {
    List<ConsumerRecord<byte[], byte[]>> records =
        kafka.readUntil(Topics.LEDGER, read -> ofIds(read, eventIds).size() >= n, TIMEOUT);
    return ofIds(records, eventIds);
  }

  private static List<String> ofIds(List<ConsumerRecord<byte[], byte[]>> records, Set<String> ids) {
    return records.stream()
        .map(r -> KafkaTestClient.headerValue(r, "ce_id"))
        .filter(ids::contains)
        .toList();
  }

  private static OutboxEntity outbox(long checkpointId) {
    return QuarkusTransaction.requiringNew()
        .call(() -> OutboxEntity.<OutboxEntity>findById(checkpointId));
  }
}
