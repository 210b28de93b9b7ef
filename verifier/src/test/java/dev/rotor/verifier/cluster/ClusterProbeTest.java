package dev.rotor.verifier.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.testsupport.kubernetes.KubernetesApiServer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The pod listing's restarts, against the Kubernetes mock with the rollout simulator. */
class ClusterProbeTest {
  static final String NS = "shop";
  static KubernetesApiServer api;
  static String pod;

  @BeforeAll
  static void aPodWhoseContainerRestarted() {
    api = KubernetesApiServer.start();
    api.rollouts().createDeployment(NS, "checkout", 1);
    pod = api.client().pods().inNamespace(NS).list().getItems().get(0).getMetadata().getName();
    api.rollouts().restartContainer(NS, pod, "checkout", "Error", 1, List.of("panic"));
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  @Test
  void aPodThatStartedAfterTheSecretChangedHasItsRestartsCounted() {
    ProofResult.Pod listed = listed(Instant.parse("2020-01-01T00:00:00Z"));

    assertThat(listed.stale()).isFalse();
    assertThat(listed.restarts())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.container()).isEqualTo("checkout");
              assertThat(r.count()).isEqualTo(1);
            });
  }

  /**
   * When the Secret's change is not known the pod cannot be told new or stale: it is not failed as
   * stale, but its restarts may precede the rotation, so none is counted.
   */
  @Test
  void aPodNotKnownToHaveStartedAfterTheSecretChangedHasNoRestartsCounted() {
    ProofResult.Pod listed = listed(null);

    assertThat(listed.stale()).isFalse();
    assertThat(listed.restarts()).isEmpty();
  }

  /** A quoted line holds no control character but the tab: a NUL cannot be stored or sent. */
  @Test
  void aQuotedLineShowsControlCharactersReplacedAndKeepsTabs() {
    assertThat(
            ClusterProbe.quote("  decryption failed:\t\u0000\u0001\r\u001b[0m\u007f\u0085 ", 200))
        .isEqualTo("decryption failed:\t\uFFFD\uFFFD\uFFFD\uFFFD[0m\uFFFD\uFFFD");
  }

  /** Cut to its length, a quoted line does not end in half a surrogate pair. */
  @Test
  void aQuotedLineIsNotCutWithinASurrogatePair() {
    assertThat(ClusterProbe.quote("ab\uD83D\uDD11cd", 3)).isEqualTo("ab...");
    assertThat(ClusterProbe.quote("ab\uD83D\uDD11cd", 4)).isEqualTo("ab\uD83D\uDD11...");
  }

  private static ProofResult.Pod listed(Instant secretChangedAt) {
    ProofResult result =
        ClusterProbe.prove(
            api.client(),
            new ProofSpec(
                "staging",
                NS,
                "checkout-config",
                "3b1f0c5e",
                null,
                null,
                null,
                List.of("checkout"),
                secretChangedAt),
            Duration.ofSeconds(2));
    return result.pods().stream()
        .filter(p -> p.name().equals(pod))
        .findFirst()
        .orElseThrow(() -> new AssertionError("pod " + pod + " not listed: " + result));
  }
}
