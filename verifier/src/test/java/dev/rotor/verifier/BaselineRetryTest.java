package dev.rotor.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.common.crypto.GeneratedKey;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.Evidence;
import dev.rotor.common.event.Phase;
import dev.rotor.common.event.PodStatus;
import dev.rotor.common.event.VerificationInconclusive;
import dev.rotor.common.event.VerificationPassed;
import dev.rotor.common.plan.VerificationSpec;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.PostgresResource;
import dev.rotor.testsupport.kubernetes.InjectKubernetesApi;
import dev.rotor.testsupport.kubernetes.KubernetesApiServer;
import dev.rotor.testsupport.kubernetes.KubernetesApiTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A baseline Prometheus did not answer is not a baseline without data: it is read again every round
 * (the checks meanwhile held to the absolute bounds), and a stage whose baseline could never be
 * read does not pass on the absolute bounds alone. A real Prometheus behind a proxy that refuses
 * some baseline queries ({@link FlakyPrometheusResource}); the plans' queries are constants (error
 * rate 0, latency 1 ms) labelled with the Deployment, so that the proxy can tell the scenarios
 * apart and the baseline is known: 0 and 1 ms.
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
@WithTestResource(FlakyPrometheusResource.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BaselineRetryTest {
  static final String PROM = "prom";
  static final Duration SOAK = Duration.ofSeconds(5);

  @InjectKubernetesApi KubernetesApiServer api;

  private final GeneratedKey oldKey = GeneratedKey.generate();
  private final GeneratedKey newKey = GeneratedKey.generate();
  private final Map<String, Rotation> rotations = new LinkedHashMap<>();
  private Rig rig;

  @BeforeAll
  void startBothScenarios() {
    rig = new Rig(api);
    for (String deployment :
        List.of(FlakyPrometheusResource.FAILS_ONCE, FlakyPrometheusResource.FAILS_ALWAYS)) {
      rotations.put(deployment, admitted(deployment));
    }
    rotations.forEach(
        (deployment, rotation) -> {
          List<PodStatus> pods = rig.restart(deployment);
          rig.send(rotation.promoted(PROM, pods, Instant.now()));
        });
  }

  @AfterAll
  void close() {
    rig.close();
  }

  /** One refused query used to leave the soak with no baseline, judged by absolute bounds only. */
  @Test
  void aBaselineQueryRefusedOnceIsReadAgainAndTheChecksUseIt() {
    String deployment = FlakyPrometheusResource.FAILS_ONCE;
    EventEnvelope verdict = rig.verdict(rotations.get(deployment), PROM);

    assertThat(verdict.data())
        .as("verdict: %s", verdict.data())
        .isInstanceOf(VerificationPassed.class);
    List<Evidence> evidence = ((VerificationPassed) verdict.data()).evidence();
    assertThat(Rig.evidence(evidence, "error-rate:" + deployment).baseline()).isEqualTo(0.0);
    assertThat(Rig.evidence(evidence, "p99-latency:" + deployment).baseline()).isEqualTo(0.001);
    assertThat(Rig.evidence(evidence, "error-rate:" + deployment).detail())
        .doesNotContain("no baseline");
    assertThat(Rig.evidence(evidence, "metrics-source").detail())
        .contains("read after 1 failed attempt(s)");
  }

  @Test
  void aBaselineNeverReadLeavesTheStageInconclusiveSayingWhy() {
    String deployment = FlakyPrometheusResource.FAILS_ALWAYS;
    EventEnvelope verdict = rig.verdict(rotations.get(deployment), PROM);

    assertThat(verdict.data())
        .as("verdict: %s", verdict.data())
        .isInstanceOf(VerificationInconclusive.class);
    VerificationInconclusive inconclusive = (VerificationInconclusive) verdict.data();
    assertThat(inconclusive.message())
        .contains(
            "the baseline could not be read (the baseline query of error-rate of " + deployment)
        .contains("HTTP 503, unavailable")
        .contains("held to the absolute bounds only")
        .doesNotContain("no data for");
    assertThat(Rig.evidence(inconclusive.evidence(), "metrics-source").detail())
        .contains("could not be read (")
        .contains("absolute bounds only");
    assertThat(Rig.evidence(inconclusive.evidence(), "error-rate:" + deployment).detail())
        .as("the checks were still made, at the soak's end")
        .contains("no baseline")
        .containsPattern("checks, [1-9][0-9]* with data");
  }

  /**
   * A rotation of {@code deployment}'s Secret on {@link #PROM}, its pods logging the self-test,
   * admitted and with its distribute and promote rollouts started.
   */
  private Rotation admitted(String deployment) {
    rig.deployment(
        deployment, 1, List.of(String.format(Rig.SELF_TEST, newKey.keyId(), oldKey.keyId())));
    rig.secret(deployment + "-config", newKey, newKey, oldKey);
    String labelled = "label_replace(vector(%s), \"deployment\", \"{deployment}\", \"\", \"\")";
    VerificationSpec quick = Rotation.QUICK;
    Rotation rotation =
        Rotation.of(
            deployment,
            deployment + "-config",
            newKey.fingerprint(),
            oldKey.keyId(),
            new VerificationSpec(
                String.format(labelled, "0"),
                String.format(labelled, "0.001"),
                "vector(0)",
                quick.baselineWindow(),
                quick.requiredLogPatterns(),
                quick.forbiddenLogPatterns()),
            Rotation.stage(PROM, SOAK, Rotation.everySecond(3), deployment));
    Instant start = Instant.now();
    rotation.admitted(start).forEach(rig::send);
    rig.send(rotation.rolloutStarted(PROM, Phase.DISTRIBUTE, start));
    rig.send(rotation.rolloutStarted(PROM, Phase.PROMOTE, start));
    return rotation;
  }
}
