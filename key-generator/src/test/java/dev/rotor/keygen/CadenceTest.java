package dev.rotor.keygen;

import static dev.rotor.keygen.support.RotorEvents.awaitKey;
import static dev.rotor.keygen.support.RotorEvents.publish;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.event.RotationDue;
import dev.rotor.common.event.RotationRequested;
import dev.rotor.common.event.Topics;
import dev.rotor.keygen.cadence.CadenceIds;
import dev.rotor.keygen.support.Cadence;
import dev.rotor.keygen.support.Database;
import dev.rotor.keygen.support.RotorEvents;
import dev.rotor.keygen.support.Scrape;
import dev.rotor.keygen.support.TestClock;
import dev.rotor.keygen.support.TestPolicy;
import dev.rotor.keygen.support.TestPolicyResource;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.KafkaTestClient;
import dev.rotor.testsupport.PostgresResource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.Period;
import java.time.ZoneOffset;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A target with a cadence of 30 days, on a clock the test moves: one reminder 14 days ahead, one
 * request at the due date, never a second one, and the next due date counts from the completion.
 */
@QuarkusTest
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = RotorEvents.ALL_TOPICS))
@WithTestResource(PostgresResource.class)
@WithTestResource(
    value = TestPolicyResource.class,
    initArgs = @ResourceArg(name = TestPolicyResource.VARIANT, value = TestPolicy.MAIN))
class CadenceTest {
  private static final String TARGET = TestPolicy.CADENCE;
  private static final Period CADENCE = Period.parse(TestPolicy.CADENCE_PERIOD);
  private static KafkaTestClient kafka;

  @Inject TestClock clock;
  @Inject MeterRegistry registry;
  @Inject DataSource dataSource;

  @BeforeAll
  static void connect() {
    kafka = new KafkaTestClient();
  }

  @AfterAll
  static void disconnect() {
    kafka.close();
  }

  @Test
  void aTargetFallingDueGetsOneReminderAheadAndOneRequestAtTheDueDateAndNoMore() {
    Database database = new Database(dataSource);
    await().atMost(RotorEvents.TIMEOUT).until(() -> database.baseline(TARGET) != null);
    Instant baseline = database.baseline(TARGET);
    Instant due = plusCadence(baseline);

    clock.jumpTo(due.minus(Duration.ofDays(14)).minus(Duration.ofHours(1)));
    Cadence.awaitChecks(registry, 2);
    assertThat(Cadence.reminders(kafka, TARGET)).as("no reminder before the lead time").isEmpty();

    clock.jumpTo(due.minus(Duration.ofDays(14)).plus(Duration.ofMinutes(1)));
    RotationDue reminder = Cadence.awaitReminder(kafka, TARGET, due);
    assertThat(reminder.lastCompletedAt()).as("never rotated").isNull();
    assertThat(reminder.cadence()).isEqualTo("P30D");
    Cadence.awaitChecks(registry, 2);
    assertThat(Cadence.reminders(kafka, TARGET)).hasSize(1);
    assertThat(Cadence.requests(kafka, TARGET)).as("no request before the due date").isEmpty();

    clock.jumpTo(due.plus(Duration.ofMinutes(1)));
    String rotationId = CadenceIds.rotationId(TARGET, due);
    EventEnvelope request = Cadence.awaitRequest(kafka, rotationId);
    RotationRequested requested = (RotationRequested) request.data();
    assertThat(request.source()).isEqualTo("/rotor/key-generator");
    assertThat(requested.requestedBy()).isEqualTo("rotor-scheduler");
    assertThat(requested.reason()).isEqualTo("cadence");
    assertThat(requested.stages()).isEmpty();
    KeyGenerated key = awaitKey(kafka, request);
    assertThat(key.requestedBy()).isEqualTo("rotor-scheduler");
    Cadence.awaitChecks(registry, 3);
    assertThat(Cadence.requests(kafka, TARGET)).hasSize(1);
    assertThat(Cadence.reminders(kafka, TARGET)).hasSize(1);
    assertThat(Scrape.value("rotor_key_generator_cadence_overdue")).isEqualTo(1.0);

    EventEnvelope completed = RotorEvents.completed(key, clock);
    publish(kafka, completed, Topics.VERIFICATIONS);
    await()
        .atMost(RotorEvents.TIMEOUT)
        .until(() -> "COMPLETED".equals(database.status(key.rotationId())));
    Instant nextDue = plusCadence(database.endedAt(key.rotationId()));
    Cadence.awaitChecks(registry, 2);
    assertThat(Cadence.requests(kafka, TARGET)).as("the completion moved the due date").hasSize(1);
    assertThat(Scrape.value("rotor_key_generator_cadence_overdue")).isZero();

    clock.jumpTo(nextDue.plus(Duration.ofMinutes(1)));
    RotationDue nextReminder = Cadence.awaitReminder(kafka, TARGET, nextDue);
    assertThat(nextReminder.lastCompletedAt()).isEqualTo(database.endedAt(key.rotationId()));
    EventEnvelope nextRequest = Cadence.awaitRequest(kafka, CadenceIds.rotationId(TARGET, nextDue));
    assertThat(awaitKey(kafka, nextRequest).rotationId())
        .isEqualTo(CadenceIds.rotationId(TARGET, nextDue));
    assertThat(Cadence.requests(kafka, TARGET))
        .extracting(EventEnvelope::rotationId)
        .containsExactly(rotationId, CadenceIds.rotationId(TARGET, nextDue));
    assertThat(Cadence.reminders(kafka, TARGET))
        .extracting(RotationDue::dueAt)
        .isEqualTo(List.of(due, nextDue));
  }

  private static Instant plusCadence(Instant instant) {
    return instant.atZone(ZoneOffset.UTC).plus(CADENCE).toInstant();
  }
}
