package dev.rotor.keygen;

import static dev.rotor.keygen.support.RotorEvents.answers;
import static dev.rotor.keygen.support.RotorEvents.awaitKey;
import static dev.rotor.keygen.support.RotorEvents.awaitRejection;
import static dev.rotor.keygen.support.RotorEvents.newRotationId;
import static dev.rotor.keygen.support.RotorEvents.publish;
import static dev.rotor.keygen.support.RotorEvents.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.event.Reasons.Rejection;
import dev.rotor.common.event.RotationRejected;
import dev.rotor.common.event.Topics;
import dev.rotor.keygen.support.Database;
import dev.rotor.keygen.support.RotorEvents;
import dev.rotor.keygen.support.TestPolicy;
import dev.rotor.keygen.support.TestPolicyResource;
import dev.rotor.testsupport.CapturedLogs;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.KafkaTestClient;
import dev.rotor.testsupport.PostgresResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A request sent after its target's rotation ended, but read before the event that ended it (the
 * two come on different topics), is not refused {@code IN_FLIGHT}: it waits until the events that
 * end rotations are read ({@code admission.outcome-wait}, {@code PT10S} in tests). The outcome
 * consumer is held back the way a restart or a busy database holds it back: its transaction waits
 * on a lock this test takes on the rotation's row.
 */
@QuarkusTest
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = RotorEvents.ALL_TOPICS))
@WithTestResource(PostgresResource.class)
@WithTestResource(
    value = TestPolicyResource.class,
    initArgs = @ResourceArg(name = TestPolicyResource.VARIANT, value = TestPolicy.MAIN))
class OutcomeWaitTest {
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
  void aRequestReadBeforeTheCompletionThatPrecededItIsAdmittedOnceTheCompletionIsRead()
      throws Exception {
    CapturedLogs logs = CapturedLogs.install();
    KeyGenerated first = RotorEvents.rotate(kafka, TestPolicy.OUTCOME_READ_LATE);
    EventEnvelope next = request(newRotationId(), TestPolicy.OUTCOME_READ_LATE);

    try (RowLock lock = new RowLock(first.rotationId())) {
      publish(kafka, RotorEvents.completed(first), Topics.VERIFICATIONS);
      awaitOutcomeConsumerWaitingOnTheLock();
      publish(kafka, next);
      // Decided by the old code (refused IN_FLIGHT), or waiting for the completion to be read.
      await()
          .atMost(RotorEvents.TIMEOUT)
          .until(
              () ->
                  logs.containing("ROTOR-1003 request " + next.id()).size() == 1
                      || !answers(kafka, next).isEmpty());
      assertThat(database.status(first.rotationId())).isEqualTo("IN_FLIGHT");
    }

    await()
        .atMost(RotorEvents.TIMEOUT)
        .untilAsserted(() -> assertThat(answers(kafka, next)).isNotEmpty());
    assertThat(answers(kafka, next))
        .as("the answers to a request sent after its target's rotation completed")
        .singleElement()
        .satisfies(answer -> assertThat(answer.type()).isEqualTo(EventType.KEY_GENERATED));
    assertThat(database.status(first.rotationId())).isEqualTo("COMPLETED");
    assertThat(database.status(next.rotationId())).isEqualTo("IN_FLIGHT");
    assertThat(logs.containing("ROTOR-1094 request " + next.id()))
        .singleElement()
        .satisfies(
            line ->
                assertThat(line).startsWith("INFO").contains(first.rotationId() + " in flight"));
  }

  @Test
  void aRequestWhoseTargetStaysInFlightLongerThanTheWaitIsRefusedInFlightWithAWarning()
      throws Exception {
    CapturedLogs logs = CapturedLogs.install();
    KeyGenerated first = RotorEvents.rotate(kafka, TestPolicy.OUTCOME_NOT_READ);
    EventEnvelope next = request(newRotationId(), TestPolicy.OUTCOME_NOT_READ);

    RotationRejected rejected;
    try (RowLock lock = new RowLock(first.rotationId())) {
      publish(kafka, RotorEvents.completed(first), Topics.VERIFICATIONS);
      awaitOutcomeConsumerWaitingOnTheLock();
      publish(kafka, next);
      rejected = awaitRejection(kafka, next);
    }

    assertThat(rejected.reason()).isEqualTo(Rejection.IN_FLIGHT);
    assertThat(rejected.inFlightRotationId()).isEqualTo(first.rotationId());
    assertThat(logs.containing("ROTOR-1095 request " + next.id()))
        .singleElement()
        .satisfies(
            line ->
                assertThat(line)
                    .startsWith("WARN")
                    .contains("not all read after")
                    .contains("admission.outcome-wait PT10S"));
    // The completion is recorded once the lock is gone; the target is free again.
    await()
        .atMost(RotorEvents.TIMEOUT)
        .untilAsserted(
            () -> assertThat(database.status(first.rotationId())).isEqualTo("COMPLETED"));
    EventEnvelope again = request(newRotationId(), TestPolicy.OUTCOME_NOT_READ);
    publish(kafka, again);
    assertThat(awaitKey(kafka, again).rotationId()).isEqualTo(again.rotationId());
  }

  /** Waits until a transaction of the key-generator waits for a lock: the outcome consumer's. */
  private void awaitOutcomeConsumerWaitingOnTheLock() {
    await()
        .atMost(RotorEvents.TIMEOUT)
        .until(
            () ->
                database.count(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                            + " AND wait_event_type = 'Lock'")
                    > 0);
  }

  /** A lock on a rotation's row, held as a slow transaction would hold it, until closed. */
  private final class RowLock implements AutoCloseable {
    private final Connection connection;

    RowLock(String rotationId) throws SQLException {
      connection = dataSource.getConnection();
      connection.setAutoCommit(false);
      try (PreparedStatement lock =
          connection.prepareStatement(
              "SELECT rotation_id FROM rotation WHERE rotation_id = ? FOR UPDATE")) {
        lock.setString(1, rotationId);
        assertThat(lock.executeQuery().next()).as("the row of " + rotationId).isTrue();
      }
    }

    @Override
    public void close() throws SQLException {
      try {
        connection.rollback();
      } finally {
        connection.close();
      }
    }
  }
}
