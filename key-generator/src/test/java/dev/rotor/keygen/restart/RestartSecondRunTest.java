package dev.rotor.keygen.restart;

import static dev.rotor.keygen.support.RotorEvents.awaitKey;
import static dev.rotor.keygen.support.RotorEvents.awaitRejection;
import static dev.rotor.keygen.support.RotorEvents.newRotationId;
import static dev.rotor.keygen.support.RotorEvents.publish;
import static dev.rotor.keygen.support.RotorEvents.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.event.Reasons.Rejection;
import dev.rotor.common.event.RotationDue;
import dev.rotor.common.event.RotationRejected;
import dev.rotor.common.event.Topics;
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
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * After the restart, on the database {@link RestartFirstRunTest} left: the rotation in flight still
 * holds its target, and the due date that was requested is not requested again.
 */
@QuarkusTest
@TestProfile(RestartProfiles.AfterRestart.class)
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
class RestartSecondRunTest {
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
  void theRotationInFlightStillHoldsItsTargetAfterTheRestart() {
    Database database = new Database(dataSource);
    assertThat(database.status(RestartFirstRunTest.GUARDED_ROTATION))
        .as("RestartFirstRunTest ran before, in the application before the restart")
        .isEqualTo("IN_FLIGHT");

    EventEnvelope second =
        request(newRotationId(), TestPolicy.RESTART_GUARDED, "bob", "again", List.of());
    publish(kafka, second);
    RotationRejected rejection = awaitRejection(kafka, second);

    assertThat(rejection.reason()).isEqualTo(Rejection.IN_FLIGHT);
    assertThat(rejection.inFlightRotationId()).isEqualTo(RestartFirstRunTest.GUARDED_ROTATION);
    assertThat(rejection.message()).contains("requested by alice");

    KeyGenerated first =
        (KeyGenerated)
            RotorEvents.events(
                    kafka,
                    Topics.KEYS,
                    e ->
                        RestartFirstRunTest.GUARDED_ROTATION.equals(e.rotationId())
                            && e.data() instanceof KeyGenerated)
                .get(0)
                .data();
    publish(kafka, RotorEvents.completed(first), Topics.VERIFICATIONS);
    await()
        .atMost(RotorEvents.TIMEOUT)
        .until(() -> "COMPLETED".equals(database.status(first.rotationId())));
    EventEnvelope third = request(newRotationId(), TestPolicy.RESTART_GUARDED);
    publish(kafka, third);
    assertThat(awaitKey(kafka, third).rotationId()).isEqualTo(third.rotationId());
  }

  @Test
  void aDueDateThatWasRequestedBeforeTheRestartIsNotRequestedAgain() {
    List<RotationDue> before = Cadence.reminders(kafka, TestPolicy.RESTART_CADENCE);
    assertThat(before)
        .as("RestartFirstRunTest sent the reminder of one due date before the restart")
        .hasSize(1);
    Instant due = before.get(0).dueAt();
    assertThat(Cadence.requests(kafka, TestPolicy.RESTART_CADENCE)).hasSize(1);

    clock.jumpTo(due.plus(Duration.ofHours(2)));
    Cadence.awaitChecks(registry, 3);

    assertThat(Cadence.reminders(kafka, TestPolicy.RESTART_CADENCE)).hasSize(1);
    assertThat(Cadence.requests(kafka, TestPolicy.RESTART_CADENCE)).hasSize(1);
    assertThat(
            RestartFirstRunTest.dueAfter(
                new Database(dataSource).baseline(TestPolicy.RESTART_CADENCE)))
        .as("the due date still counts from the first run's baseline")
        .isEqualTo(due);
  }
}
