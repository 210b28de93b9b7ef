package dev.rotor.common.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.Period;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Resolving the plan of one rotation: every stage, or a subset in policy order. */
class PolicyTargetTest {
  private static final String THREE_STAGES =
      """
      apiVersion: rotor.dev/v1
      kind: RotationPolicy
      targets:
        - id: shop/payments-key
          deployments: [payments]
          manifest:
            repository: https://git.example.com/shop/gitops.git
            path: k8s/shop/secret-payments-key.yaml
            format: secret
            allowPlaintextInGit: true
          escrow:
            recipients: [age1z0x8454k8ksm7j9kh3t2uk0lvxdqxtpa769gfzkufunex3tl7f9s62ayjs]
          cadence: P3M
          stages:
            - cluster: dev
              soak: PT5M
            - cluster: staging
              soak: PT10M
            - cluster: production
              soak: PT30M
      """;

  private final PolicyTarget target =
      PolicyLoader.parse(THREE_STAGES, "three-stages.yaml", Path.of("."))
          .target("shop/payments-key")
          .orElseThrow();

  private static List<String> clusters(Plan plan) {
    return plan.stages().stream().map(Stage::cluster).toList();
  }

  @Test
  void noRequestedClustersMeansEveryStageInPolicyOrder() {
    assertThat(clusters(target.resolvePlan(null))).containsExactly("dev", "staging", "production");
    assertThat(target.resolvePlan(List.of())).isEqualTo(target.plan());
  }

  @Test
  void aSubsetInPolicyOrderKeepsOnlyThoseStagesAndEverythingElse() {
    Plan plan = target.resolvePlan(List.of("staging", "production"));
    assertThat(clusters(plan)).containsExactly("staging", "production");
    assertThat(plan.stages().get(1).soak()).isEqualTo(Duration.ofMinutes(30));
    assertThat(plan.manifest()).isEqualTo(target.plan().manifest());
    assertThat(plan.approvals()).isEqualTo(target.plan().approvals());
    assertThat(plan.escrowRecipients()).isEqualTo(target.plan().escrowRecipients());
    assertThat(clusters(target.resolvePlan(List.of("dev", "production"))))
        .containsExactly("dev", "production");
  }

  @Test
  void clustersOutOfPolicyOrderAreRejectedNamingTheOrder() {
    assertThatThrownBy(() -> target.resolvePlan(List.of("production", "staging")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "stages: cluster 'staging' is requested after 'production', but the policy runs"
                + " shop/payments-key in the order dev -> staging -> production; request the"
                + " clusters in that order");
  }

  @Test
  void anUnknownClusterIsRejectedNamingTheTargetsClusters() {
    assertThatThrownBy(() -> target.resolvePlan(List.of("staging", "qa")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "stages: target shop/payments-key has no stage on cluster 'qa'; its stages run on"
                + " dev, staging, production");
  }

  @Test
  void aClusterRequestedTwiceIsRejected() {
    assertThatThrownBy(() -> target.resolvePlan(List.of("staging", "staging")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("stages: cluster 'staging' is requested more than once");
  }

  @Test
  void aHostileClusterNameIsRejectedWithoutRepeatingIt() {
    for (String hostile : Arrays.asList("../prod", "prod\nINFO forged", "$(id)", "", null)) {
      assertThatThrownBy(() -> target.resolvePlan(Arrays.asList("staging", hostile)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("stages: not a valid cluster name")
          .satisfies(
              e -> {
                if (hostile != null && !hostile.isEmpty()) {
                  assertThat(e.getMessage()).doesNotContain(hostile);
                }
              });
    }
  }

  @Test
  void theNextRotationIsDueOneCadenceAfterTheLastCountedInCalendarMonths() {
    assertThat(target.cadence()).isEqualTo(Period.ofMonths(3));
    assertThat(target.nextDueAfter(Instant.parse("2026-11-30T12:00:00Z")))
        .isEqualTo(Instant.parse("2027-02-28T12:00:00Z"));
  }

  @Test
  void aTargetWithoutCadenceIsNeverDue() {
    PolicyTarget onRequest = new PolicyTarget(target.plan(), null);
    assertThat(onRequest.nextDueAfter(Instant.parse("2026-01-01T00:00:00Z"))).isNull();
  }

  @Test
  void aCadenceThatIsNotPositiveIsRejected() {
    assertThatThrownBy(() -> new PolicyTarget(target.plan(), Period.ZERO))
        .hasMessageStartingWith("cadence: must be a positive period");
    assertThatThrownBy(() -> new PolicyTarget(target.plan(), Period.ofDays(-1)))
        .hasMessageStartingWith("cadence: must be a positive period");
  }

  @Test
  void aPolicyFindsItsTargetsById() {
    Policy policy = new Policy("built.yaml", List.of(target));
    assertThat(policy.target("shop/payments-key")).contains(target);
    assertThat(policy.target("shop/other")).isEmpty();
    assertThatThrownBy(() -> new Policy("built.yaml", List.of(target, target)))
        .hasMessage("targets: target shop/payments-key appears twice");
  }
}
