package dev.rotor.keygen;

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
import dev.rotor.common.event.RotationCompleted;
import dev.rotor.common.event.Topics;
import dev.rotor.common.plan.PolicyLoader;
import dev.rotor.keygen.support.Database;
import dev.rotor.keygen.support.RotorEvents;
import dev.rotor.keygen.support.TestKeys;
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
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The in-flight guard is released by the events that end a rotation, and by nothing else: not by a
 * forged event, an event of another target, another event type, or a redelivery.
 */
@QuarkusTest
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = RotorEvents.ALL_TOPICS))
@WithTestResource(PostgresResource.class)
@WithTestResource(
    value = TestPolicyResource.class,
    initArgs = @ResourceArg(name = TestPolicyResource.VARIANT, value = TestPolicy.MAIN))
class GuardReleaseTest {
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
  void rotationCompletedFromTheVerifierReleasesTheTargetAndRecordsTheCompletion() {
    KeyGenerated key = RotorEvents.rotate(kafka, TestPolicy.RELEASE_COMPLETED);
    EventEnvelope completed = RotorEvents.completed(key);

    publish(kafka, completed, Topics.VERIFICATIONS);

    awaitStatus(key.rotationId(), "COMPLETED");
    assertThat(database.endedAt(key.rotationId())).isEqualTo(completed.time());
    assertTargetIsFree(TestPolicy.RELEASE_COMPLETED);
  }

  @Test
  void aCompletionReportingAnotherFingerprintIsRecordedAndWarnedAboutAsRotor1024() {
    CapturedLogs logs = CapturedLogs.install();
    KeyGenerated key = RotorEvents.rotate(kafka, TestPolicy.RELEASE_MISMATCH);
    RotationCompleted completed = (RotationCompleted) RotorEvents.completed(key).data();
    EventEnvelope otherFingerprint =
        EventEnvelope.of(
            new RotationCompleted(
                completed.rotationId(),
                completed.targetId(),
                completed.plan(),
                completed.previousFingerprint(),
                "0".repeat(64),
                completed.requestedBy(),
                completed.approvers(),
                completed.commit(),
                completed.verdicts()),
            RotorEvents.VERIFIER,
            Clock.systemUTC());

    publish(kafka, otherFingerprint, Topics.VERIFICATIONS);

    awaitStatus(key.rotationId(), "COMPLETED");
    await()
        .atMost(RotorEvents.TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(logs.containing("ROTOR-1024 "))
                    .filteredOn(line -> line.contains(key.rotationId()))
                    .singleElement()
                    .satisfies(
                        line ->
                            assertThat(line)
                                .startsWith("WARN")
                                .contains("reports fingerprint " + "0".repeat(64))
                                .contains("has fingerprint " + key.fingerprint())));
  }

  @Test
  void rotationRolledBackFromTheVerifierReleasesTheTarget() {
    KeyGenerated key = RotorEvents.rotate(kafka, TestPolicy.RELEASE_ROLLED_BACK);

    publish(kafka, RotorEvents.rolledBack(key), Topics.VERIFICATIONS);

    awaitStatus(key.rotationId(), "ROLLED_BACK");
    assertTargetIsFree(TestPolicy.RELEASE_ROLLED_BACK);
  }

  @Test
  void rotationFailedFromTheVerifierReleasesTheTarget() {
    KeyGenerated key = RotorEvents.rotate(kafka, TestPolicy.RELEASE_FAILED_VERIFIER);

    publish(kafka, RotorEvents.failed(key, RotorEvents.VERIFIER), Topics.VERIFICATIONS);

    awaitStatus(key.rotationId(), "FAILED");
    assertTargetIsFree(TestPolicy.RELEASE_FAILED_VERIFIER);
  }

  @Test
  void rotationFailedFromTheManifestServiceReleasesTheTarget() {
    KeyGenerated key = RotorEvents.rotate(kafka, TestPolicy.RELEASE_FAILED_MANIFEST);

    publish(kafka, RotorEvents.failed(key, RotorEvents.MANIFEST_SERVICE), Topics.MANIFESTS);

    awaitStatus(key.rotationId(), "FAILED");
    assertTargetIsFree(TestPolicy.RELEASE_FAILED_MANIFEST);
  }

  @Test
  void aForgedEventOfAnotherTargetOrAnotherTypeReleasesNothing() {
    KeyGenerated key = RotorEvents.rotate(kafka, TestPolicy.RELEASE_GUARDED);
    EventEnvelope forged =
        EventEnvelope.of(RotorEvents.completed(key).data(), RotorEvents.CLI, Clock.systemUTC());
    long forgedOffset = publish(kafka, forged, Topics.VERIFICATIONS).offset();
    var otherPlan =
        PolicyLoader.load(TestKeys.get().directory().resolve("policy-main.yaml"))
            .target(TestPolicy.RELEASE_SENTINEL)
            .orElseThrow()
            .plan();
    RotationCompleted original = (RotationCompleted) RotorEvents.completed(key).data();
    EventEnvelope otherTarget =
        EventEnvelope.of(
            new RotationCompleted(
                key.rotationId(),
                TestPolicy.RELEASE_SENTINEL,
                otherPlan,
                null,
                key.fingerprint(),
                "alice",
                List.of(),
                RotorEvents.COMMIT,
                original.verdicts()),
            RotorEvents.VERIFIER,
            Clock.systemUTC());
    publish(kafka, otherTarget, Topics.VERIFICATIONS);
    // The consumer reads a topic in order: once this later completion is recorded, so are the
    // ones above.
    KeyGenerated sentinel = RotorEvents.rotate(kafka, TestPolicy.RELEASE_SENTINEL);
    publish(kafka, RotorEvents.completed(sentinel), Topics.VERIFICATIONS);
    awaitStatus(sentinel.rotationId(), "COMPLETED");

    assertThat(database.status(key.rotationId())).isEqualTo("IN_FLIGHT");
    ConsumerRecord<byte[], byte[]> dead =
        kafka
            .readUntil(
                Topics.DLQ,
                records -> records.stream().anyMatch(r -> isDeadLetterOf(r, forgedOffset)),
                RotorEvents.TIMEOUT)
            .stream()
            .filter(r -> isDeadLetterOf(r, forgedOffset))
            .findFirst()
            .orElseThrow();
    assertThat(KafkaTestClient.headerValue(dead, "dead-letter-reason"))
        .startsWith("FORGED_SOURCE ce_source: rotation.completed may only come from verifier");
    EventEnvelope another = request(newRotationId(), TestPolicy.RELEASE_GUARDED);
    publish(kafka, another);
    assertThat(awaitRejection(kafka, another).reason()).isEqualTo(Rejection.IN_FLIGHT);
  }

  @Test
  void aRedeliveredCompletionOfAnEarlierRotationDoesNotEndTheNextOne() {
    KeyGenerated first = RotorEvents.rotate(kafka, TestPolicy.RELEASE_REDELIVERED);
    EventEnvelope completed = RotorEvents.completed(first);
    publish(kafka, completed, Topics.VERIFICATIONS);
    awaitStatus(first.rotationId(), "COMPLETED");
    Instant endedAt = database.endedAt(first.rotationId());
    KeyGenerated second = RotorEvents.rotate(kafka, TestPolicy.RELEASE_REDELIVERED);

    publish(kafka, completed, Topics.VERIFICATIONS);
    KeyGenerated sentinel = RotorEvents.rotate(kafka, TestPolicy.RELEASE_SENTINEL);
    publish(kafka, RotorEvents.completed(sentinel), Topics.VERIFICATIONS);
    awaitStatus(sentinel.rotationId(), "COMPLETED");

    assertThat(database.status(second.rotationId())).isEqualTo("IN_FLIGHT");
    assertThat(database.endedAt(first.rotationId())).isEqualTo(endedAt);
  }

  private static boolean isDeadLetterOf(ConsumerRecord<byte[], byte[]> record, long offset) {
    return Topics.VERIFICATIONS.equals(KafkaTestClient.headerValue(record, "dead-letter-topic"))
        && Long.toString(offset).equals(KafkaTestClient.headerValue(record, "dead-letter-offset"));
  }

  private void awaitStatus(String rotationId, String status) {
    await()
        .atMost(RotorEvents.TIMEOUT)
        .untilAsserted(() -> assertThat(database.status(rotationId)).isEqualTo(status));
  }

  private static void assertTargetIsFree(String target) {
    EventEnvelope next = request(newRotationId(), target);
    publish(kafka, next);
    assertThat(awaitKey(kafka, next).rotationId()).isEqualTo(next.rotationId());
  }
}
