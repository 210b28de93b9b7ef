package dev.rotor.keygen;

import static dev.rotor.keygen.support.RotorEvents.answers;
import static dev.rotor.keygen.support.RotorEvents.awaitEvents;
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
import dev.rotor.keygen.support.Database;
import dev.rotor.keygen.support.RotorEvents;
import dev.rotor.keygen.support.Scrape;
import dev.rotor.keygen.support.TestPolicy;
import dev.rotor.keygen.support.TestPolicyResource;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.KafkaTestClient;
import dev.rotor.testsupport.PostgresResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.List;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The event id is the idempotency key: a request delivered again, as Kafka does after a rebalance
 * or a crash before the offset commit, changes nothing, and an answer a crash left unsent goes out
 * again with the same id and the same sealed key.
 */
@QuarkusTest
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = RotorEvents.ALL_TOPICS))
@WithTestResource(PostgresResource.class)
@WithTestResource(
    value = TestPolicyResource.class,
    initArgs = @ResourceArg(name = TestPolicyResource.VARIANT, value = TestPolicy.MAIN))
class RedeliveryTest {
  private static final String REDELIVERIES = "rotor_key_generator_redeliveries_total";
  private static KafkaTestClient kafka;

  @Inject DataSource dataSource;
  private Database database;

  @BeforeAll
  static void connect() {
    kafka = new KafkaTestClient();
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
  void theSameRequestDeliveredThreeTimesGetsOneKeyAndOneKeyGenerated() {
    EventEnvelope request = request(newRotationId(), TestPolicy.REDELIVER);
    publish(kafka, request);
    KeyGenerated key = awaitKey(kafka, request);
    double before = Scrape.value(REDELIVERIES);

    publish(kafka, request);
    publish(kafka, request);
    await().atMost(RotorEvents.TIMEOUT).until(() -> Scrape.value(REDELIVERIES) >= before + 2);

    List<EventEnvelope> answers = answers(kafka, request);
    assertThat(answers).hasSize(1);
    assertThat(((KeyGenerated) answers.get(0).data()).fingerprint()).isEqualTo(key.fingerprint());
    assertThat(
            database.count(
                "SELECT count(*) FROM rotation WHERE target_id = ?", TestPolicy.REDELIVER))
        .isEqualTo(1);
    assertThat(database.count("SELECT count(*) FROM outbox WHERE cause_event_id = ?", request.id()))
        .isEqualTo(1);
  }

  @Test
  void aRejectedRequestDeliveredAgainIsRejectedOnceWithTheSameEvent() {
    EventEnvelope request =
        request(newRotationId(), TestPolicy.REDELIVER_REJECTED, null, null, List.of());
    publish(kafka, request);
    awaitRejection(kafka, request);
    double before = Scrape.value(REDELIVERIES);

    publish(kafka, request);
    await().atMost(RotorEvents.TIMEOUT).until(() -> Scrape.value(REDELIVERIES) >= before + 1);

    assertThat(answers(kafka, request))
        .extracting(EventEnvelope::id)
        .containsExactly(causedId(request, EventType.ROTATION_REJECTED));
  }

  @Test
  void anotherRequestReusingAnAnsweredEventIdGoesToTheDeadLetterTopicNamingTheEarlierRotation() {
    EventEnvelope first = request(newRotationId(), "payments/not-in-policy");
    publish(kafka, first);
    awaitRejection(kafka, first);

    // Another sender, target and rotation, the same event id.
    String otherRotation = newRotationId();
    EventEnvelope elsewhere =
        new EventEnvelope(
            first.id(),
            EventType.ROTATION_REQUESTED,
            "/some-other-service",
            TestPolicy.REDELIVER_REUSED_ID,
            otherRotation,
            Instant.now(),
            new RotationRequested(
                otherRotation,
                TestPolicy.REDELIVER_REUSED_ID,
                "carol",
                "other",
                List.of(),
                Instant.now()));
    // The same sender and target, another rotation, the same event id.
    String sameSenderRotation = newRotationId();
    EventEnvelope sameSender =
        new EventEnvelope(
            first.id(),
            EventType.ROTATION_REQUESTED,
            first.source(),
            first.subject(),
            sameSenderRotation,
            first.time(),
            new RotationRequested(
                sameSenderRotation, first.subject(), "alice", "again", List.of(), Instant.now()));
    long elsewhereOffset = publish(kafka, elsewhere).offset();
    long sameSenderOffset = publish(kafka, sameSender).offset();

    List<ConsumerRecord<byte[], byte[]>> dead =
        kafka.readUntil(
            Topics.DLQ,
            records ->
                deadLetterOf(records, elsewhereOffset) != null
                    && deadLetterOf(records, sameSenderOffset) != null,
            RotorEvents.TIMEOUT);
    String expected =
        "REUSED_EVENT_ID ce_id: event id "
            + first.id()
            + " was already used by /rotor/cli for rotation "
            + first.rotationId()
            + " of target payments/not-in-policy, by a request with other content";
    assertThat(
            KafkaTestClient.headerValue(deadLetterOf(dead, elsewhereOffset), "dead-letter-reason"))
        .startsWith(expected);
    assertThat(
            KafkaTestClient.headerValue(deadLetterOf(dead, sameSenderOffset), "dead-letter-reason"))
        .startsWith(expected);
    assertThat(answers(kafka, elsewhere)).isEmpty();
    assertThat(database.status(otherRotation)).isNull();
    assertThat(database.status(sameSenderRotation)).isNull();
    assertThat(answers(kafka, first))
        .as("the first request's answer stays the only one")
        .hasSize(1);
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

  @Test
  void aKeyGeneratedThatACrashLeftUnsentGoesOutAgainWithTheSameIdAndTheSameKey() {
    EventEnvelope request = request(newRotationId(), TestPolicy.REDELIVER_OUTBOX);
    publish(kafka, request);
    KeyGenerated key = awaitKey(kafka, request);
    String eventId = causedId(request, EventType.KEY_GENERATED);
    // What a crash between the commit and Kafka's acknowledgement leaves behind.
    assertThat(database.update("UPDATE outbox SET sent_at = NULL WHERE event_id = ?", eventId))
        .isEqualTo(1);

    publish(kafka, request);

    List<EventEnvelope> sent = awaitEvents(kafka, Topics.KEYS, e -> e.id().equals(eventId), 2);
    assertThat(sent).hasSize(2);
    assertThat(sent).extracting(EventEnvelope::data).containsOnly(key);
    await()
        .atMost(RotorEvents.TIMEOUT)
        .until(
            () ->
                database.count(
                        "SELECT count(*) FROM outbox WHERE event_id = ? AND sent_at IS NOT NULL",
                        eventId)
                    == 1);
    List<ConsumerRecord<byte[], byte[]>> records = kafka.readAll(Topics.KEYS);
    assertThat(
            records.stream()
                .filter(r -> eventId.equals(KafkaTestClient.headerValue(r, "ce_id")))
                .map(KafkaTestClient::valueText)
                .distinct())
        .as("both records carry the same bytes")
        .hasSize(1);
  }
}
