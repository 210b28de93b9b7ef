package dev.rotor.verifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.common.crypto.GeneratedKey;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.Phase;
import dev.rotor.common.event.PodStatus;
import dev.rotor.common.event.Reasons;
import dev.rotor.common.event.RotationCompleted;
import dev.rotor.common.event.VerificationFailed;
import dev.rotor.common.event.VerificationPassed;
import dev.rotor.common.plan.VerificationSpec;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.PostgresResource;
import dev.rotor.testsupport.PrometheusResource;
import dev.rotor.testsupport.kubernetes.InjectKubernetesApi;
import dev.rotor.testsupport.kubernetes.KubernetesApiServer;
import dev.rotor.testsupport.kubernetes.KubernetesApiTestResource;
import dev.rotor.verifier.store.SoakKind;
import dev.rotor.verifier.store.SoakStatus;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A stage with a zero soak is decided as soon as its promote rollout completed: its one round runs
 * when the soak starts, not at the next tick, which here comes once an hour.
 */
@QuarkusTest
@TestProfile(ZeroSoakTest.HourlyTick.class)
@WithTestResource(
    value = KafkaResource.class,
    initArgs =
        @ResourceArg(
            name = KafkaResource.TOPICS,
            value =
                "rotor.requests,rotor.keys,rotor.manifests,rotor.rollouts,rotor.verifications,"
                    + "rotor.approvals,rotor.dlq"))
@WithTestResource(PostgresResource.class)
@WithTestResource(KubernetesApiTestResource.class)
@WithTestResource(
    value = PrometheusResource.class,
    initArgs =
        @ResourceArg(name = PrometheusResource.PROPERTY, value = "rotor.verifier.prometheus.url"))
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ZeroSoakTest {
  static final String PROM = "prom";
  static final String ZERO = "zero-soak";
  static final String LATE = "late-promote";
  static final String PURGED = "purged-outbox";
  static final String GARBLED_FORBIDDEN = "garbled-forbidden";
  static final String GARBLED_REQUIRED = "garbled-required";

  /** A tick far longer than the test waits for anything. */
  public static class HourlyTick implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("rotor.verifier.tick", "PT1H");
    }
  }

  @InjectKubernetesApi KubernetesApiServer api;
  @jakarta.inject.Inject javax.sql.DataSource dataSource;
  @jakarta.inject.Inject dev.rotor.verifier.events.OutboxPurge purge;
  @jakarta.inject.Inject dev.rotor.verifier.soak.ProcessedEventPurge processedPurge;

  private final GeneratedKey oldKey = GeneratedKey.generate();
  private final GeneratedKey newKey = GeneratedKey.generate();
  private Rig rig;

  @BeforeAll
  void startTheRig() {
    rig = new Rig(api);
  }

  @AfterAll
  void close() {
    rig.close();
  }

  @Test
  void aZeroSoakIsDecidedAtItsRolloutCompletedWithoutWaitingForTheTick() {
    Rotation rotation = admittedOnAZeroSoak(ZERO);
    List<PodStatus> pods = rig.restart(ZERO);

    rig.send(rotation.promoted(PROM, pods, Instant.now()));

    EventEnvelope completed =
        org.awaitility.Awaitility.await("rotation.completed without a tick")
            .atMost(Duration.ofSeconds(60))
            .until(
                () -> rig.first(rotation, EventType.ROTATION_COMPLETED),
                java.util.Optional::isPresent)
            .orElseThrow();
    EventEnvelope verdict = rig.verdict(rotation, PROM);
    assertThat(verdict.data())
        .as("verdict: %s", verdict.data())
        .isInstanceOf(VerificationPassed.class);
    assertThat(((RotationCompleted) completed.data()).fingerprint())
        .isEqualTo(newKey.fingerprint());
    assertThat(rig.events(rotation))
        .extracting(EventEnvelope::type)
        .containsExactly(
            EventType.VERIFICATION_STARTED,
            EventType.VERIFICATION_PASSED,
            EventType.ROTATION_COMPLETED);
  }

  /**
   * A pod decrypting with the wrong key logs the garbage it got, NUL and escape bytes included. The
   * quoted line shows them as U+FFFD: PostgreSQL refuses a NUL in text, so quoted raw it made every
   * round's transaction roll back and the stage was never failed.
   */
  @Test
  void aForbiddenLineHoldingControlCharactersFailsTheStageQuotingThemReplaced() {
    Rotation rotation =
        admittedOnAZeroSoak(
            GARBLED_FORBIDDEN,
            List.of(
                String.format(Rig.SELF_TEST, newKey.keyId(), oldKey.keyId()),
                "SECRETS-0100 decryption failed: \u0000\u0001\u0002\u001b[0m\u007f\u0085 payload"
                    + " 0c5e7a2d"));
    List<PodStatus> pods = rig.restart(GARBLED_FORBIDDEN);

    rig.send(rotation.promoted(PROM, pods, Instant.now()));

    VerificationFailed failed = rig.failed(rotation, PROM);
    assertThat(failed.reason()).isEqualTo(Reasons.Verification.FORBIDDEN_LOG);
    String quoted = "decryption failed: \uFFFD\uFFFD\uFFFD\uFFFD[0m\uFFFD\uFFFD payload 0c5e7a2d";
    assertThat(failed.message()).contains(quoted);
    assertThat(Rig.evidence(failed.evidence(), "log:forbidden:" + pods.get(0).name()).detail())
        .contains(quoted);
    assertThat(rig.soakStatus(rotation, SoakKind.STAGE)).isEqualTo(SoakStatus.FAILED);
  }

  /**
   * The required line with NULs in it: quoted raw, it reached the evidence of the verdict, whose
   * event the outbox could not decode and quarantined, so the stage never passed.
   */
  @Test
  void aRequiredLineHoldingANulPassesTheStageAndTheVerdictIsSent() {
    Rotation rotation =
        admittedOnAZeroSoak(
            GARBLED_REQUIRED,
            List.of(
                "SECRETS-0002 encryption self-test passed\u0000\u0000, primary key id "
                    + newKey.keyId()));
    List<PodStatus> pods = rig.restart(GARBLED_REQUIRED);

    rig.send(rotation.promoted(PROM, pods, Instant.now()));

    EventEnvelope verdict = rig.verdict(rotation, PROM);
    assertThat(verdict.data())
        .as("verdict: %s", verdict.data())
        .isInstanceOf(VerificationPassed.class);
    assertThat(
            Rig.evidence(
                    ((VerificationPassed) verdict.data()).evidence(),
                    "log:required:" + pods.get(0).name())
                .detail())
        .contains("encryption self-test passed\uFFFD\uFFFD, primary key id");
    rig.await(rotation, EventType.ROTATION_COMPLETED);
  }

  /**
   * The outbox purges the rotation's sent events once {@code outbox.keep-sent} old, and the ids of
   * the events it processed go once {@code processed-events.keep} old; the promote's {@code
   * rollout.completed} read again then (a dead letter replayed by hand) decides nothing and sends
   * nothing: the soak and the rotation's outcome guard it too.
   */
  @Test
  void aRolloutCompletedReadAgainAfterTheOutboxWasPurgedChangesNothing() throws Exception {
    Rotation rotation = admittedOnAZeroSoak(PURGED);
    List<PodStatus> pods = rig.restart(PURGED);
    EventEnvelope promoted = rotation.promoted(PROM, pods, Instant.now());
    rig.send(promoted);
    rig.await(rotation, EventType.ROTATION_COMPLETED);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> outboxRows(rotation, "sent_at IS NOT NULL") == 3);
    try (Connection c = dataSource.getConnection();
        PreparedStatement s =
            c.prepareStatement(
                "UPDATE outbox SET sent_at = sent_at - interval '8 days' WHERE rotation_id = ?")) {
      s.setString(1, rotation.id());
      assertThat(s.executeUpdate()).isEqualTo(3);
    }

    purge.purge();
    assertThat(outboxRows(rotation, "true")).isZero();
    // And the ids of the events it processed, once processed-events.keep (P100D) old; a younger id
    // stays.
    String young = "purge-young-" + java.util.UUID.randomUUID();
    try (Connection c = dataSource.getConnection();
        PreparedStatement age =
            c.prepareStatement(
                "UPDATE processed_event SET processed_at = now() - interval '101 days'"
                    + " WHERE event_id = ?");
        PreparedStatement insert =
            c.prepareStatement(
                "INSERT INTO processed_event (event_id, type, processed_at)"
                    + " VALUES (?, 'test', now() - interval '99 days')")) {
      age.setString(1, promoted.id());
      assertThat(age.executeUpdate()).isEqualTo(1);
      insert.setString(1, young);
      insert.executeUpdate();
    }
    assertThat(processedPurge.purge()).isGreaterThanOrEqualTo(1);
    assertThat(processed(promoted.id())).isZero();
    assertThat(processed(young)).isEqualTo(1);

    rig.send(promoted);
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(10))
        .until(() -> rig.events(rotation).size() == 3);
    assertThat(outboxRows(rotation, "true")).as("nothing decided again").isZero();
  }

  private long processed(String eventId) throws Exception {
    try (Connection c = dataSource.getConnection();
        PreparedStatement s =
            c.prepareStatement("SELECT count(*) FROM processed_event WHERE event_id = ?")) {
      s.setString(1, eventId);
      try (ResultSet r = s.executeQuery()) {
        r.next();
        return r.getLong(1);
      }
    }
  }

  private long outboxRows(Rotation rotation, String condition) throws Exception {
    try (Connection c = dataSource.getConnection();
        PreparedStatement s =
            c.prepareStatement(
                "SELECT count(*) FROM outbox WHERE rotation_id = ? AND " + condition)) {
      s.setString(1, rotation.id());
      try (ResultSet r = s.executeQuery()) {
        r.next();
        return r.getLong(1);
      }
    }
  }

  /**
   * A person rolls the rotation back while its promote runs: the promote that finishes after the
   * rollback was committed is not soaked, so a zero soak cannot pass the stage or complete a
   * rotation that is rolled back; the rotation ends rolled back once its rollback is verified.
   */
  @Test
  void aPromoteThatFinishesAfterTheRollbackWasCommittedIsNotSoakedNorCompleted() {
    Rotation rotation = admittedOnAZeroSoak(LATE);
    rig.send(rotation.rollbackCommitted(List.of(PROM), Instant.now()));
    await("the verifier has the rollback")
        .atMost(Duration.ofSeconds(60))
        .until(() -> rig.rollbackCommitOf(rotation), c -> Rotation.ROLLBACK_COMMIT.equals(c));
    List<PodStatus> promoted = rig.restart(LATE);

    rig.send(rotation.promoted(PROM, promoted, Instant.now()));
    // The rollback, read after the promote on the same partition: once its check has started,
    // the promote before it has been processed. (Had the promote completed the rotation, the
    // rollback would not be checked at all.)
    rig.secret(LATE + "-config", oldKey, newKey, oldKey);
    rig.send(rotation.rolloutStarted(PROM, Phase.ROLLBACK, Instant.now()));
    List<PodStatus> rolledBack = rig.restart(LATE);
    rig.send(rotation.rolledBack(PROM, oldKey.keyId(), rolledBack, Instant.now()));
    await("the rollback's check starts")
        .atMost(Duration.ofSeconds(60))
        .until(() -> rig.soakStatus(rotation, SoakKind.ROLLBACK), s -> s != null);

    assertThat(rig.soakStatus(rotation, SoakKind.STAGE))
        .as("no soak of the promote that finished after the rollback")
        .isNull();
    assertThat(rig.events(rotation))
        .as("nothing started, passed or completed for it")
        .noneMatch(
            e ->
                e.type() == EventType.VERIFICATION_STARTED
                    || e.type() == EventType.VERIFICATION_PASSED
                    || e.type() == EventType.ROTATION_COMPLETED);
  }

  /**
   * A rotation of {@code deployment}'s Secret, its one stage on {@link #PROM} with a zero soak and
   * constant metrics (as the benchmarks use: the stage passes on the cluster's evidence), admitted
   * and with its distribute and promote rollouts started.
   */
  private Rotation admittedOnAZeroSoak(String deployment) {
    return admittedOnAZeroSoak(
        deployment, List.of(String.format(Rig.SELF_TEST, newKey.keyId(), oldKey.keyId())));
  }

  /** As {@link #admittedOnAZeroSoak(String)}, its pods logging {@code lines}. */
  private Rotation admittedOnAZeroSoak(String deployment, List<String> lines) {
    rig.deployment(deployment, 1, lines);
    rig.secret(deployment + "-config", newKey, newKey, oldKey);
    VerificationSpec quick = Rotation.QUICK;
    Rotation rotation =
        Rotation.of(
            deployment,
            deployment + "-config",
            newKey.fingerprint(),
            oldKey.keyId(),
            new VerificationSpec(
                "vector(0)",
                "vector(0.001)",
                "vector(0)",
                quick.baselineWindow(),
                quick.requiredLogPatterns(),
                quick.forbiddenLogPatterns()),
            Rotation.stage(PROM, Duration.ZERO, Rotation.everySecond(3), deployment));
    Instant start = Instant.now();
    rotation.admitted(start).forEach(rig::send);
    rig.send(rotation.rolloutStarted(PROM, Phase.DISTRIBUTE, start));
    rig.send(rotation.rolloutStarted(PROM, Phase.PROMOTE, start));
    return rotation;
  }
}
