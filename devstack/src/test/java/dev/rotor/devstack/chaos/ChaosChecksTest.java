package dev.rotor.devstack.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.devstack.leak.ScanReport;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The chaos run's judgements of what the clusters and load generators report. */
class ChaosChecksTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aDeploymentRestartedTwiceForOnePhaseFailsTheCheckAndIsNamed() throws Exception {
    Map<String, JsonNode> rollouts = new LinkedHashMap<>();
    rollouts.put(
        "aether-staging",
        JSON.readTree(
            """
            [{"deployment": "secrets-service", "mark": "r1/distribute"},
             {"deployment": "secrets-service", "mark": "r1/promote"},
             {"deployment": "secrets-service-02", "mark": "r1/distribute"}]
            """));
    rollouts.put(
        "aether-production",
        JSON.readTree(
            """
            [{"deployment": "secrets-service", "mark": "r1/distribute"},
             {"deployment": "secrets-service", "mark": "r1/distribute"}]
            """));

    ChaosChecks.Check check = ChaosChecks.oneRestartPerPhase(rollouts);

    assertThat(check.ok()).isFalse();
    assertThat(check.detail()).contains("aether-production secrets-service r1/distribute x2");
    assertThat(check.detail()).doesNotContain("aether-staging secrets-service r1/distribute x");
  }

  @Test
  void oneRestartPerDeploymentPhaseAndClusterHolds() throws Exception {
    Map<String, JsonNode> rollouts =
        Map.of(
            "aether-staging",
            JSON.readTree(
                """
                [{"deployment": "secrets-service", "mark": "r1/distribute"},
                 {"deployment": "secrets-service", "mark": "r1/promote"},
                 {"deployment": "secrets-service", "mark": "r2/distribute"}]
                """),
            "aether-production",
            JSON.readTree("[{\"deployment\": \"secrets-service\", \"mark\": \"r1/distribute\"}]"));

    assertThat(ChaosChecks.oneRestartPerPhase(rollouts).ok()).isTrue();
  }

  @Test
  void noRolloutAtAllIsNoEvidenceAndFails() {
    assertThat(ChaosChecks.oneRestartPerPhase(Map.of()).ok()).isFalse();
  }

  @Test
  void oneDecryptFailureOrWrongPlaintextInAnyClusterFailsAndShowsASample() throws Exception {
    JsonNode clean =
        JSON.readTree(
            """
            {"writesOk": 10, "reads": 20, "readsOk": 20, "decryptFailures": 0,
             "wrongPlaintexts": 0, "httpErrors": 0, "transportErrors": 0, "failureSamples": []}
            """);
    JsonNode failing =
        JSON.readTree(
            """
            {"writesOk": 10, "reads": 20, "readsOk": 19, "decryptFailures": 1,
             "wrongPlaintexts": 0, "httpErrors": 0, "transportErrors": 0,
             "failureSamples": ["read via x: cannot decrypt: key 191af12d not in the keyring"]}
            """);

    assertThat(ChaosChecks.noDecryptFailure(Map.of("a", clean, "b", clean)).ok()).isTrue();
    ChaosChecks.Check check = ChaosChecks.noDecryptFailure(Map.of("a", clean, "b", failing));
    assertThat(check.ok()).isFalse();
    assertThat(check.detail()).contains("1 decrypt failures", "191af12d");
  }

  @Test
  void aClusterWhoseLoadCouldNotBeReadFailsTheCheck() throws Exception {
    JsonNode clean =
        JSON.readTree(
            """
            {"writesOk": 10, "reads": 20, "readsOk": 20, "decryptFailures": 0,
             "wrongPlaintexts": 0, "failureSamples": []}
            """);
    JsonNode unreadable = JSON.readTree("{\"error\": \"connection refused\"}");

    assertThat(ChaosChecks.noDecryptFailure(Map.of("a", clean, "b", unreadable)).ok()).isFalse();
  }

  @Test
  void aRotationThatDidNotEndFailsNoneStuckAndIsNamedWithItsLastEvent() {
    ChaosRun.Rotation ended = new ChaosRun.Rotation("ns/a", "r1", java.time.Instant.now());
    ended.outcome = "completed";
    ChaosRun.Rotation open = new ChaosRun.Rotation("ns/b", "r2", java.time.Instant.now());
    open.detail = "last event: verification.started from /rotor/verifier";

    ChaosChecks.Check check =
        ChaosChecks.noneStuck(java.util.List.of(ended, open), java.util.List.of(open));

    assertThat(check.ok()).isFalse();
    assertThat(check.detail()).contains("NOT ENDED: ns/b r2", "verification.started");
    assertThat(ChaosChecks.noneStuck(java.util.List.of(ended), java.util.List.of()).ok()).isTrue();
  }

  @Test
  void aLeakScanThatCouldNotReadASourceFailsTheCheckAndSaysWhat() {
    ChaosChecks.Check check =
        ChaosChecks.noKeyLeaked(ScanReport.failed("postgres: connection refused"));

    assertThat(check.ok()).isFalse();
    assertThat(check.detail()).contains("not scanned: postgres: connection refused");
  }

  @Test
  void aLeakScanWithoutAnyKeyToLookForIsNoEvidenceAndFails() {
    ChaosChecks.Check check = ChaosChecks.noKeyLeaked(new ScanReport());

    assertThat(check.ok()).isFalse();
    assertThat(check.detail()).startsWith("0 keys");
  }
}
