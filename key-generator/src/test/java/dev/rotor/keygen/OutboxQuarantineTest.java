package dev.rotor.keygen;

import static dev.rotor.keygen.support.RotorEvents.awaitEvents;
import static dev.rotor.keygen.support.RotorEvents.awaitKey;
import static dev.rotor.keygen.support.RotorEvents.causedId;
import static dev.rotor.keygen.support.RotorEvents.newRotationId;
import static dev.rotor.keygen.support.RotorEvents.publish;
import static dev.rotor.keygen.support.RotorEvents.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.event.Reasons.Rejection;
import dev.rotor.common.event.RotationRejected;
import dev.rotor.common.event.Topics;
import dev.rotor.keygen.outbox.Outbox;
import dev.rotor.keygen.support.Database;
import dev.rotor.keygen.support.RotorEvents;
import dev.rotor.keygen.support.Scrape;
import dev.rotor.keygen.support.TestPolicy;
import dev.rotor.keygen.support.TestPolicyResource;
import dev.rotor.testsupport.CapturedLogs;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.KafkaTestClient;
import dev.rotor.testsupport.PostgresResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rows that can never be sent (they no longer decode, or are over the 64 KiB every consumer
 * accepts) are quarantined once, with their reason, a metric and one ERROR line, and no longer hold
 * up the relay: an event a crash left unsent behind more than a relay page of them still goes out.
 */
@QuarkusTest
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = RotorEvents.ALL_TOPICS))
@WithTestResource(PostgresResource.class)
@WithTestResource(
    value = TestPolicyResource.class,
    initArgs = @ResourceArg(name = TestPolicyResource.VARIANT, value = TestPolicy.MAIN))
class OutboxQuarantineTest {
  private static final String QUARANTINED = "rotor_key_generator_outbox_quarantined";
  private static KafkaTestClient kafka;
  private static CapturedLogs logs;

  @Inject DataSource dataSource;
  @Inject Outbox outbox;

  @BeforeAll
  static void connect() {
    kafka = new KafkaTestClient();
    logs = CapturedLogs.install();
  }

  @AfterAll
  static void disconnect() {
    kafka.close();
  }

  @Test
  void rowsThatCanNeverBeSentAreQuarantinedOnceAndNoLongerHoldUpAnEventACrashLeftUnsent() {
    Database database = new Database(dataSource);
    EventEnvelope request = request(newRotationId(), TestPolicy.OUTBOX_QUARANTINE);
    publish(kafka, request);
    KeyGenerated key = awaitKey(kafka, request);
    String eventId = causedId(request, EventType.KEY_GENERATED);

    // More than a relay page (100) of rows older than it that can never be sent: 60 whose data is
    // over the 64 KiB limit, 60 whose data no longer decodes.
    List<String> poison = new ArrayList<>();
    for (int i = 0; i < 120; i++) {
      String id = UUID.randomUUID().toString();
      poison.add(id);
      String payload =
          i % 2 == 0 ? "{\"message\":\"" + "x".repeat(70_000) + "\"}" : "{\"notAField\":true}";
      database.update(
          "INSERT INTO outbox (event_id, cause_event_id, topic, event_type, source, subject,"
              + " rotation_id, event_time, payload, created_at) VALUES (?, ?, 'rotor.keys',"
              + " 'dev.rotor.rotation.rejected.v1', '/rotor/key-generator',"
              + " 'outbox-quarantine/other-key', ?, now(), ?, timestamptz '2000-01-01 00:00:00Z')",
          id,
          "poison-" + id,
          "poison-" + i,
          payload);
    }
    // What a crash between the commit and Kafka's acknowledgement leaves behind.
    assertThat(database.update("UPDATE outbox SET sent_at = NULL WHERE event_id = ?", eventId))
        .isEqualTo(1);

    List<EventEnvelope> sent = awaitEvents(kafka, Topics.KEYS, e -> e.id().equals(eventId), 2);
    assertThat(sent).extracting(EventEnvelope::data).containsOnly(key);

    await()
        .atMost(RotorEvents.TIMEOUT)
        .until(
            () ->
                database.count(
                        "SELECT count(*) FROM outbox WHERE cause_event_id LIKE 'poison-%'"
                            + " AND quarantined_at IS NOT NULL AND sent_at IS NULL")
                    == 120);
    String tooLarge = poison.get(0);
    String unreadable = poison.get(1);
    assertThat(reason(database, tooLarge))
        .startsWith("cannot be read: EventDecodingException")
        .contains("more than the limit of 65536");
    assertThat(reason(database, unreadable)).startsWith("cannot be read: EventDecodingException");
    await().atMost(RotorEvents.TIMEOUT).until(() -> Scrape.value(QUARANTINED) >= 120);
    // One ERROR line per row, never repeated by later relay runs, and never the payload.
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(10))
        .until(() -> logs.containing("ROTOR-1033 event " + tooLarge).size() == 1);
    assertThat(logs.containing("ROTOR-1033 event " + tooLarge).get(0))
        .startsWith("ERROR")
        .doesNotContain("xxxxxxxx");
    assertThat(logs.containing("ROTOR-1031 event " + tooLarge)).isEmpty();
  }

  @Test
  void anEventOverTheSizeLimitIsRefusedWhenAddedSoItsDecisionNeverCommits() {
    Database database = new Database(dataSource);
    EventEnvelope huge =
        EventEnvelope.of(
            new RotationRejected(
                "too-large-1",
                TestPolicy.OUTBOX_QUARANTINE,
                Rejection.INVALID_REQUEST,
                "x".repeat(70_000),
                null),
            RotorEvents.KEY_GENERATOR,
            Clock.systemUTC());

    assertThatThrownBy(
            () -> QuarkusTransaction.requiringNew().run(() -> outbox.add(huge, "too-large-cause")))
        .satisfies(
            e -> assertThat(e.getClass().getSimpleName()).isEqualTo("EventTooLargeException"))
        .hasMessage(
            "rotation.rejected "
                + huge.id()
                + " of outbox-quarantine/app-key (rotation too-large-1) would carry 70107 bytes of"
                + " data, more than the 65536 bytes every consumer accepts; it is not stored and"
                + " its decision does not commit");
    assertThat(database.count("SELECT count(*) FROM outbox WHERE event_id = ?", huge.id()))
        .isZero();
  }

  private static String reason(Database database, String eventId) {
    return database.single("SELECT quarantine_reason FROM outbox WHERE event_id = ?", eventId);
  }
}
