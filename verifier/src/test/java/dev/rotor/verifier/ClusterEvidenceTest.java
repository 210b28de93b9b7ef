package dev.rotor.verifier;

import static io.restassured.RestAssured.given;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.common.crypto.GeneratedKey;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.Evidence;
import dev.rotor.common.event.Phase;
import dev.rotor.common.event.PodStatus;
import dev.rotor.common.event.Reasons;
import dev.rotor.common.event.RotationFailed;
import dev.rotor.common.event.RotationRolledBack;
import dev.rotor.common.event.Topics;
import dev.rotor.common.event.VerificationFailed;
import dev.rotor.common.event.VerificationInconclusive;
import dev.rotor.common.plan.Thresholds;
import dev.rotor.common.plan.VerificationSpec;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.KafkaTestClient;
import dev.rotor.testsupport.PostgresResource;
import dev.rotor.testsupport.PrometheusResource;
import dev.rotor.testsupport.kubernetes.InjectKubernetesApi;
import dev.rotor.testsupport.kubernetes.KubernetesApiServer;
import dev.rotor.testsupport.kubernetes.KubernetesApiTestResource;
import dev.rotor.verifier.soak.SoakService;
import dev.rotor.verifier.store.SoakKind;
import dev.rotor.verifier.store.SoakRecord;
import dev.rotor.verifier.store.SoakStatus;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * What the verifier reads back from the cluster: the Secret's keyring, the pods' start times and
 * their logs, through the Kubernetes mock and the rollout simulator; and how it verifies rollbacks,
 * refuses what it cannot process, and decides once. Prometheus is real and scrapes nothing here:
 * these stages fail on the cluster's evidence before metrics could matter, or are inconclusive for
 * want of metrics.
 */
@QuarkusTest
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
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterEvidenceTest {
  static final String PROM = "prom";
  static final Duration SOAK = Duration.ofSeconds(6);

  static final String MISSING_LOG = "missing-log";
  static final String FORBIDDEN_LOG = "forbidden-log";
  static final String STALE_NEW = "stale-new";
  static final String STALE_OLD = "stale-old";
  static final String MISMATCH = "mismatch";
  static final String ROLLBACK_OK = "rollback-ok";
  static final String ROLLBACK_BAD = "rollback-bad";
  static final String NEVER_UNSEALED = "never-unsealed";
  static final String KEY_LOST = "key-lost";
  static final String ELSEWHERE = "elsewhere";
  static final String REDELIVERED = "redelivered";
  static final String BAD_QUERY = "bad-query";

  @InjectKubernetesApi KubernetesApiServer api;
  @Inject SoakService soaks;

  private final GeneratedKey oldKey = GeneratedKey.generate();
  private final GeneratedKey newKey = GeneratedKey.generate();
  private final GeneratedKey otherKey = GeneratedKey.generate();
  private final Map<String, Rotation> rotations = new LinkedHashMap<>();
  private Rig rig;
  private long poisonOffset;
  private long strangerOffset;

  @BeforeAll
  void startEveryScenario() {
    rig = new Rig(api);
    String selfTest = String.format(Rig.SELF_TEST, newKey.keyId(), oldKey.keyId());
    List<String> deployments =
        List.of(
            MISSING_LOG,
            FORBIDDEN_LOG,
            STALE_NEW,
            STALE_OLD,
            MISMATCH,
            ROLLBACK_OK,
            ROLLBACK_BAD,
            ELSEWHERE,
            REDELIVERED,
            BAD_QUERY);
    for (String deployment : deployments) {
      List<String> lines =
          switch (deployment) {
            case MISSING_LOG -> List.of("SECRETS-0001 keyring read from the environment");
            case FORBIDDEN_LOG ->
                List.of(
                    selfTest,
                    "SECRETS-0100 decrypt failed for payload 0c5e7a2d, key id "
                        + oldKey.keyId()
                        + ": not in the keyring");
            default -> List.of("SECRETS-0001 keyring read from the environment", selfTest);
          };
      rig.deployment(deployment, 1, lines);
      rig.secret(
          deployment + "-config", deployment.equals(MISMATCH) ? otherKey : newKey, newKey, oldKey);
    }
    for (String deployment :
        List.of(MISSING_LOG, FORBIDDEN_LOG, MISMATCH, ROLLBACK_OK, ROLLBACK_BAD, REDELIVERED)) {
      Duration soak = deployment.startsWith("rollback") ? Duration.ofMinutes(5) : SOAK;
      rotations.put(deployment, rotation(deployment, PROM, soak, deployment));
    }
    rotations.put(STALE_NEW, rotation(STALE_NEW, PROM, SOAK, STALE_NEW, STALE_OLD));
    rotations.put(ELSEWHERE, rotation(ELSEWHERE, ELSEWHERE, SOAK, ELSEWHERE));
    VerificationSpec quick = Rotation.QUICK;
    rotations.put(
        BAD_QUERY,
        Rotation.of(
            BAD_QUERY,
            BAD_QUERY + "-config",
            newKey.fingerprint(),
            oldKey.keyId(),
            new VerificationSpec(
                "sum(rate(http_server_requests_seconds_count[5s]",
                quick.latencyQuery(),
                quick.decryptFailuresQuery(),
                quick.baselineWindow(),
                quick.requiredLogPatterns(),
                quick.forbiddenLogPatterns()),
            Rotation.stage(PROM, SOAK, Rotation.everySecond(3), BAD_QUERY)));

    // stale-old's pod must be older than the rollout by more than the clock skew allowed.
    Instant created = Instant.now();
    await("pods older than the rollout")
        .atMost(Duration.ofSeconds(10))
        .until(() -> Instant.now().isAfter(created.plusSeconds(3)));

    Instant start = Instant.now();
    for (Rotation rotation : rotations.values()) {
      rotation.admitted(start).forEach(rig::send);
      String cluster = rotation.plan().stages().get(0).cluster();
      rig.send(rotation.rolloutStarted(cluster, Phase.DISTRIBUTE, start));
      rig.send(rotation.rolloutStarted(cluster, Phase.PROMOTE, start));
    }
    Map<String, List<PodStatus>> pods = new LinkedHashMap<>();
    for (String deployment : deployments) {
      if (!deployment.equals(STALE_OLD)) {
        pods.put(deployment, rig.restart(deployment));
      }
    }

    // A record no service could have written, and a valid event the verifier must refuse.
    poisonOffset =
        rig.kafka
            .produce(
                Topics.ROLLOUTS,
                "aether-services/poison",
                Map.of("ce_type", "dev.rotor.rollout.completed.v1"),
                "{not json".getBytes(UTF_8))
            .offset();
    EventEnvelope stranger =
        rotations.get(MISMATCH).promoted("not-a-stage", pods.get(MISMATCH), Instant.now());
    rig.send(stranger);

    Instant done = Instant.now();
    for (Map.Entry<String, Rotation> entry : rotations.entrySet()) {
      String deployment = entry.getKey();
      Rotation rotation = entry.getValue();
      EventEnvelope completed =
          rotation.promoted(rotation.plan().stages().get(0).cluster(), pods.get(deployment), done);
      rig.send(completed);
      if (deployment.equals(REDELIVERED)) {
        // Delivered again, and a second completion of the same stage.
        rig.send(completed);
        rig.send(rotation.promoted(PROM, pods.get(deployment), Instant.now()));
      }
    }
  }

  @AfterAll
  void close() {
    rig.close();
  }

  @Test
  @Order(1)
  void aPodThatNeverLoggedTheSelfTestFailsWithMissingLog() {
    VerificationFailed failed = rig.failed(rotations.get(MISSING_LOG), PROM);

    assertThat(failed.reason()).isEqualTo(Reasons.Verification.MISSING_LOG);
    assertThat(failed.message())
        .contains("never logged a line matching 'encryption self-test passed'");
    assertThat(failed.evidence())
        .anySatisfy(e -> assertThat(e.check()).startsWith("log:missing:missing-log-"));
  }

  @Test
  @Order(2)
  void aForbiddenLogLineFailsTheStageAtOnceQuotingTheLine() {
    VerificationFailed failed = rig.failed(rotations.get(FORBIDDEN_LOG), PROM);

    assertThat(failed.reason()).isEqualTo(Reasons.Verification.FORBIDDEN_LOG);
    assertThat(failed.message()).contains("'decrypt(ion)? fail'").contains("SECRETS-0100");
    assertThat(failed.evidence())
        .anySatisfy(e -> assertThat(e.check()).startsWith("log:forbidden:forbidden-log-"));
  }

  @Test
  @Order(3)
  void aPodStartedBeforeTheSecretChangedFailsAsStale() {
    VerificationFailed failed = rig.failed(rotations.get(STALE_NEW), PROM);

    assertThat(failed.reason()).isEqualTo(Reasons.Verification.STALE_POD);
    assertThat(failed.message()).contains("stale-old-").doesNotContain("stale-new-");
  }

  @Test
  @Order(4)
  void aSecretWithoutTheNewKeyAsPrimaryFailsWithFingerprintMismatch() {
    VerificationFailed failed = rig.failed(rotations.get(MISMATCH), PROM);

    assertThat(failed.reason()).isEqualTo(Reasons.Verification.FINGERPRINT_MISMATCH);
    assertThat(failed.message())
        .contains("keyring.primary names " + otherKey.keyId())
        .contains("expected " + newKey.keyId());
  }

  @Test
  @Order(5)
  void aStageOnAClusterTheVerifierHasNoAccessToIsInconclusiveNamingTheKey() {
    EventEnvelope verdict = rig.verdict(rotations.get(ELSEWHERE), ELSEWHERE);

    assertThat(verdict.data()).isInstanceOf(VerificationInconclusive.class);
    assertThat(((VerificationInconclusive) verdict.data()).message())
        .contains("rotor.verifier.clusters.elsewhere");
  }

  @Test
  @Order(6)
  void aQueryPrometheusRejectsIsNoDataAndTheStageInconclusive() {
    EventEnvelope verdict = rig.verdict(rotations.get(BAD_QUERY), PROM);

    assertThat(verdict.data()).isInstanceOf(VerificationInconclusive.class);
    assertThat(((VerificationInconclusive) verdict.data()).message())
        .contains("no data for error-rate of bad-query in 6 of 6 checks")
        .contains("query rejected (HTTP 400, bad_data)");
  }

  @Test
  @Order(6)
  void aRedeliveredRolloutStartsOneSoakAndDecidesOnce() {
    Rotation rotation = rotations.get(REDELIVERED);
    rig.verdict(rotation, PROM);

    assertThat(rig.events(rotation))
        .extracting(EventEnvelope::type)
        .containsExactly(EventType.VERIFICATION_STARTED, EventType.VERIFICATION_INCONCLUSIVE);
  }

  @Test
  @Order(7)
  void aMalformedRecordAndAnEventForAClusterOutsideThePlanAreDeadLettered() {
    List<ConsumerRecord<byte[], byte[]>> dead =
        rig.kafka.readUntil(
            Topics.DLQ,
            records ->
                records.stream()
                        .filter(
                            r ->
                                Topics.ROLLOUTS.equals(
                                    KafkaTestClient.headerValue(r, "dead-letter-topic")))
                        .count()
                    >= 2,
            Rig.VERDICT_TIMEOUT);

    assertThat(dead)
        .anySatisfy(
            r -> {
              assertThat(KafkaTestClient.headerValue(r, "dead-letter-offset"))
                  .isEqualTo(Long.toString(poisonOffset));
              assertThat(KafkaTestClient.headerValue(r, "dead-letter-reason"))
                  .startsWith("MISSING_ATTRIBUTE");
            })
        .anySatisfy(
            r ->
                assertThat(KafkaTestClient.headerValue(r, "dead-letter-reason"))
                    .isEqualTo("NOT_IN_PLAN cluster: not a stage of the event's plan"));
    assertThat(rig.verdict(rotations.get(MISMATCH), PROM))
        .as("the records after them are processed")
        .isNotNull();
  }

  @Test
  @Order(10)
  void aRotationRolledBackEverywhereItRanIsRolledBackOnceTheRollbackIsVerified() {
    Rotation rotation = rotations.get(ROLLBACK_OK);
    rig.only(rotation, EventType.VERIFICATION_STARTED);

    rig.send(rotation.rollbackCommitted(List.of(PROM), Instant.now()));
    await("the running soak stops")
        .atMost(Rig.VERDICT_TIMEOUT)
        .until(() -> rig.soakStatus(rotation, SoakKind.STAGE), s -> s == SoakStatus.CANCELLED);
    rig.secret(ROLLBACK_OK + "-config", oldKey, newKey, oldKey);
    rig.send(rotation.rolloutStarted(PROM, Phase.ROLLBACK, Instant.now()));
    List<PodStatus> pods = rig.restart(ROLLBACK_OK);
    rig.send(rotation.rolledBack(PROM, oldKey.keyId(), pods, Instant.now()));

    RotationRolledBack rolledBack =
        (RotationRolledBack) rig.await(rotation, EventType.ROTATION_ROLLED_BACK).data();
    assertThat(rolledBack.clusters()).containsExactly(PROM);
    assertThat(rolledBack.commit()).isEqualTo(Rotation.ROLLBACK_COMMIT);
    assertThat(rolledBack.cause()).isEqualTo("verification failed");
    assertThat(rig.events(rotation))
        .as("the stopped soak decides nothing")
        .extracting(EventEnvelope::type)
        .containsExactly(EventType.VERIFICATION_STARTED, EventType.ROTATION_ROLLED_BACK);
  }

  @Test
  @Order(11)
  void aRollbackThatLeftTheNewKeyPrimaryFailsTheRotationForPeopleToAct() {
    Rotation rotation = rotations.get(ROLLBACK_BAD);
    rig.only(rotation, EventType.VERIFICATION_STARTED);

    rig.send(rotation.rollbackCommitted(List.of(PROM), Instant.now()));
    rig.send(rotation.rolloutStarted(PROM, Phase.ROLLBACK, Instant.now()));
    List<PodStatus> pods = rig.restart(ROLLBACK_BAD);
    rig.send(rotation.rolledBack(PROM, oldKey.keyId(), pods, Instant.now()));

    RotationFailed failed = (RotationFailed) rig.await(rotation, EventType.ROTATION_FAILED).data();
    assertThat(failed.reason()).isEqualTo(Reasons.RotationFailure.ROLLBACK_FAILED);
    assertThat(failed.message())
        .contains("FINGERPRINT_MISMATCH")
        .contains("keyring.primary names " + newKey.keyId())
        .contains("expected " + oldKey.keyId());
    assertThat(rig.events(rotation)).noneMatch(e -> e.type() == EventType.ROTATION_ROLLED_BACK);
  }

  /**
   * The distribute failed (the controller could not unseal the new entry), and the rollback removed
   * the new key, as the manifest-service does for a key that reached no Secret: the rollback is
   * verified without it, and the rotation ends rolled back.
   */
  @Test
  @Order(12)
  void aRollbackAfterADistributeThatNeverCompletedIsVerifiedWithoutTheNewKey() {
    Rotation rotation = rollbackOnly(NEVER_UNSEALED);
    Instant start = Instant.now();
    rotation.admitted(start).forEach(rig::send);
    rig.send(rotation.rolloutStarted(PROM, Phase.DISTRIBUTE, start));
    rig.send(
        rotation.rolloutFailed(
            PROM,
            Phase.DISTRIBUTE,
            Reasons.Rollout.UNSEAL_TIMEOUT,
            "the sealed-secrets controller did not unseal the new entry",
            Instant.now()));

    rig.send(rotation.rollbackCommitted(List.of(PROM), Instant.now()));
    rig.secret(NEVER_UNSEALED + "-config", oldKey, oldKey);
    rig.send(rotation.rolloutStarted(PROM, Phase.ROLLBACK, Instant.now()));
    List<PodStatus> pods = rig.restart(NEVER_UNSEALED);
    rig.send(rotation.rolledBack(PROM, oldKey.keyId(), pods, Instant.now()));

    RotationRolledBack rolledBack =
        (RotationRolledBack) rig.await(rotation, EventType.ROTATION_ROLLED_BACK).data();
    assertThat(rolledBack.clusters()).containsExactly(PROM);
    assertThat(rig.events(rotation))
        .extracting(EventEnvelope::type)
        .containsExactly(EventType.ROTATION_ROLLED_BACK);
  }

  /** Once the distribute completed the key was in the Secret: a rollback must keep it. */
  @Test
  @Order(13)
  void aRollbackThatLostTheNewKeyAfterItsDistributeCompletedFailsTheRotation() {
    Rotation rotation = rollbackOnly(KEY_LOST);
    Instant start = Instant.now();
    rotation.admitted(start).forEach(rig::send);
    rig.send(rotation.rolloutStarted(PROM, Phase.DISTRIBUTE, start));
    rig.secret(KEY_LOST + "-config", oldKey, oldKey, newKey);
    rig.send(rotation.distributed(PROM, rig.restart(KEY_LOST), Instant.now()));

    rig.send(rotation.rollbackCommitted(List.of(PROM), Instant.now()));
    rig.secret(KEY_LOST + "-config", oldKey, oldKey);
    rig.send(rotation.rolloutStarted(PROM, Phase.ROLLBACK, Instant.now()));
    List<PodStatus> pods = rig.restart(KEY_LOST);
    rig.send(rotation.rolledBack(PROM, oldKey.keyId(), pods, Instant.now()));

    RotationFailed failed = (RotationFailed) rig.await(rotation, EventType.ROTATION_FAILED).data();
    assertThat(failed.reason()).isEqualTo(Reasons.RotationFailure.ROLLBACK_FAILED);
    assertThat(failed.message())
        .contains("FINGERPRINT_MISMATCH")
        .contains("key " + newKey.keyId() + " is no longer in the ring");
    assertThat(rig.events(rotation)).noneMatch(e -> e.type() == EventType.ROTATION_ROLLED_BACK);
  }

  /** The promise: nothing becomes unreadable. A promote that dropped the old primary fails. */
  @Test
  @Order(14)
  void aStageWhoseSecretLostThePreviousPrimaryFailsWithFingerprintMismatch() {
    String name = "previous-lost";
    rig.deployment(name, 1, List.of(String.format(Rig.SELF_TEST, newKey.keyId(), "")));
    rig.secret(name + "-config", newKey, newKey);
    Rotation rotation = rotation(name, PROM, SOAK, name);
    Instant start = Instant.now();
    rotation.admitted(start).forEach(rig::send);
    rig.send(rotation.rolloutStarted(PROM, Phase.DISTRIBUTE, start));
    rig.send(rotation.rolloutStarted(PROM, Phase.PROMOTE, start));
    rig.send(rotation.promoted(PROM, rig.restart(name), Instant.now()));

    VerificationFailed failed = rig.failed(rotation, PROM);

    assertThat(failed.reason()).isEqualTo(Reasons.Verification.FINGERPRINT_MISMATCH);
    assertThat(failed.message())
        .contains("key " + oldKey.keyId() + " is no longer in the ring")
        .contains("cannot be read");
  }

  /**
   * A cluster's rollback.completed was read before the rollback commit (rotor.manifests and
   * rotor.rollouts are read apart); a promote that completed after it must not be soaked.
   */
  @Test
  @Order(15)
  void aPromoteCompletedAfterARollbackCompletedIsNotSoaked() {
    Rotation rotation = rollbackOnly("promoted-late");
    Instant start = Instant.now();
    rotation.admitted(start).forEach(rig::send);
    rig.send(rotation.rolloutStarted(PROM, Phase.DISTRIBUTE, start));
    rig.secret("promoted-late-config", oldKey, oldKey, newKey);
    rig.send(rotation.distributed(PROM, rig.restart("promoted-late"), Instant.now()));
    rig.send(rotation.rolloutStarted(PROM, Phase.ROLLBACK, Instant.now()));
    List<PodStatus> pods = rig.restart("promoted-late");
    rig.send(rotation.rolledBack(PROM, oldKey.keyId(), pods, Instant.now()));
    await("the rollback check starts")
        .atMost(Rig.VERDICT_TIMEOUT)
        .until(() -> rig.soakStatus(rotation, SoakKind.ROLLBACK) != null);

    EventEnvelope promoted = rotation.promoted(PROM, pods, Instant.now());
    rig.send(promoted);
    await("the late promote is processed")
        .atMost(Rig.VERDICT_TIMEOUT)
        .until(() -> rig.processed(promoted.id()));

    assertThat(rig.soakStatus(rotation, SoakKind.STAGE)).as("no stage soak").isNull();
    assertThat(rig.events(rotation))
        .noneMatch(e -> e.type() == EventType.VERIFICATION_STARTED)
        .noneMatch(e -> e.type() == EventType.VERIFICATION_PASSED)
        .noneMatch(e -> e.type() == EventType.ROTATION_COMPLETED);
  }

  /**
   * A rollback check that cannot decide fails the rotation: nobody is asked to decide it, so it is
   * not counted as a stage waiting for a person (the gauge, ROTOR-4011).
   */
  @Test
  @Order(16)
  void anInconclusiveRollbackCheckIsNotAStageAwaitingADecision() {
    Rotation rotation = rotation("rollback-elsewhere", ELSEWHERE, SOAK, "rollback-elsewhere");
    rotation.admitted(Instant.now()).forEach(rig::send);
    rig.send(rotation.rolledBack(ELSEWHERE, oldKey.keyId(), List.of(), Instant.now()));

    RotationFailed failed = (RotationFailed) rig.await(rotation, EventType.ROTATION_FAILED).data();
    assertThat(failed.message()).contains("rotor.verifier.clusters.elsewhere");
    assertThat(rig.soakStatus(rotation, SoakKind.ROLLBACK)).isEqualTo(SoakStatus.INCONCLUSIVE);
    long stagesWaiting =
        QuarkusTransaction.requiringNew()
            .call(
                () ->
                    SoakRecord.count(
                        "status = ?1 and kind = ?2", SoakStatus.INCONCLUSIVE, SoakKind.STAGE));
    assertThat(soaks.awaitingDecision()).isEqualTo(stagesWaiting);
  }

  /**
   * The promoted pods' decrypt failures made the rotation roll back; the rollback check must not
   * count them. Its decrypt-failure query here counts every second of its window that lies before
   * the rollback: anything but 0 means the check looked back before it started.
   */
  @Test
  @Order(17)
  void aRollbackCheckCountsNothingFromBeforeItStarted() {
    String name = "rollback-after-failures";
    Instant rolledBackAfter = Instant.now().plusSeconds(2);
    Rotation rotation =
        Rotation.of(
            name,
            name + "-config",
            newKey.fingerprint(),
            oldKey.keyId(),
            withDecryptQuery(
                "sum_over_time((vector(time()) < bool "
                    + rolledBackAfter.getEpochSecond()
                    + ")[1m:1s])"),
            Rotation.stage(PROM, Duration.ofMinutes(5), Rotation.everySecond(3), name));
    rig.deployment(name, 1, List.of(String.format(Rig.SELF_TEST, oldKey.keyId(), newKey.keyId())));
    rig.secret(name + "-config", oldKey, oldKey);
    rotation.admitted(Instant.now()).forEach(rig::send);
    rig.send(rotation.rollbackCommitted(List.of(PROM), Instant.now()));
    await("the failures are in the past")
        .atMost(Duration.ofSeconds(10))
        .until(() -> Instant.now().isAfter(rolledBackAfter.plusSeconds(1)));
    rig.send(rotation.rolloutStarted(PROM, Phase.ROLLBACK, Instant.now()));
    List<PodStatus> pods = rig.restart(name);
    rig.send(rotation.rolledBack(PROM, oldKey.keyId(), pods, Instant.now()));

    EventEnvelope outcome =
        await("the rollback's outcome")
            .atMost(Rig.VERDICT_TIMEOUT)
            .until(
                () ->
                    rig.events(rotation).stream()
                        .filter(
                            e ->
                                e.type() == EventType.ROTATION_ROLLED_BACK
                                    || e.type() == EventType.ROTATION_FAILED)
                        .findFirst(),
                java.util.Optional::isPresent)
            .orElseThrow();
    assertThat(outcome.data()).as("%s", outcome.data()).isInstanceOf(RotationRolledBack.class);
  }

  /**
   * One decrypt failure in each interval of a soak, two tolerated: each interval alone stays within
   * the bound, the soak does not. The decrypt-failure query counts the seconds of its {@code
   * {window}} at which a failure happened (three seconds, one in each interval whatever the moment
   * the soak starts within a few seconds); a check that looked at its own interval only would see
   * one each time, and the stage would end inconclusive for want of traffic.
   */
  @Test
  @Order(18)
  void decryptFailuresAreCountedOverTheWholeSoakAndItsToleranceIsTheSoaks() {
    String name = "failure-per-interval";
    Duration interval = Duration.ofSeconds(5);
    Instant promotedAt =
        Instant.now().plusSeconds(8).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    StringBuilder failures = new StringBuilder();
    for (int i = 0; i < 3; i++) {
      long second = promotedAt.getEpochSecond() + 4 + 5L * i;
      failures
          .append(i == 0 ? "" : " + ")
          .append("((vector(time()) >= bool ")
          .append(second)
          .append(") - (vector(time()) >= bool ")
          .append(second + 1)
          .append("))");
    }
    Thresholds d = Thresholds.DEFAULT;
    Rotation rotation =
        Rotation.of(
            name,
            name + "-config",
            newKey.fingerprint(),
            oldKey.keyId(),
            withDecryptQuery("sum_over_time((" + failures + ")[{window}:1s])"),
            Rotation.stage(
                PROM,
                interval.multipliedBy(3),
                new Thresholds(
                    d.maxErrorRate(),
                    d.maxP99Latency(),
                    d.maxBaselineFactor(),
                    2,
                    3,
                    interval,
                    null),
                name));
    rig.deployment(name, 1, List.of(String.format(Rig.SELF_TEST, newKey.keyId(), oldKey.keyId())));
    rig.secret(name + "-config", newKey, newKey, oldKey);
    Instant start = Instant.now();
    rotation.admitted(start).forEach(rig::send);
    rig.send(rotation.rolloutStarted(PROM, Phase.DISTRIBUTE, start));
    rig.send(rotation.rolloutStarted(PROM, Phase.PROMOTE, start));
    List<PodStatus> pods = rig.restart(name);
    assertThat(Instant.now()).as("the rollout took too long for the schedule").isBefore(promotedAt);
    await("the promote's scheduled completion")
        .atMost(Duration.ofSeconds(10))
        .until(() -> !Instant.now().isBefore(promotedAt));
    rig.send(rotation.promoted(PROM, pods, Instant.now()));

    VerificationFailed failed = rig.failed(rotation, PROM);

    assertThat(failed.reason()).isEqualTo(Reasons.Verification.DECRYPT_FAILURES);
    assertThat(failed.message())
        .startsWith("3 decrypt failure(s) in " + name)
        .contains("2 tolerated");
  }

  /**
   * The container crashed on a payload it could not decrypt and the kubelet restarted it: its new
   * instance logs a clean start, and only the previous instance's log says why it died.
   */
  @Test
  @Order(19)
  void aRestartedContainersPreviousLogIsReadAndItsForbiddenLineFailsTheStageQuotingIt() {
    String name = "crashed-on-decrypt";
    String selfTest = String.format(Rig.SELF_TEST, newKey.keyId(), oldKey.keyId());
    String crash =
        "SECRETS-0100 decrypt failed for payload 0c5e7a2d, key id "
            + oldKey.keyId()
            + ": not in the keyring";
    Rotation rotation = rotation(name, PROM, SOAK, name);
    String pod =
        promotedAfterARestart(rotation, name, "Error", 1, List.of(selfTest, crash, "panic"));

    VerificationFailed failed = rig.failed(rotation, PROM);

    assertThat(failed.reason()).isEqualTo(Reasons.Verification.FORBIDDEN_LOG);
    assertThat(failed.message())
        .contains("pod " + pod)
        .contains("'decrypt(ion)? fail'")
        .contains("[previous container " + name + "] SECRETS-0100 decrypt failed");
    assertThat(Rig.evidence(failed.evidence(), "log:forbidden:" + pod).detail())
        .contains("[previous container " + name + "] SECRETS-0100 decrypt failed");
    // The plan sets no maxContainerRestarts: the restart is recorded, the forbidden line decides.
    Evidence restarts = Rig.evidence(failed.evidence(), "restarts:" + pod);
    assertThat(restarts.threshold()).isNull();
    assertThat(restarts.detail())
        .startsWith("recorded only (the policy sets no thresholds.maxContainerRestarts)")
        .contains("container " + name + " restarted 1 time(s)")
        .contains("Error, exit code 1")
        .contains("the last ended instance's log was read");
  }

  @Test
  @Order(20)
  void containerRestartsBeyondTheStagesBoundFailItWithTheRestartsAndHowTheContainerEnded() {
    String name = "restarting";
    String selfTest = String.format(Rig.SELF_TEST, newKey.keyId(), oldKey.keyId());
    Rotation rotation =
        Rotation.of(
            name,
            name + "-config",
            newKey.fingerprint(),
            oldKey.keyId(),
            Rotation.QUICK,
            Rotation.stage(PROM, SOAK, withRestartsTolerated(Rotation.everySecond(3), 0), name));
    String pod = promotedAfterARestart(rotation, name, "OOMKilled", 137, List.of(selfTest));

    VerificationFailed failed = rig.failed(rotation, PROM);

    assertThat(failed.reason()).isEqualTo(Reasons.Verification.CONTAINER_RESTARTS);
    assertThat(failed.message())
        .contains("pod " + pod + ": container " + name + " restarted 1 time(s)")
        .contains("last terminated: OOMKilled, exit code 137")
        .contains("0 restart(s) of a container tolerated, thresholds.maxContainerRestarts");
    Evidence restarts = Rig.evidence(failed.evidence(), "restarts:" + pod);
    assertThat(restarts.value()).isEqualTo(1.0);
    assertThat(restarts.threshold()).isEqualTo(0.0);
    assertThat(restarts.detail()).contains("OOMKilled, exit code 137");
  }

  /**
   * One restart tolerated, and the API server has no previous log to give (HTTP 400): noted in the
   * evidence, but it decides nothing. The stage ends inconclusive only because Prometheus has no
   * data here, as for a pod that never restarted.
   */
  @Test
  @Order(21)
  void aToleratedRestartWhosePreviousLogIsGoneIsNotedAndDecidesNothing() {
    String name = "restarted-once";
    Rotation rotation =
        Rotation.of(
            name,
            name + "-config",
            newKey.fingerprint(),
            oldKey.keyId(),
            Rotation.QUICK,
            Rotation.stage(PROM, SOAK, withRestartsTolerated(Rotation.everySecond(3), 1), name));
    String pod = promotedAfterARestart(rotation, name, "Error", 2, null);

    EventEnvelope verdict = rig.verdict(rotation, PROM);

    assertThat(verdict.data()).isInstanceOf(VerificationInconclusive.class);
    VerificationInconclusive inconclusive = (VerificationInconclusive) verdict.data();
    assertThat(inconclusive.message())
        .contains("no data for error-rate of " + name)
        .doesNotContain(pod);
    Evidence restarts = Rig.evidence(inconclusive.evidence(), "restarts:" + pod);
    assertThat(restarts.threshold()).isEqualTo(1.0);
    assertThat(restarts.detail())
        .contains("restarted 1 time(s)")
        .contains("the last ended instance's log could not be read (HTTP 400");
  }

  /** A pod that never restarted: no previous log is asked for, and no restart is reported. */
  @Test
  @Order(22)
  void aPodThatNeverRestartedHasOnlyItsCurrentLogRead() {
    VerificationFailed failed = rig.failed(rotations.get(FORBIDDEN_LOG), PROM);

    assertThat(failed.evidence()).noneMatch(e -> e.check().startsWith("restarts:"));
    assertThat(api.dispatcher().requests("GET", ".*/pods/forbidden-log-.*/log"))
        .isNotEmpty()
        .noneMatch(r -> r.query().contains("previous=true"));
  }

  @Test
  @Order(99)
  void theKeysAppearInNoRecordRowLogLineOrResponse() throws Exception {
    rig.verdict(rotations.get(MISSING_LOG), PROM);
    String written =
        rig.everythingWritten()
            + given().get("/q/metrics").asString()
            + given().get("/q/health").asString();

    assertThat(written).contains(newKey.fingerprint());
    for (String form : Rig.forms(oldKey, newKey, otherKey)) {
      assertThat(written.indexOf(form)).as("a key in what the verifier wrote").isEqualTo(-1);
    }
  }

  /**
   * Creates Deployment {@code name} with a Secret holding the new key as primary, rolls {@code
   * rotation} out to it, and has the kubelet restart the new pod's container once after its
   * previous instance ended with {@code reason} and {@code exitCode}, logging {@code previousLog}
   * (null: none to give); then the promote completes. The new instance logs the self-test.
   *
   * @return the pod
   */
  private String promotedAfterARestart(
      Rotation rotation, String name, String reason, int exitCode, List<String> previousLog) {
    rig.deployment(name, 1, List.of(String.format(Rig.SELF_TEST, newKey.keyId(), oldKey.keyId())));
    rig.secret(name + "-config", newKey, newKey, oldKey);
    Instant start = Instant.now();
    rotation.admitted(start).forEach(rig::send);
    rig.send(rotation.rolloutStarted(PROM, Phase.DISTRIBUTE, start));
    rig.send(rotation.rolloutStarted(PROM, Phase.PROMOTE, start));
    List<PodStatus> pods = rig.restart(name);
    String pod = pods.get(0).name();
    api.rollouts().restartContainer(Rig.NS, pod, name, reason, exitCode, previousLog);
    rig.send(rotation.promoted(PROM, pods, Instant.now()));
    return pod;
  }

  private static Thresholds withRestartsTolerated(Thresholds t, int restarts) {
    return new Thresholds(
        t.maxErrorRate(),
        t.maxP99Latency(),
        t.maxBaselineFactor(),
        t.maxDecryptFailures(),
        t.failureLimit(),
        t.interval(),
        restarts);
  }

  /** The plan's quick queries ({@link Rotation#QUICK}) with {@code query} for decrypt failures. */
  private static VerificationSpec withDecryptQuery(String query) {
    VerificationSpec quick = Rotation.QUICK;
    return new VerificationSpec(
        quick.errorRateQuery(),
        quick.latencyQuery(),
        query,
        quick.baselineWindow(),
        quick.requiredLogPatterns(),
        quick.forbiddenLogPatterns());
  }

  /** A rotation of a Deployment of its own, on {@code prom}, that will be rolled back. */
  private Rotation rollbackOnly(String name) {
    rig.deployment(name, 1, List.of(String.format(Rig.SELF_TEST, oldKey.keyId(), newKey.keyId())));
    rig.secret(name + "-config", oldKey, oldKey);
    return rotation(name, PROM, Duration.ofMinutes(5), name);
  }

  private Rotation rotation(String name, String cluster, Duration soak, String... deployments) {
    return Rotation.of(
        name,
        deployments[0] + "-config",
        newKey.fingerprint(),
        oldKey.keyId(),
        Rotation.QUICK,
        Rotation.stage(cluster, soak, Rotation.everySecond(3), deployments));
  }
}
