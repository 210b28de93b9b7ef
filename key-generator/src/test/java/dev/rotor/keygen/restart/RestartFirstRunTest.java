package dev.rotor.keygen.restart;

import static dev.rotor.keygen.support.RotorEvents.awaitKey;
import static dev.rotor.keygen.support.RotorEvents.publish;
import static dev.rotor.keygen.support.RotorEvents.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.event.Topics;
import dev.rotor.keygen.cadence.CadenceIds;
import dev.rotor.keygen.support.Cadence;
import dev.rotor.keygen.support.Database;
import dev.rotor.keygen.support.RotorEvents;
import dev.rotor.keygen.support.TestClock;
import dev.rotor.keygen.support.TestPolicy;
import dev.rotor.keygen.support.TestPolicyResource;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.KafkaTestClient;
import dev.rotor.testsupport.ReusedPostgresResource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.Period;
import java.time.ZoneOffset;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Before the restart: a rotation in flight, and a target that fell due, was requested, and whose
 * rotation failed. {@link RestartSecondRunTest} checks what survives on the same database (the
 * Quarkus class orderer runs this class first: class names order the applications).
 */
@QuarkusTest
@TestProfile(RestartProfiles.BeforeRestart.class)
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = RotorEvents.ALL_TOPICS))
@WithTestResource(
    value = ReusedPostgresResource.class,
    initArgs =
        @ResourceArg(name = ReusedPostgresResource.NAME, value = RestartFirstRunTest.DATABASE))
@WithTestResource(
    value = TestPolicyResource.class,
    initArgs = @ResourceArg(name = TestPolicyResource.VARIANT, value = TestPolicy.RESTART))
class RestartFirstRunTest {
  /** The database both runs use. */
  static final String DATABASE = "key-generator-restart";

  /** The rotation left in flight across the restart. */
  static final String GUARDED_ROTATION = "restart-guarded-1";

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
  void leavesARotationInFlightAndADueDateWhoseRotationFailed() {
    EventEnvelope guarded = request(GUARDED_ROTATION, TestPolicy.RESTART_GUARDED);
    publish(kafka, guarded);
    awaitKey(kafka, guarded);

    Database database = new Database(dataSource);
    await()
        .atMost(RotorEvents.TIMEOUT)
        .until(() -> database.baseline(TestPolicy.RESTART_CADENCE) != null);
    Instant due = dueAfter(database.baseline(TestPolicy.RESTART_CADENCE));
    clock.jumpTo(due.plus(Duration.ofMinutes(1)));
    Cadence.awaitReminder(kafka, TestPolicy.RESTART_CADENCE, due);
    EventEnvelope cadenceRequest =
        Cadence.awaitRequest(kafka, CadenceIds.rotationId(TestPolicy.RESTART_CADENCE, due));
    KeyGenerated cadenceKey = awaitKey(kafka, cadenceRequest);

    publish(kafka, RotorEvents.failed(cadenceKey, RotorEvents.MANIFEST_SERVICE), Topics.MANIFESTS);
    await()
        .atMost(RotorEvents.TIMEOUT)
        .until(() -> "FAILED".equals(database.status(cadenceKey.rotationId())));
    Cadence.awaitChecks(registry, 3);

    assertThat(Cadence.requests(kafka, TestPolicy.RESTART_CADENCE))
        .as("a failed rotation does not make the cadence ask again for the same due date")
        .hasSize(1);
    assertThat(Cadence.reminders(kafka, TestPolicy.RESTART_CADENCE)).hasSize(1);
  }

  static Instant dueAfter(Instant instant) {
    return instant.atZone(ZoneOffset.UTC).plus(Period.parse(TestPolicy.CADENCE_PERIOD)).toInstant();
  }
}
