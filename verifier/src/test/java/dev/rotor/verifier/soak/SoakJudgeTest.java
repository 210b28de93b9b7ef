package dev.rotor.verifier.soak;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.common.event.Evidence;
import dev.rotor.common.event.Reasons.Verification;
import dev.rotor.common.plan.Thresholds;
import dev.rotor.common.plan.VerificationSpec;
import dev.rotor.verifier.cluster.PodLogs;
import dev.rotor.verifier.cluster.ProofResult;
import dev.rotor.verifier.cluster.ProofResult.State;
import dev.rotor.verifier.metrics.MetricKind;
import dev.rotor.verifier.metrics.MetricValue;
import dev.rotor.verifier.metrics.MetricsReading;
import dev.rotor.verifier.metrics.StageTarget;
import dev.rotor.verifier.store.SoakKind;
import dev.rotor.verifier.store.SoakStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SoakJudgeTest {
  static final StageTarget TARGET =
      new StageTarget(
          "staging", "shop", List.of("checkout"), VerificationSpec.DEFAULT, Duration.ofSeconds(30));
  static final Thresholds LIMIT_3 =
      new Thresholds(0.01, Duration.ofMillis(500), 1.5, 0, 3, Duration.ofSeconds(30), null);
  static final Instant T = Instant.parse("2026-11-26T06:00:00Z");

  final SoakProgress progress = new SoakProgress();

  @Test
  void aBreachFailsTheStageOnlyWhenItPersistsForTheFailureLimit() {
    SoakRules rules = rules(SoakKind.STAGE);

    assertThat(check(rules, 0.05, 0.1, 0)).isEmpty();
    assertThat(check(rules, 0.05, 0.1, 0)).isEmpty();
    Optional<Finding> third = check(rules, 0.05, 0.1, 0);

    assertThat(third)
        .hasValueSatisfying(f -> assertThat(f.reason()).isEqualTo(Verification.ERROR_RATE));
    assertThat(third.get().message())
        .contains("error rate of checkout on staging was 5.00 %")
        .contains("3 consecutive checks (failure limit 3)");
  }

  @Test
  void aSpikeShorterThanTheFailureLimitPasses() {
    SoakRules rules = rules(SoakKind.STAGE);

    check(rules, 0.001, 0.1, 0);
    check(rules, 0.3, 0.1, 0);
    check(rules, 0.3, 0.1, 0);
    check(rules, 0.001, 0.1, 0);
    check(rules, 0.3, 0.1, 0);
    check(rules, 0.001, 0.1, 0);
    progress.metricsDone = true;
    passLogsAndProof(rules);

    assertThat(SoakJudge.finish(progress, rules).status()).isEqualTo(SoakStatus.PASSED);
    SoakProgress.Series errors = progress.series(MetricKind.ERROR_RATE, "checkout");
    assertThat(errors.breaching).isEqualTo(3);
    assertThat(errors.longestStreak).isEqualTo(2);
  }

  @Test
  void aZeroSoakFailsOnItsOnlyCheckWhenEveryRequestFails() {
    SoakRules rules = rules(SoakKind.STAGE, SoakRules.checksIn(Duration.ZERO, LIMIT_3.interval()));
    passLogsAndProof(rules);

    Optional<Finding> found = check(rules, 1.0, 5.0, 0);

    assertThat(found)
        .hasValueSatisfying(f -> assertThat(f.reason()).isEqualTo(Verification.ERROR_RATE));
    assertThat(found.get().message())
        .contains("1 consecutive checks")
        .contains("failure limit 3, capped at the 1 check(s) the soak runs");
  }

  @Test
  void aSoakShorterThanTheFailureLimitTimesTheIntervalCanStillFail() {
    int checks = SoakRules.checksIn(Duration.ofSeconds(60), LIMIT_3.interval());
    SoakRules rules = rules(SoakKind.STAGE, checks);

    assertThat(checks).isEqualTo(2);
    assertThat(check(rules, 0.2, 0.1, 0)).isEmpty();
    assertThat(check(rules, 0.2, 0.1, 0))
        .hasValueSatisfying(f -> assertThat(f.reason()).isEqualTo(Verification.ERROR_RATE));
  }

  @Test
  void aBreachStillRunningAtTheSoaksEndFailsTheStageWithTheMetricsReason() {
    SoakRules rules = rules(SoakKind.STAGE);
    for (int i = 0; i < 8; i++) {
      check(rules, 0.0, 0.1, 0);
    }
    check(rules, 0.0, 0.9, 0);
    assertThat(check(rules, 0.0, 0.9, 0)).as("2 of 3: not yet a failure").isEmpty();
    progress.metricsDone = true;
    passLogsAndProof(rules);

    Finding finding = SoakJudge.finish(progress, rules);

    assertThat(finding.status()).isEqualTo(SoakStatus.FAILED);
    assertThat(finding.reason()).isEqualTo(Verification.LATENCY);
    assertThat(finding.message())
        .contains("p99 latency of checkout was 900 ms")
        .contains("2 consecutive checks and still at the soak's end");
  }

  @Test
  void aBreachAtTheEndOfAMetricWithTooLittleDataLeavesTheStageInconclusive() {
    SoakRules rules = rules(SoakKind.STAGE);
    for (int i = 0; i < 9; i++) {
      check(rules, null, null, 0);
    }
    check(rules, 0.0, 1.7, 0);
    progress.metricsDone = true;
    passLogsAndProof(rules);

    assertThat(SoakJudge.finish(progress, rules).status()).isEqualTo(SoakStatus.INCONCLUSIVE);
  }

  @Test
  void aBreachStillRunningAtTheEndOfARollbackCheckDecidesNothing() {
    SoakRules rules = rules(SoakKind.ROLLBACK);
    check(rules, 0.5, 2.0, 0);
    progress.metricsDone = true;
    passLogsAndProof(rules);

    assertThat(SoakJudge.finish(progress, rules).status()).isEqualTo(SoakStatus.PASSED);
  }

  @Test
  void aCheckWithoutDataNeitherCountsAsABreachNorEndsARunOfBreaches() {
    SoakRules rules = rules(SoakKind.STAGE);

    check(rules, 0.05, 0.1, 0);
    check(rules, null, 0.1, 0);
    check(rules, 0.05, 0.1, 0);
    Optional<Finding> found = check(rules, 0.05, 0.1, 0);

    assertThat(found)
        .hasValueSatisfying(f -> assertThat(f.reason()).isEqualTo(Verification.ERROR_RATE));
  }

  @Test
  void theBaselineTightensTheBoundButNeverBelowTheFloor() {
    SoakRules rules = rules(SoakKind.STAGE);
    progress.series(MetricKind.LATENCY, "checkout").baseline = 0.2;
    progress.series(MetricKind.ERROR_RATE, "checkout").baseline = 0.0;

    assertThat(SoakJudge.allowed(MetricKind.LATENCY, 0.2, rules))
        .isEqualTo(0.3, org.assertj.core.api.Assertions.within(1e-9));
    assertThat(SoakJudge.allowed(MetricKind.ERROR_RATE, 0.0, rules)).isEqualTo(0.001);
    assertThat(SoakJudge.allowed(MetricKind.LATENCY, 0.01, rules)).isEqualTo(0.1);
    check(rules, 0.0005, 0.35, 0);
    check(rules, 0.0005, 0.35, 0);
    Optional<Finding> found = check(rules, 0.0005, 0.35, 0);

    assertThat(found)
        .hasValueSatisfying(f -> assertThat(f.reason()).isEqualTo(Verification.LATENCY));
    assertThat(found.get().message()).contains("350 ms").contains("baseline 200 ms × 1.5");
  }

  @Test
  void aBaselineAboveTheAbsoluteBoundDoesNotLiftIt() {
    SoakRules rules = rules(SoakKind.STAGE);
    progress.series(MetricKind.ERROR_RATE, "checkout").baseline = 0.3;

    assertThat(SoakJudge.allowed(MetricKind.ERROR_RATE, 0.3, rules)).isEqualTo(0.01);
    check(rules, 0.3, 0.1, 0);
    check(rules, 0.3, 0.1, 0);
    Optional<Finding> found = check(rules, 0.3, 0.1, 0);

    assertThat(found.orElseThrow().message()).contains("already above the absolute bound");
  }

  @Test
  void oneDecryptFailureFailsAtOnce() {
    Optional<Finding> found = check(rules(SoakKind.STAGE), 0.0, 0.1, 1);

    assertThat(found)
        .hasValueSatisfying(f -> assertThat(f.reason()).isEqualTo(Verification.DECRYPT_FAILURES));
  }

  @Test
  void aRollbackCheckRecordsErrorRateAndLatencyButIsNotFailedByThem() {
    SoakRules rules = rules(SoakKind.ROLLBACK);
    for (int i = 0; i < 5; i++) {
      assertThat(check(rules, 0.5, 2.0, 0)).isEmpty();
    }
    progress.metricsDone = true;
    passLogsAndProof(rules);

    assertThat(SoakJudge.finish(progress, rules).status()).isEqualTo(SoakStatus.PASSED);
    assertThat(check(rules, 0.5, 2.0, 3))
        .hasValueSatisfying(f -> assertThat(f.reason()).isEqualTo(Verification.DECRYPT_FAILURES));
  }

  @Test
  void tooFewChecksWithDataMakeTheStageInconclusiveNotPassed() {
    SoakRules rules = rules(SoakKind.STAGE);
    check(rules, 0.0, 0.1, 0);
    for (int i = 0; i < 4; i++) {
      check(rules, null, null, 0);
    }
    passLogsAndProof(rules);

    Finding finding = SoakJudge.finish(progress, rules);

    assertThat(finding.status()).isEqualTo(SoakStatus.INCONCLUSIVE);
    assertThat(finding.message())
        .contains("no data for error-rate of checkout in 4 of 5 checks (empty result)")
        .contains("rotorctl promote --force");
  }

  @Test
  void aPodThatNeverLoggedARequiredLineFailsAtTheEnd() {
    SoakRules rules = rules(SoakKind.STAGE);
    check(rules, 0.0, 0.1, 0);
    SoakJudge.proof(progress, proof(State.OK, State.OK));
    SoakJudge.logs(
        progress,
        List.of(new PodLogs("checkout", "checkout-1", true, null, Map.of(), Map.of(), Map.of())));

    Finding finding = SoakJudge.finish(progress, rules);

    assertThat(finding.reason()).isEqualTo(Verification.MISSING_LOG);
    assertThat(finding.message())
        .isEqualTo("pod checkout-1 never logged a line matching 'self-test passed'");
  }

  @Test
  void podsThatCouldNotBeListedInTheLastRoundAreJudgedAsLastListed() {
    SoakRules rules = rules(SoakKind.STAGE);
    check(rules, 0.0, 0.1, 0);
    SoakJudge.proof(progress, proof(State.OK, State.OK));
    SoakJudge.logs(
        progress,
        List.of(new PodLogs("checkout", "checkout-1", true, null, Map.of(), Map.of(), Map.of())));

    assertThat(SoakJudge.proof(progress, unlisted())).isEmpty();
    SoakJudge.logs(progress, List.of());

    Finding finding = SoakJudge.finish(progress, rules);
    assertThat(finding.reason()).isEqualTo(Verification.MISSING_LOG);
    assertThat(finding.message()).contains("pod checkout-1 never logged");
  }

  @Test
  void aStageWhosePodsCouldNotBeListedInTheLastRoundNeverPasses() {
    SoakRules rules = rules(SoakKind.STAGE);
    check(rules, 0.0, 0.1, 0);
    passLogsAndProof(rules);

    SoakJudge.proof(progress, unlisted());
    SoakJudge.logs(progress, List.of());

    Finding finding = SoakJudge.finish(progress, rules);
    assertThat(finding.status()).isEqualTo(SoakStatus.INCONCLUSIVE);
    assertThat(finding.message())
        .contains("the pods could not be listed in the last round (cannot list the pods");
  }

  @Test
  void aStageWithNoPodAtItsEndNeverPasses() {
    SoakRules rules = rules(SoakKind.STAGE);
    check(rules, 0.0, 0.1, 0);
    SoakJudge.proof(
        progress,
        new ProofResult(State.OK, "secret ok", "3b1f0c5e", null, null, List.of(), State.OK, "0"));

    Finding finding = SoakJudge.finish(progress, rules);
    assertThat(finding.status()).isEqualTo(SoakStatus.INCONCLUSIVE);
    assertThat(finding.message()).contains("no pod of the Deployments was found");
  }

  @Test
  void aWrongSecretOrAStalePodFailsAtOnceTheSecretFirst() {
    Optional<Finding> found = SoakJudge.proof(progress, proof(State.WRONG, State.WRONG));

    assertThat(found)
        .hasValueSatisfying(
            f -> assertThat(f.reason()).isEqualTo(Verification.FINGERPRINT_MISMATCH));
    assertThat(SoakJudge.proof(new SoakProgress(), proof(State.OK, State.WRONG)))
        .hasValueSatisfying(f -> assertThat(f.reason()).isEqualTo(Verification.STALE_POD));
    assertThat(SoakJudge.proof(new SoakProgress(), proof(State.UNREADABLE, State.UNREADABLE)))
        .isEmpty();
  }

  @Test
  void aSecretThatCouldNeverBeReadMakesTheStageInconclusive() {
    SoakRules rules = rules(SoakKind.STAGE);
    check(rules, 0.0, 0.1, 0);
    SoakJudge.proof(progress, proof(State.UNREADABLE, State.OK));

    assertThat(SoakJudge.finish(progress, rules).message())
        .contains("the Secret could not be verified");
  }

  @Test
  void aForbiddenLineFailsAtOnceAndIsQuotedInTheEvidence() {
    SoakRules rules = rules(SoakKind.STAGE);
    Optional<Finding> found =
        SoakJudge.logs(
            progress,
            List.of(
                new PodLogs(
                    "checkout",
                    "checkout-1",
                    true,
                    null,
                    Map.of("self-test passed", "self-test passed"),
                    Map.of("decrypt(ion)? fail", "SECRETS-0100 decrypt failed, key id 0a1b2c3d"),
                    Map.of())));

    assertThat(found)
        .hasValueSatisfying(f -> assertThat(f.reason()).isEqualTo(Verification.FORBIDDEN_LOG));
    List<Evidence> evidence = EvidenceWriter.of(progress, rules);
    assertThat(evidence)
        .anySatisfy(
            e -> {
              assertThat(e.check()).isEqualTo("log:forbidden:checkout-1");
              assertThat(e.detail()).contains("SECRETS-0100 decrypt failed");
            });
  }

  @Test
  void aContainerThatRestartedMoreOftenThanAllowedFailsAtOnceWithItsLastTermination() {
    SoakRules rules = restartRules(SoakKind.STAGE, 0);

    Optional<Finding> found =
        SoakJudge.restarts(
            progress, restarted(new ProofResult.Restart("app", 2, "Error", 1, T)), rules);

    assertThat(found)
        .hasValueSatisfying(
            f -> {
              assertThat(f.reason()).isEqualTo(Verification.CONTAINER_RESTARTS);
              assertThat(f.message())
                  .startsWith(
                      "pod checkout-1: container app restarted 2 time(s) since the pod started,"
                          + " last terminated: Error, exit code 1, at "
                          + T)
                  .contains("0 restart(s) of a container tolerated");
            });
    SoakJudge.logs(
        progress,
        List.of(
            new PodLogs(
                "checkout",
                "checkout-1",
                true,
                null,
                Map.of(),
                Map.of(),
                Map.of("app", "HTTP 400 Bad Request"))));
    assertThat(EvidenceWriter.of(progress, rules))
        .anySatisfy(
            e -> {
              assertThat(e.check()).isEqualTo("restarts:checkout-1");
              assertThat(e.value()).isEqualTo(2.0);
              assertThat(e.threshold()).isEqualTo(0.0);
              assertThat(e.detail())
                  .contains("container app restarted 2 time(s)")
                  .contains(
                      "the last ended instance's log could not be read (HTTP 400 Bad Request)");
            });
  }

  /**
   * A policy that sets no bound: restarts are recorded, never decide (a bound of 0 by default
   * failed every policy on a sidecar's start-up restart).
   */
  @Test
  void restartsDecideNothingWhenThePolicySetsNoBound() {
    SoakRules rules = rules(SoakKind.STAGE);

    assertThat(
            SoakJudge.restarts(
                progress,
                restarted(new ProofResult.Restart("istio-proxy", 3, "Error", 1, T)),
                rules))
        .isEmpty();

    assertThat(progress.pods.get("checkout-1").restarts.get("istio-proxy").count).isEqualTo(3);
    assertThat(EvidenceWriter.of(progress, rules))
        .anySatisfy(
            e -> {
              assertThat(e.check()).isEqualTo("restarts:checkout-1");
              assertThat(e.value()).isEqualTo(3.0);
              assertThat(e.threshold()).isNull();
              assertThat(e.detail())
                  .startsWith("recorded only (the policy sets no thresholds.maxContainerRestarts)")
                  .contains("container istio-proxy restarted 3 time(s)");
            });
  }

  /** As error rate and latency, restarts decide nothing in a rollback check, even with a bound. */
  @Test
  void restartsDecideNothingInARollbackCheck() {
    SoakRules rules = restartRules(SoakKind.ROLLBACK, 0);

    assertThat(
            SoakJudge.restarts(
                progress, restarted(new ProofResult.Restart("app", 2, "Error", 1, T)), rules))
        .isEmpty();

    assertThat(EvidenceWriter.of(progress, rules))
        .anySatisfy(
            e -> {
              assertThat(e.check()).isEqualTo("restarts:checkout-1");
              assertThat(e.threshold()).isNull();
              assertThat(e.detail()).startsWith("recorded only (rollback check)");
            });
  }

  /**
   * Kubernetes keeps only the last ended instance's log: a count that rose by 3 between two rounds
   * left two instances unseen, and the evidence says so rather than that "the" previous log was
   * read.
   */
  @Test
  void aRiseByMoreThanOneBetweenRoundsSaysHowManyInstancesEndedUnseen() {
    SoakRules rules = rules(SoakKind.STAGE);
    PodLogs read = new PodLogs("checkout", "checkout-1", true, null, Map.of(), Map.of(), Map.of());

    SoakJudge.restarts(
        progress, restarted(new ProofResult.Restart("app", 1, "Error", 1, T)), rules);
    SoakJudge.logs(progress, List.of(read));
    assertThat(evidence(EvidenceWriter.of(progress, rules), "restarts:checkout-1").detail())
        .contains("the last ended instance's log was read")
        .doesNotContain("unseen");

    SoakJudge.restarts(
        progress, restarted(new ProofResult.Restart("app", 4, "Error", 1, T)), rules);
    SoakJudge.logs(progress, List.of(read));
    assertThat(evidence(EvidenceWriter.of(progress, rules), "restarts:checkout-1").detail())
        .contains("restarted 4 time(s)")
        .contains(
            "the last ended instance's log was read; 2 earlier instance(s) ended unseen, their"
                + " logs gone");
  }

  /**
   * Many restarted replicas: the forbidden line that failed the stage and the metrics source still
   * make the evidence, and of the restarts those over the bound come first.
   */
  @Test
  void manyRestartedPodsLeaveTheFailuresOwnEvidenceWithinTheCut() {
    SoakRules rules = restartRules(SoakKind.STAGE, 1);
    int replicas = 2 * EvidenceWriter.MAX_ENTRIES;
    List<ProofResult.Pod> pods = replicas(replicas, i -> i == replicas - 1 ? 2 : 1);
    ProofResult listed =
        new ProofResult(State.OK, "secret ok", "3b1f0c5e", null, null, pods, State.OK, "pods ok");
    SoakJudge.proof(progress, listed);
    SoakJudge.restarts(progress, listed, rules);
    SoakJudge.logs(
        progress,
        List.of(
            new PodLogs(
                "checkout",
                "checkout-000",
                true,
                null,
                Map.of(),
                Map.of(
                    "decrypt(ion)? fail", "[previous container app] SECRETS-0100 decrypt failed"),
                Map.of())));
    progress.metricsSource = "prometheus at http://prometheus:9090";

    List<Evidence> evidence = EvidenceWriter.of(progress, rules);

    assertThat(evidence).hasSize(EvidenceWriter.MAX_ENTRIES);
    assertThat(evidence(evidence, "log:forbidden:checkout-000").detail())
        .contains("SECRETS-0100 decrypt failed");
    assertThat(evidence(evidence, "metrics-source").detail()).startsWith("prometheus at");
    String over = "restarts:checkout-" + (2 * EvidenceWriter.MAX_ENTRIES - 1);
    assertThat(evidence(evidence, over).value()).isEqualTo(2.0);
  }

  /** A crash-looping Deployment of many replicas: the message names a few, not every one. */
  @Test
  void aRestartFailureOfManyReplicasNamesTheFirstFewAndCountsTheRest() {
    SoakRules rules = restartRules(SoakKind.STAGE, 0);
    int replicas = 200;
    List<ProofResult.Pod> pods = replicas(replicas, i -> 3);
    ProofResult listed =
        new ProofResult(State.OK, "secret ok", "3b1f0c5e", null, null, pods, State.OK, "pods ok");

    Optional<Finding> found = SoakJudge.restarts(progress, listed, rules);

    assertThat(found)
        .hasValueSatisfying(
            f -> {
              assertThat(f.reason()).isEqualTo(Verification.CONTAINER_RESTARTS);
              assertThat(f.message())
                  .startsWith("pod checkout-000: container app restarted 3 time(s)")
                  .contains("pod checkout-004:")
                  .doesNotContain("pod checkout-005:")
                  .contains("; and 195 more container(s) over the bound (0 restart(s)")
                  .hasSizeLessThan(2_000);
            });
    assertThat(progress.pods).hasSize(replicas);
  }

  @Test
  void restartsWithinTheStagesBoundAreRecordedAndDecideNothing() {
    SoakRules rules =
        new SoakRules(
            SoakKind.STAGE,
            new Thresholds(0.01, Duration.ofMillis(500), 1.5, 0, 3, Duration.ofSeconds(30), 1),
            List.of(Pattern.compile("self-test passed")),
            List.of(),
            0.8,
            0.001,
            0.1,
            10,
            10);

    assertThat(
            SoakJudge.restarts(
                progress, restarted(new ProofResult.Restart("app", 1, "OOMKilled", 137, T)), rules))
        .isEmpty();
    assertThat(progress.pods.get("checkout-1").restarts.get("app").count).isEqualTo(1);
    assertThat(
            SoakJudge.restarts(
                progress, restarted(new ProofResult.Restart("app", 2, "OOMKilled", 137, T)), rules))
        .hasValueSatisfying(
            f ->
                assertThat(f.message())
                    .contains("OOMKilled, exit code 137")
                    .contains("1 restart(s)"));
  }

  @Test
  void failuresFoundTogetherAreReportedByPrecedence() {
    Optional<Finding> first =
        SoakJudge.first(
            List.of(
                Finding.failed(Verification.ERROR_RATE, "e"),
                Finding.failed(Verification.FORBIDDEN_LOG, "f"),
                Finding.failed(Verification.DECRYPT_FAILURES, "d")));

    assertThat(first.orElseThrow().reason()).isEqualTo(Verification.DECRYPT_FAILURES);
  }

  /** A crash that logged why is reported by its cause; the restart is in the evidence. */
  @Test
  void aForbiddenLineTakesPrecedenceOverRestartsAndRestartsOverMetrics() {
    assertThat(
            SoakJudge.first(
                    List.of(
                        Finding.failed(Verification.ERROR_RATE, "e"),
                        Finding.failed(Verification.CONTAINER_RESTARTS, "r"),
                        Finding.failed(Verification.FORBIDDEN_LOG, "f")))
                .orElseThrow()
                .reason())
        .isEqualTo(Verification.FORBIDDEN_LOG);
    assertThat(
            SoakJudge.first(
                    List.of(
                        Finding.failed(Verification.LATENCY, "l"),
                        Finding.failed(Verification.CONTAINER_RESTARTS, "r")))
                .orElseThrow()
                .reason())
        .isEqualTo(Verification.CONTAINER_RESTARTS);
  }

  /**
   * A thousand replicas that never logged the self-test: the message names the first few and how
   * many more, so that the verdict still fits in an event (64 KiB) and is sent, not quarantined.
   */
  @Test
  void aStageOfManyPodsMissingTheRequiredLineFailsWithAVerdictThatFitsAnEvent() {
    List<ProofResult.Pod> pods = pods(1000);
    SoakRules rules = rules(SoakKind.STAGE);
    SoakJudge.proof(
        progress,
        new ProofResult(State.OK, "secret ok", "3b1f0c5e", null, null, pods, State.OK, "pods ok"));
    SoakJudge.logs(
        progress,
        pods.stream()
            .map(p -> new PodLogs("checkout", p.name(), true, null, Map.of(), Map.of(), Map.of()))
            .toList());

    Finding finding = SoakJudge.finish(progress, rules);

    assertThat(finding.reason()).isEqualTo(Verification.MISSING_LOG);
    assertThat(finding.message())
        .startsWith("pod checkout-7f9c8d5b6-00000 never logged a line matching 'self-test passed'")
        .endsWith("; and 990 more required line(s) missing");
    assertFitsAnEvent(finding, rules);
  }

  @Test
  void aStageOfManyPodsWhoseLogsCouldNotBeReadIsInconclusiveWithAVerdictThatFitsAnEvent() {
    List<ProofResult.Pod> pods = pods(1000);
    SoakRules rules = rules(SoakKind.STAGE);
    SoakJudge.proof(
        progress,
        new ProofResult(State.OK, "secret ok", "3b1f0c5e", null, null, pods, State.OK, "pods ok"));
    SoakJudge.logs(
        progress,
        pods.stream()
            .map(
                p ->
                    new PodLogs(
                        "checkout",
                        p.name(),
                        false,
                        "cannot read the log of " + p.name() + ": HTTP 500 Internal Server Error",
                        Map.of(),
                        Map.of(),
                        Map.of()))
            .toList());

    Finding finding = SoakJudge.finish(progress, rules);

    assertThat(finding.status()).isEqualTo(SoakStatus.INCONCLUSIVE);
    assertThat(finding.message())
        .contains("and 990 more pod(s) whose log could not be read")
        .contains("no metrics check ran");
    assertFitsAnEvent(finding, rules);
  }

  /** Whatever a message holds, it is cut: the lists in it are already, this bounds the rest. */
  @Test
  void aMessageIsCutToItsMaximum() {
    String message = Finding.failed(Verification.STALE_POD, "x".repeat(100_000)).message();

    assertThat(message).hasSize(Finding.MAX_MESSAGE + 3).endsWith("...");
  }

  /** The verdict event {@code finding} makes, with its evidence, encodes within the limit. */
  private void assertFitsAnEvent(Finding finding, SoakRules rules) {
    dev.rotor.verifier.Rotation rotation =
        dev.rotor.verifier.Rotation.of(
            "many-pods",
            "checkout-config",
            "3b1f0c5e",
            "99f59ac9",
            VerificationSpec.DEFAULT,
            dev.rotor.verifier.Rotation.stage(
                "staging", Duration.ofMinutes(10), Thresholds.DEFAULT, "checkout"));
    List<Evidence> evidence = EvidenceWriter.of(progress, rules);
    dev.rotor.common.event.RotorEvent event =
        finding.status() == SoakStatus.FAILED
            ? new dev.rotor.common.event.VerificationFailed(
                rotation.id(),
                rotation.target(),
                rotation.plan(),
                "staging",
                finding.reason(),
                finding.message(),
                evidence)
            : new dev.rotor.common.event.VerificationInconclusive(
                rotation.id(),
                rotation.target(),
                rotation.plan(),
                "staging",
                finding.message(),
                evidence);

    byte[] data = dev.rotor.common.event.EventCodec.encode(event);

    assertThat(data.length).isLessThanOrEqualTo(dev.rotor.common.event.EventCodec.MAX_DATA_BYTES);
    assertThat(dev.rotor.common.event.EventCodec.decode(event.type(), data)).isEqualTo(event);
  }

  /** Pods {@code checkout-7f9c8d5b6-00000}... of Deployment {@code checkout}, none restarted. */
  private static List<ProofResult.Pod> pods(int count) {
    List<ProofResult.Pod> pods = new java.util.ArrayList<>();
    for (int i = 0; i < count; i++) {
      pods.add(
          new ProofResult.Pod(
              "checkout",
              String.format(java.util.Locale.ROOT, "checkout-7f9c8d5b6-%05d", i),
              T,
              false,
              List.of("app"),
              List.of()));
    }
    return pods;
  }

  private Optional<Finding> check(
      SoakRules rules, Double errorRate, Double latency, double decrypt) {
    Map<MetricKind, MetricValue> values = new EnumMap<>(MetricKind.class);
    values.put(
        MetricKind.ERROR_RATE,
        errorRate == null ? MetricValue.noData("empty result") : MetricValue.of(errorRate));
    values.put(
        MetricKind.LATENCY,
        latency == null ? MetricValue.noData("empty result") : MetricValue.of(latency));
    values.put(MetricKind.DECRYPT_FAILURES, MetricValue.of(decrypt));
    return SoakJudge.metrics(
        progress, new MetricsReading(T, Map.of("checkout", values), null), TARGET, rules);
  }

  private void passLogsAndProof(SoakRules rules) {
    SoakJudge.proof(progress, proof(State.OK, State.OK));
    SoakJudge.logs(
        progress,
        List.of(
            new PodLogs(
                "checkout",
                "checkout-1",
                true,
                null,
                Map.of("self-test passed", "INFO self-test passed"),
                Map.of(),
                Map.of())));
  }

  private static ProofResult proof(State secret, State pods) {
    return new ProofResult(
        secret,
        "Secret shop/checkout-key: " + secret,
        "3b1f0c5e",
        null,
        null,
        List.of(
            new ProofResult.Pod(
                "checkout", "checkout-1", T, pods == State.WRONG, List.of("app"), List.of())),
        pods,
        "pods " + pods);
  }

  /**
   * Pods {@code checkout-000}... whose container {@code app} restarted {@code restarts(i)} times.
   */
  private static List<ProofResult.Pod> replicas(
      int count, java.util.function.IntUnaryOperator restarts) {
    List<ProofResult.Pod> pods = new java.util.ArrayList<>();
    for (int i = 0; i < count; i++) {
      pods.add(
          new ProofResult.Pod(
              "checkout",
              String.format(java.util.Locale.ROOT, "checkout-%03d", i),
              T,
              false,
              List.of("app"),
              List.of(new ProofResult.Restart("app", restarts.applyAsInt(i), "Error", 1, T))));
    }
    return pods;
  }

  private static ProofResult restarted(ProofResult.Restart restart) {
    return new ProofResult(
        State.OK,
        "secret ok",
        "3b1f0c5e",
        null,
        null,
        List.of(
            new ProofResult.Pod(
                "checkout", "checkout-1", T, false, List.of("app"), List.of(restart))),
        State.OK,
        "pods ok");
  }

  private static ProofResult unlisted() {
    return new ProofResult(
        State.OK,
        "secret ok",
        "3b1f0c5e",
        null,
        null,
        List.of(),
        State.UNREADABLE,
        "cannot list the pods of checkout: HTTP 503");
  }

  private static Evidence evidence(List<Evidence> evidence, String check) {
    return evidence.stream()
        .filter(e -> e.check().equals(check))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no evidence " + check + " in " + evidence));
  }

  /** Rules of a policy that sets {@code maxContainerRestarts}. */
  private static SoakRules restartRules(SoakKind kind, int maxContainerRestarts) {
    return new SoakRules(
        kind,
        new Thresholds(
            0.01, Duration.ofMillis(500), 1.5, 0, 3, Duration.ofSeconds(30), maxContainerRestarts),
        List.of(Pattern.compile("self-test passed")),
        List.of(Pattern.compile("decrypt(ion)? fail")),
        0.8,
        0.001,
        0.1,
        10,
        10);
  }

  private static SoakRules rules(SoakKind kind) {
    return rules(kind, 10);
  }

  private static SoakRules rules(SoakKind kind, int soakChecks) {
    return new SoakRules(
        kind,
        LIMIT_3,
        List.of(Pattern.compile("self-test passed")),
        List.of(Pattern.compile("decrypt(ion)? fail")),
        0.8,
        0.001,
        0.1,
        10,
        soakChecks);
  }
}
