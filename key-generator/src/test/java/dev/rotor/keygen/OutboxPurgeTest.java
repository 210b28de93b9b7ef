package dev.rotor.keygen;

import static dev.rotor.keygen.support.RotorEvents.answers;
import static dev.rotor.keygen.support.RotorEvents.awaitKey;
import static dev.rotor.keygen.support.RotorEvents.awaitRejection;
import static dev.rotor.keygen.support.RotorEvents.causedId;
import static dev.rotor.keygen.support.RotorEvents.newRotationId;
import static dev.rotor.keygen.support.RotorEvents.publish;
import static dev.rotor.keygen.support.RotorEvents.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.event.RotationRequested;
import dev.rotor.common.event.Topics;
import dev.rotor.keygen.outbox.OutboxPurge;
import dev.rotor.keygen.support.Database;
import dev.rotor.keygen.support.RotorEvents;
import dev.rotor.keygen.support.Scrape;
import dev.rotor.keygen.support.TestPolicy;
import dev.rotor.keygen.support.TestPolicyResource;
import dev.rotor.testsupport.CapturedLogs;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.KafkaTestClient;
import dev.rotor.testsupport.PostgresResource;
import io.quarkus.scheduler.Scheduler;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Sent outbox rows go once {@code outbox.keep-sent} (P7D) old, by the service's clock; unsent,
 * quarantined and recent rows stay; and a request delivered again after its answer was purged still
 * changes nothing and sends nothing, because its rotation row remembers it.
 */
@QuarkusTest
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = RotorEvents.ALL_TOPICS))
@WithTestResource(PostgresResource.class)
@WithTestResource(
    value = TestPolicyResource.class,
    initArgs = @ResourceArg(name = TestPolicyResource.VARIANT, value = TestPolicy.MAIN))
class OutboxPurgeTest {
  private static final String REDELIVERIES = "rotor_key_generator_redeliveries_total";
  private static final String PURGED = "rotor_key_generator_outbox_purged_total";
  private static final String RELAY = "rotor-key-generator-outbox";
  private static KafkaTestClient kafka;
  private static CapturedLogs logs;

  @Inject DataSource dataSource;
  @Inject OutboxPurge purge;
  @Inject Clock clock;
  @Inject Scheduler scheduler;
  private Database database;

  @BeforeAll
  static void connect() {
    kafka = new KafkaTestClient();
    logs = CapturedLogs.install();
  }

  @AfterAll
  static void disconnect() {
    kafka.close();
  }

  @BeforeEach
  void tables() {
    database = new Database(dataSource);
  }

  @Test
  void sentRowsOlderThanKeepSentGoInBatchesAndUnsentQuarantinedAndRecentRowsStay()
      throws InterruptedException {
    // The relay would send the unsent rows at once; it waits while this test looks.
    scheduler.pause(RELAY);
    try {
      Thread.sleep(1500); // a relay run under way ends
      Instant now = clock.instant();
      String batch = "purge-" + UUID.randomUUID();
      Instant old = now.minus(Duration.ofDays(7)).minus(Duration.ofMinutes(5));
      Instant recent = now.minus(Duration.ofDays(7)).plus(Duration.ofMinutes(5));
      Instant longAgo = Instant.parse("2000-01-01T00:00:00Z");
      // An answer whose request a rotation row records.
      EventEnvelope recorded =
          request(newRotationId(), TestPolicy.OUTBOX_PURGE_REJECTED, null, null, List.of());
      publish(kafka, recorded);
      awaitRejection(kafka, recorded);
      // More than two batches of 1,000 old sent rows: the purge loops until a short batch. The
      // cadence's events have no cause.
      insert(batch + "-old", null, 2_345, old, old, null);
      insert(batch + "-recorded", recorded.id(), 1, old, old, null);
      insert(batch + "-recent", null, 3, recent, recent, null);
      insert(batch + "-unsent", null, 2, longAgo, null, null);
      insert(batch + "-quarantined", null, 2, longAgo, null, longAgo.plus(Duration.ofDays(1)));
      // Answers no rotation records (DUPLICATE): their request may still be in rotor.requests.
      insert(batch + "-dup", batch + "-duplicate-request", 2, old, old, null);
      Instant beyondTopics = now.minus(Duration.ofDays(100)).minus(Duration.ofMinutes(5));
      insert(batch + "-dupold", batch + "-old-duplicate", 2, beyondTopics, beyondTopics, null);
      double purgedBefore = Scrape.value(PURGED);

      long deleted = purge.purge();

      assertThat(deleted).isGreaterThanOrEqualTo(2_345 + 1 + 2);
      assertThat(count(batch + "-old")).isZero();
      assertThat(count(batch + "-recorded")).isZero();
      assertThat(count(batch + "-dupold")).isZero();
      assertThat(count(batch + "-recent")).isEqualTo(3);
      assertThat(count(batch + "-dup")).isEqualTo(2);
      assertThat(
              database.count(
                  "SELECT count(*) FROM outbox WHERE rotation_id LIKE ? AND sent_at IS NULL"
                      + " AND quarantined_at IS NULL",
                  batch + "-unsent-%"))
          .isEqualTo(2);
      assertThat(count(batch + "-quarantined")).isEqualTo(2);
      assertThat(Scrape.value(PURGED)).isEqualTo(purgedBefore + deleted);
      assertThat(logs.containing("ROTOR-1093 purged " + deleted + " sent event(s)")).hasSize(1);

      assertThat(purge.purge()).as("a second run finds nothing").isZero();
      assertThat(logs.containing("ROTOR-1093 purged 0")).as("a run that deletes nothing").isEmpty();
    } finally {
      database.update("DELETE FROM outbox WHERE rotation_id LIKE 'purge-%'");
      scheduler.resume(RELAY);
    }
  }

  @Test
  void anAdmittedRequestDeliveredAgainAfterItsKeyGeneratedWasPurgedChangesNothing() {
    EventEnvelope request = request(newRotationId(), TestPolicy.OUTBOX_PURGE);
    publish(kafka, request);
    KeyGenerated key = awaitKey(kafka, request);
    purgeAnswerOf(request, EventType.KEY_GENERATED);
    double before = Scrape.value(REDELIVERIES);

    publish(kafka, request);

    await().atMost(RotorEvents.TIMEOUT).until(() -> Scrape.value(REDELIVERIES) >= before + 1);
    assertThat(logs.containing("ROTOR-1012 request " + request.id()))
        .anySatisfy(line -> assertThat(line).contains("purged from the outbox"));
    assertThat(answers(kafka, request))
        .as("no second key.generated, and no rotation.rejected DUPLICATE under its id")
        .singleElement()
        .satisfies(answer -> assertThat(answer.data()).isEqualTo(key));
    assertThat(
            database.count(
                "SELECT count(*) FROM rotation WHERE target_id = ?", TestPolicy.OUTBOX_PURGE))
        .isEqualTo(1);
    assertThat(database.status(request.rotationId())).isEqualTo("IN_FLIGHT");
    assertThat(database.count("SELECT count(*) FROM outbox WHERE cause_event_id = ?", request.id()))
        .as("nothing new in the outbox")
        .isZero();
  }

  @Test
  void aRejectedRequestDeliveredAgainAfterItsRejectionWasPurgedChangesNothing() {
    EventEnvelope request =
        request(newRotationId(), TestPolicy.OUTBOX_PURGE_REJECTED, null, null, List.of());
    publish(kafka, request);
    awaitRejection(kafka, request);
    purgeAnswerOf(request, EventType.ROTATION_REJECTED);
    double before = Scrape.value(REDELIVERIES);

    publish(kafka, request);

    await().atMost(RotorEvents.TIMEOUT).until(() -> Scrape.value(REDELIVERIES) >= before + 1);
    assertThat(answers(kafka, request))
        .extracting(EventEnvelope::id)
        .containsExactly(causedId(request, EventType.ROTATION_REJECTED));
    assertThat(database.count("SELECT count(*) FROM outbox WHERE cause_event_id = ?", request.id()))
        .isZero();
  }

  @Test
  void aDuplicateRejectionIsKeptPastKeepSentSoItsRequestDeliveredAgainChangesNothing() {
    EventEnvelope first =
        request(newRotationId(), TestPolicy.OUTBOX_PURGE_REJECTED, null, null, List.of());
    publish(kafka, first);
    awaitRejection(kafka, first);
    // Another request with the same rotation id: DUPLICATE, and no rotation row records it.
    EventEnvelope duplicate = request(first.rotationId(), TestPolicy.OUTBOX_PURGE_REJECTED);
    publish(kafka, duplicate);
    awaitRejection(kafka, duplicate);
    String answer = causedId(duplicate, EventType.ROTATION_REJECTED);
    age(answer, Duration.ofDays(8));

    purge.purge();

    assertThat(database.count("SELECT count(*) FROM outbox WHERE event_id = ?", answer))
        .as("the DUPLICATE answer is its request's only record: kept for keep-sent-unrecorded")
        .isEqualTo(1);
    double before = Scrape.value(REDELIVERIES);
    publish(kafka, duplicate);
    await().atMost(RotorEvents.TIMEOUT).until(() -> Scrape.value(REDELIVERIES) >= before + 1);
    assertThat(answers(kafka, duplicate)).hasSize(1);

    age(answer, Duration.ofDays(101));
    purge.purge();
    assertThat(database.count("SELECT count(*) FROM outbox WHERE event_id = ?", answer)).isZero();
  }

  @Test
  void anotherRequestReusingTheEventIdAfterThePurgeStillGoesToTheDeadLetterTopic() {
    EventEnvelope first =
        request(newRotationId(), TestPolicy.OUTBOX_PURGE_REJECTED, null, null, List.of());
    publish(kafka, first);
    awaitRejection(kafka, first);
    purgeAnswerOf(first, EventType.ROTATION_REJECTED);

    // The same sender and target, another rotation, the same event id.
    String otherRotation = newRotationId();
    EventEnvelope reused =
        new EventEnvelope(
            first.id(),
            EventType.ROTATION_REQUESTED,
            first.source(),
            first.subject(),
            otherRotation,
            first.time(),
            new RotationRequested(
                otherRotation, first.subject(), "alice", "again", List.of(), Instant.now()));
    long offset = publish(kafka, reused).offset();

    List<ConsumerRecord<byte[], byte[]>> dead =
        kafka.readUntil(
            Topics.DLQ, records -> deadLetterOf(records, offset) != null, RotorEvents.TIMEOUT);
    assertThat(KafkaTestClient.headerValue(deadLetterOf(dead, offset), "dead-letter-reason"))
        .startsWith(
            "REUSED_EVENT_ID ce_id: event id "
                + first.id()
                + " was already used by /rotor/cli for rotation "
                + first.rotationId()
                + " of target "
                + TestPolicy.OUTBOX_PURGE_REJECTED
                + ", by a request with other content");
    assertThat(database.status(otherRotation)).isNull();
    assertThat(answers(kafka, first)).hasSize(1);
  }

  /** Makes the answer to {@code request} older than keep-sent by the clock, and purges. */
  private void purgeAnswerOf(EventEnvelope request, EventType answer) {
    String eventId = causedId(request, answer);
    age(eventId, Duration.ofDays(8));
    purge.purge();
    assertThat(database.count("SELECT count(*) FROM outbox WHERE event_id = ?", eventId)).isZero();
  }

  /** Makes the sent row of {@code eventId} {@code age} old by the service's clock. */
  private void age(String eventId, Duration age) {
    await()
        .atMost(RotorEvents.TIMEOUT)
        .until(
            () ->
                database.count(
                        "SELECT count(*) FROM outbox WHERE event_id = ? AND sent_at IS NOT NULL",
                        eventId)
                    == 1);
    Instant sent = clock.instant().minus(age);
    assertThat(
            database.update(
                "UPDATE outbox SET sent_at = ? WHERE event_id = ?", Timestamp.from(sent), eventId))
        .isEqualTo(1);
  }

  /** Inserts {@code rows} rows whose rotation ids start with {@code label}. */
  private void insert(
      String label, String cause, int rows, Instant created, Instant sent, Instant quarantined) {
    database.update(
        "INSERT INTO outbox (event_id, cause_event_id, topic, event_type, source, subject,"
            + " rotation_id, event_time, payload, created_at, sent_at, quarantined_at,"
            + " quarantine_reason)"
            + " SELECT gen_random_uuid()::text, ?::text, 'rotor.keys',"
            + " 'dev.rotor.rotation.rejected.v1', '/rotor/key-generator', 'outbox-purge/other-key',"
            + " ?::text || '-' || n, ?::timestamptz, '{}', ?::timestamptz, ?::timestamptz,"
            + " ?::timestamptz, CASE WHEN ?::timestamptz IS NULL THEN NULL ELSE 'test' END"
            + " FROM generate_series(1, ?::int) n",
        cause,
        label,
        Timestamp.from(created),
        Timestamp.from(created),
        sent == null ? null : Timestamp.from(sent),
        quarantined == null ? null : Timestamp.from(quarantined),
        quarantined == null ? null : Timestamp.from(quarantined),
        rows);
  }

  private long count(String label) {
    return database.count("SELECT count(*) FROM outbox WHERE rotation_id LIKE ?", label + "-%");
  }

  private static ConsumerRecord<byte[], byte[]> deadLetterOf(
      List<ConsumerRecord<byte[], byte[]>> records, long offset) {
    return records.stream()
        .filter(r -> Topics.REQUESTS.equals(KafkaTestClient.headerValue(r, "dead-letter-topic")))
        .filter(
            r -> Long.toString(offset).equals(KafkaTestClient.headerValue(r, "dead-letter-offset")))
        .findFirst()
        .orElse(null);
  }
}
