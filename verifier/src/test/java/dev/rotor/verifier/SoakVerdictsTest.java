package dev.rotor.verifier;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.Evidence;
import dev.rotor.common.event.Phase;
import dev.rotor.common.event.PodStatus;
import dev.rotor.common.event.Reasons;
import dev.rotor.common.event.RotationCompleted;
import dev.rotor.common.event.StageVerdict;
import dev.rotor.common.event.VerificationFailed;
import dev.rotor.common.event.VerificationInconclusive;
import dev.rotor.common.event.VerificationPassed;
import dev.rotor.common.event.VerificationStarted;
import dev.rotor.common.plan.Stage;
import dev.rotor.common.plan.Thresholds;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.PostgresResource;
import dev.rotor.testsupport.SecretsServiceProcess;
import dev.rotor.testsupport.ServiceEndpointsContract;
import dev.rotor.testsupport.kubernetes.InjectKubernetesApi;
import dev.rotor.testsupport.kubernetes.KubernetesApiServer;
import dev.rotor.testsupport.kubernetes.KubernetesApiTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The verifier's metric checks against real workloads: secrets-service processes under load,
 * scraped every second by a real Prometheus, their Deployments, pods, logs and Secrets in the
 * Kubernetes mock with the rollout simulator, a real Kafka broker and PostgreSQL.
 *
 * <p>Every scenario starts at once ({@link #startEveryScenario()}), each on its own Deployment and
 * Secret, so that their soaks of a few seconds run side by side; each test checks the verdict of
 * its scenario. Each scenario runs as two rotations of the same workload at the same time: one on
 * cluster {@code prom}, read through the Prometheus HTTP API, and one on cluster {@code scrape},
 * read by direct scrape of the pods, so that the two sources' verdicts can be compared.
 *
 * <p>The workloads' latencies are the wall time of real requests on a machine they share with the
 * test, so they rise with its load: see {@link LatencyNoise}.
 */
@QuarkusTest
@TestProfile(SoakVerdictsTest.LatencyNoise.class)
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
@WithTestResource(FleetResource.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SoakVerdictsTest extends ServiceEndpointsContract {
  static final String PROM = "prom";
  static final String SCRAPE = "scrape";
  static final Duration SOAK = Duration.ofSeconds(10);

  /** Served by Prometheus' own metrics endpoint: no series of the workload. */
  static final String GHOST = "ghost";

  /** The second stage of the rotation a person forces, served by the healthy process. */
  static final String STAGE_TWO = "stage-two";

  /**
   * Latency below the plans' absolute bound ({@code maxP99Latency}, 500 ms) is noise here, never a
   * breach of the baseline bound ({@code rotor.verifier.baseline.min-latency}).
   *
   * <p>Every workload's {@code http_server_requests_seconds} is the wall time of real requests to
   * JVMs that share two cores with Kafka, PostgreSQL, Prometheus, the load and the verifier, and
   * the verifier starts its sixteen soaks, each checking every second, only once the baseline (the
   * 10 s before the rotation) was measured. A 5 s window holds some 80 requests, so its p99 is
   * their slowest: a scheduling delay or a pause of one JVM. The baseline bound (1.5 × a baseline
   * of 75 to 90 ms: 112 to 135 ms) thus failed the healthy stage whenever the machine got busier
   * during its soak than before it (p99 135 ms, 162 ms; the bound fails a stage on one breach at
   * the soak's end). The slow workload's latency is a configured 800 ms delay on top of the same
   * wall time, at least 800 ms however busy the machine: the absolute bound tells it from the
   * healthy one on any load, and it is the bound its test asserts. How the baseline tightens the
   * bound, and the floor, are {@code SoakJudgeTest}'s.
   */
  public static class LatencyNoise implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "rotor.verifier.baseline.min-latency", Thresholds.DEFAULT.maxP99Latency().toString());
    }
  }

  @InjectKubernetesApi KubernetesApiServer api;
  Fleet fleet;

  private final ScheduledExecutorService spikes = Executors.newSingleThreadScheduledExecutor();
  private final Map<String, Rotation> prom = new LinkedHashMap<>();
  private final Map<String, Rotation> scrape = new LinkedHashMap<>();
  private Rig rig;
  private Instant rotationStart;

  /** A metrics scenario: the Deployment, its failure limit and the window of its queries. */
  private record Scenario(String deployment, int failureLimit, String window) {}

  private static final List<Scenario> SCENARIOS =
      List.of(
          new Scenario(Fleet.HEALTHY, 3, "5s"),
          new Scenario(Fleet.ERRORS, 3, "5s"),
          new Scenario(Fleet.SLOW, 3, "5s"),
          new Scenario(Fleet.DECRYPTING, 3, "5s"),
          new Scenario(Fleet.QUIET, 3, "5s"),
          new Scenario(GHOST, 3, "5s"),
          new Scenario(Fleet.ALREADY_FAILING, 3, "5s"),
          // About a second of errors: a 3 s window sees it in fewer than 8 checks.
          new Scenario(Fleet.SPIKE, 8, "3s"));

  @BeforeAll
  void startEveryScenario() {
    rig = new Rig(api);
    String selfTest = String.format(Rig.SELF_TEST, fleet.newKey().keyId(), fleet.oldKey().keyId());
    List<String> deployments = new ArrayList<>();
    SCENARIOS.forEach(s -> deployments.add(s.deployment()));
    deployments.add(STAGE_TWO);
    for (String deployment : deployments) {
      rig.deployment(
          deployment,
          fleet.pods().containsKey(deployment) ? fleet.of(deployment).size() : 1,
          List.of("SECRETS-0001 keyring read from the environment", selfTest));
      rig.secret(deployment + "-config", fleet.newKey(), fleet.newKey(), fleet.oldKey());
    }
    for (Scenario s : SCENARIOS) {
      Stage onProm =
          Rotation.stage(PROM, SOAK, Rotation.everySecond(s.failureLimit()), s.deployment());
      Stage onScrape =
          Rotation.stage(SCRAPE, SOAK, Rotation.everySecond(s.failureLimit()), s.deployment());
      // The quiet rotation has a second stage, for the person who forces the first.
      Stage next =
          Rotation.stage(SCRAPE, Duration.ofSeconds(3), Rotation.everySecond(3), STAGE_TWO);
      prom.put(
          s.deployment(),
          s.deployment().equals(Fleet.QUIET) ? rotation(s, onProm, next) : rotation(s, onProm));
      scrape.put(s.deployment(), rotation(s, onScrape));
    }

    // Enough history for the baseline: the 10 s before the rotation began.
    await("10 s of metrics in Prometheus")
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () ->
                fleet
                        .prometheus()
                        .query("count_over_time(up{deployment=\"" + Fleet.HEALTHY + "\"}[20s])")
                        .orElse(0.0)
                    >= 12);

    rotationStart = Instant.now();
    for (Rotation rotation : allRotations()) {
      rotation.admitted(rotationStart).forEach(rig::send);
      String cluster = rotation.plan().stages().get(0).cluster();
      rig.send(rotation.rolloutStarted(cluster, Phase.DISTRIBUTE, rotationStart));
      rig.send(rotation.rolloutStarted(cluster, Phase.PROMOTE, rotationStart));
    }

    // The rotation goes bad where it should: errors and latency start once it began.
    fleet.single(Fleet.ERRORS).fault(0.5, Duration.ZERO);
    fleet.single(Fleet.SLOW).fault(0, Duration.ofMillis(800));

    Map<String, List<PodStatus>> pods = new LinkedHashMap<>();
    for (String deployment : deployments) {
      pods.put(deployment, rig.restart(deployment));
      rig.bind(deployment, endpoints(deployment));
    }

    Instant done = Instant.now();
    for (Scenario s : SCENARIOS) {
      rig.send(prom.get(s.deployment()).promoted(PROM, pods.get(s.deployment()), done));
      rig.send(scrape.get(s.deployment()).promoted(SCRAPE, pods.get(s.deployment()), done));
    }

    // One short burst of errors on the spike Deployment, two seconds into its soaks.
    rig.only(prom.get(Fleet.SPIKE), EventType.VERIFICATION_STARTED);
    rig.only(scrape.get(Fleet.SPIKE), EventType.VERIFICATION_STARTED);
    SecretsServiceProcess spike = fleet.single(Fleet.SPIKE);
    spikes.schedule(() -> spike.fault(1.0, Duration.ZERO), 2, TimeUnit.SECONDS);
    spikes.schedule(() -> spike.fault(0, Duration.ZERO), 3, TimeUnit.SECONDS);
  }

  @AfterAll
  void close() {
    spikes.shutdownNow();
    rig.close();
  }

  @Test
  @Order(1)
  void aHealthyStagePassesAfterItsSoakAndTheRotationCompletesWithItsRecord() {
    Rotation rotation = prom.get(Fleet.HEALTHY);
    EventEnvelope verdict = rig.verdict(rotation, PROM);
    VerificationStarted started =
        (VerificationStarted) rig.only(rotation, EventType.VERIFICATION_STARTED).data();

    assertThat(verdict.data()).isInstanceOf(VerificationPassed.class);
    assertThat(started.soakEndsAt()).isAfterOrEqualTo(rotationStart.plus(SOAK));
    assertThat(verdict.time())
        .as("never before the soak ends")
        .isAfterOrEqualTo(started.soakEndsAt());
    List<Evidence> evidence = ((VerificationPassed) verdict.data()).evidence();
    assertThat(Rig.evidence(evidence, "error-rate:healthy").value()).isLessThanOrEqualTo(0.01);
    assertThat(Rig.evidence(evidence, "p99-latency:healthy").value()).isLessThan(0.5);
    assertThat(Rig.evidence(evidence, "p99-latency:healthy").baseline()).isNotNull();
    assertThat(Rig.evidence(evidence, "decrypt-failures:healthy").value()).isZero();
    assertThat(Rig.evidence(evidence, "fingerprint").detail())
        .contains(fleet.newKey().fingerprint())
        .contains(fleet.oldKey().fingerprint());
    assertThat(evidence).anySatisfy(e -> assertThat(e.check()).startsWith("log:required:healthy-"));

    RotationCompleted completed =
        (RotationCompleted) rig.only(rotation, EventType.ROTATION_COMPLETED).data();
    assertThat(completed.fingerprint()).isEqualTo(fleet.newKey().fingerprint());
    assertThat(completed.previousFingerprint()).isEqualTo(fleet.oldKey().fingerprint());
    assertThat(completed.requestedBy()).isEqualTo("alice");
    assertThat(completed.approvers()).containsExactly("bob");
    assertThat(completed.commit()).isEqualTo(Rotation.PROMOTE_COMMIT);
    assertThat(completed.verdicts())
        .extracting(StageVerdict::cluster, StageVerdict::verdict)
        .containsExactly(tuple(PROM, Reasons.Verdict.PASSED));
  }

  @Test
  @Order(2)
  void anErrorRateAboveItsBoundForTheFailureLimitFailsTheStage() {
    VerificationFailed failed = rig.failed(prom.get(Fleet.ERRORS), PROM);

    assertThat(failed.reason()).isEqualTo(Reasons.Verification.ERROR_RATE);
    Evidence errorRate = Rig.evidence(failed.evidence(), "error-rate:errors");
    assertThat(errorRate.value()).isGreaterThan(0.01);
    assertThat(errorRate.threshold()).isEqualTo(0.01);
    assertThat(errorRate.baseline()).as("healthy before the rotation").isLessThan(0.01);
    assertThat(failed.message()).contains("3 consecutive checks");
  }

  @Test
  @Order(3)
  void aP99LatencyAboveItsBoundFailsTheStage() {
    VerificationFailed failed = rig.failed(prom.get(Fleet.SLOW), PROM);

    assertThat(failed.reason()).isEqualTo(Reasons.Verification.LATENCY);
    Evidence latency = Rig.evidence(failed.evidence(), "p99-latency:slow");
    assertThat(latency.value()).isGreaterThan(0.5);
    assertThat(latency.threshold()).isEqualTo(0.5);
    assertThat(latency.baseline()).as("healthy before the rotation").isLessThan(0.5);
    assertThat(failed.message()).contains("3 consecutive checks");
  }

  @Test
  @Order(4)
  void decryptFailuresFailTheStageAtOnce() {
    VerificationFailed failed = rig.failed(prom.get(Fleet.DECRYPTING), PROM);

    assertThat(failed.reason()).isEqualTo(Reasons.Verification.DECRYPT_FAILURES);
    assertThat(Rig.evidence(failed.evidence(), "decrypt-failures:decrypting").value())
        .isGreaterThan(0);
  }

  @Test
  @Order(5)
  void zeroTrafficIsInconclusiveAndNeverRollsBack() {
    Rotation rotation = prom.get(Fleet.QUIET);
    EventEnvelope verdict = rig.verdict(rotation, PROM);

    assertThat(verdict.data()).isInstanceOf(VerificationInconclusive.class);
    assertThat(((VerificationInconclusive) verdict.data()).message())
        .contains("no data for error-rate of quiet")
        .contains("rotorctl promote --force");
    assertThat(rig.events(rotation)).noneMatch(e -> e.type() == EventType.VERIFICATION_FAILED);
  }

  @Test
  @Order(6)
  void aMissingSeriesIsInconclusive() {
    EventEnvelope verdict = rig.verdict(prom.get(GHOST), PROM);

    assertThat(verdict.data()).isInstanceOf(VerificationInconclusive.class);
    VerificationInconclusive inconclusive = (VerificationInconclusive) verdict.data();
    assertThat(inconclusive.message()).contains("empty result");
    assertThat(Rig.evidence(inconclusive.evidence(), "error-rate:ghost").value()).isNull();
  }

  @Test
  @Order(7)
  void aBaselineAboveTheAbsoluteBoundDoesNotLiftTheBound() {
    VerificationFailed failed = rig.failed(prom.get(Fleet.ALREADY_FAILING), PROM);

    assertThat(failed.reason()).isEqualTo(Reasons.Verification.ERROR_RATE);
    Evidence errorRate = Rig.evidence(failed.evidence(), "error-rate:already-failing");
    assertThat(errorRate.baseline()).isGreaterThan(0.1);
    assertThat(errorRate.value()).isGreaterThan(0.1);
    assertThat(failed.message()).contains("already above the absolute bound before the rotation");
  }

  @Test
  @Order(8)
  void aSingleSpikeShorterThanTheFailureLimitStillPasses() {
    EventEnvelope verdict = rig.verdict(prom.get(Fleet.SPIKE), PROM);

    assertThat(verdict.data()).isInstanceOf(VerificationPassed.class);
    Evidence errorRate =
        Rig.evidence(((VerificationPassed) verdict.data()).evidence(), "error-rate:spike");
    assertThat(Rig.breaching(errorRate)).as("the spike was seen").isBetween(1, 7);
  }

  @Test
  @Order(9)
  void theDirectScrapeGivesTheSameVerdictsAsPrometheusOnEveryScenario() {
    Map<String, String> byPrometheus = new LinkedHashMap<>();
    Map<String, String> byScrape = new LinkedHashMap<>();
    for (Scenario s : SCENARIOS) {
      byPrometheus.put(s.deployment(), Rig.outcome(rig.verdict(prom.get(s.deployment()), PROM)));
      byScrape.put(s.deployment(), Rig.outcome(rig.verdict(scrape.get(s.deployment()), SCRAPE)));
    }

    assertThat(byScrape).isEqualTo(byPrometheus);
    assertThat(byPrometheus)
        .containsEntry(Fleet.HEALTHY, "passed")
        .containsEntry(Fleet.ERRORS, "failed ERROR_RATE")
        .containsEntry(Fleet.SLOW, "failed LATENCY")
        .containsEntry(Fleet.DECRYPTING, "failed DECRYPT_FAILURES")
        .containsEntry(Fleet.QUIET, "inconclusive")
        .containsEntry(GHOST, "inconclusive")
        .containsEntry(Fleet.ALREADY_FAILING, "failed ERROR_RATE")
        .containsEntry(Fleet.SPIKE, "passed");
    Evidence spike =
        Rig.evidence(
            ((VerificationPassed) rig.verdict(scrape.get(Fleet.SPIKE), SCRAPE).data()).evidence(),
            "error-rate:spike");
    assertThat(Rig.breaching(spike)).as("the scrape saw the spike too").isGreaterThanOrEqualTo(1);
  }

  @Test
  @Order(20)
  void aPersonForcesAnInconclusiveStageAndTheRotationCompletesWithTheForcedVerdict() {
    Rotation rotation = prom.get(Fleet.QUIET);
    assertThat(rig.verdict(rotation, PROM).data()).isInstanceOf(VerificationInconclusive.class);

    rig.send(rotation.forced("carol", Instant.now()));

    VerificationPassed forced =
        (VerificationPassed) rig.await(rotation, EventType.VERIFICATION_PASSED).data();
    assertThat(forced.cluster()).isEqualTo(PROM);
    assertThat(Rig.evidence(forced.evidence(), "forced").detail()).contains("carol");

    Instant next = Instant.now();
    rig.send(rotation.rolloutStarted(SCRAPE, Phase.DISTRIBUTE, next));
    rig.send(rotation.rolloutStarted(SCRAPE, Phase.PROMOTE, next));
    List<PodStatus> pods = rig.restart(STAGE_TWO);
    rig.bind(STAGE_TWO, endpoints(STAGE_TWO));
    rig.send(rotation.promoted(SCRAPE, pods, Instant.now()));

    RotationCompleted completed =
        (RotationCompleted) rig.await(rotation, EventType.ROTATION_COMPLETED).data();
    assertThat(completed.verdicts())
        .extracting(StageVerdict::cluster, StageVerdict::verdict)
        .containsExactly(
            tuple(PROM, Reasons.Verdict.FORCED), tuple(SCRAPE, Reasons.Verdict.PASSED));
    assertThat(completed.approvers()).containsExactly("bob", "carol");
  }

  @Test
  @Order(30)
  void verdictsSoaksAndCheckDurationsAreMetrics() {
    rig.failed(prom.get(Fleet.ERRORS), PROM);

    String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();

    assertThat(metrics)
        .containsPattern(
            "rotor_verifier_verdicts_total\\{[^}]*kind=\"stage\"[^}]*outcome=\"failed\"[^}]*"
                + "reason=\"ERROR_RATE\"")
        .containsPattern("rotor_verifier_soaks_in_progress\\{kind=\"stage\"")
        .contains("rotor_verifier_check_duration_seconds_count{")
        .containsPattern("rotor_verifier_metric_reads_total\\{[^}]*result=\"no_data\"")
        .contains("rotor_verifier_outbox_unsent");
  }

  @Test
  @Order(31)
  void readinessReportsKafkaTheDatabaseAndTheMetricsSource() {
    String health = given().get("/q/health/ready").then().statusCode(200).extract().asString();

    assertThat(health)
        .contains("\"metrics-source\"")
        .contains(fleet.prometheus().url().toString())
        .contains("SmallRye Reactive Messaging - readiness check")
        .contains("\"rollouts\": \"[OK]\"")
        .contains("Database connections health check");
  }

  @Test
  @Order(99)
  void theKeysAppearInNoRecordRowLogLineOrResponse() throws Exception {
    rig.verdict(prom.get(Fleet.HEALTHY), PROM);
    String written =
        rig.everythingWritten()
            + given().get("/q/metrics").asString()
            + given().get("/q/health").asString();

    assertThat(written).contains(fleet.newKey().fingerprint());
    for (String form : Rig.forms(fleet.oldKey(), fleet.newKey(), fleet.otherKey())) {
      assertThat(written.indexOf(form)).as("a key in what the verifier wrote").isEqualTo(-1);
    }
  }

  private Rotation rotation(Scenario scenario, Stage... stages) {
    return Rotation.of(
        scenario.deployment(),
        scenario.deployment() + "-config",
        fleet.newKey().fingerprint(),
        fleet.oldKey().keyId(),
        Rotation.window(scenario.window()),
        stages);
  }

  private List<Rotation> allRotations() {
    List<Rotation> all = new ArrayList<>(prom.values());
    all.addAll(scrape.values());
    return all;
  }

  /** Where each pod of {@code deployment} is scraped: its process, or Prometheus' own metrics. */
  private List<String> endpoints(String deployment) {
    if (deployment.equals(GHOST)) {
      return List.of(fleet.prometheus().url().getPort() + " /metrics");
    }
    List<SecretsServiceProcess> processes =
        fleet.pods().getOrDefault(deployment, List.of(fleet.single(Fleet.HEALTHY)));
    return processes.stream().map(p -> p.port() + " /q/metrics").toList();
  }
}
