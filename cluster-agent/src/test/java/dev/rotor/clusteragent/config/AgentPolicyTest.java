package dev.rotor.clusteragent.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.common.plan.MaintenanceWindow;
import dev.rotor.common.plan.ManifestSpec;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.PolicyLoader;
import dev.rotor.common.plan.Stage;
import java.time.DayOfWeek;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class AgentPolicyTest {
  static final String POLICY =
      """
      apiVersion: rotor.dev/v1
      kind: RotationPolicy
      defaults:
        escrow:
          recipients: [age1z0x8454k8ksm7j9kh3t2uk0lvxdqxtpa769gfzkufunex3tl7f9s62ayjs]
      targets:
        - id: shop/app-key
          deployments: [api, worker]
          manifest:
            repository: https://git.example.com/platform/gitops.git
            path: deploy/shop/secret.yaml
            format: secret
            allowPlaintextInGit: true
          stages:
            - cluster: aether-staging
              soak: PT10M
            - cluster: aether-production
              soak: PT30M
      """;

  private final AgentPolicy policy =
      new AgentPolicy(PolicyLoader.parse(POLICY, "rotor-policy.yaml"), "aether-staging");
  private final Plan allowed =
      PolicyLoader.parse(POLICY, "rotor-policy.yaml").target("shop/app-key").orElseThrow().plan();

  @Test
  void thePolicysOwnPlanIsAllowed() {
    assertThat(policy.refusal(allowed)).isEmpty();
  }

  @Test
  void anotherDeploymentOrderIsRefusedNamingTheField() {
    assertThat(
            policy.refusal(
                withStage(s -> stage(s, List.of("worker", "api"), s.maintenanceWindow()))))
        .contains(
            "plan.stages[0].deployments: [worker, api] is not what the policy rotor-policy.yaml"
                + " allows on cluster aether-staging ([api, worker])");
  }

  @Test
  void aMaintenanceWindowThePolicyDoesNotHaveIsRefused() {
    MaintenanceWindow window =
        new MaintenanceWindow(
            Set.of(DayOfWeek.MONDAY), LocalTime.of(2, 0), LocalTime.of(3, 0), ZoneOffset.UTC);

    assertThat(policy.refusal(withStage(s -> stage(s, s.deployments(), window))))
        .hasValueSatisfying(
            refusal -> assertThat(refusal).startsWith("plan.stages[0].maintenanceWindow:"));
  }

  @Test
  void anotherManifestPathIsRefused() {
    Plan moved =
        new Plan(
            allowed.targetId(),
            allowed.namespace(),
            allowed.secretName(),
            allowed.keyring(),
            new ManifestSpec(
                allowed.manifest().repository(),
                allowed.manifest().branch(),
                "deploy/elsewhere.yaml",
                allowed.manifest().format(),
                true),
            allowed.stages(),
            allowed.approvals(),
            allowed.verification(),
            allowed.escrowRecipients());

    assertThat(policy.refusal(moved))
        .hasValueSatisfying(refusal -> assertThat(refusal).startsWith("plan.manifest.path:"));
  }

  @Test
  void aPlanWithoutAStageOnThisClusterIsRefused() {
    AgentPolicy elsewhere =
        new AgentPolicy(PolicyLoader.parse(POLICY, "rotor-policy.yaml"), "aether-qa");

    assertThat(elsewhere.refusal(allowed))
        .contains("the policy rotor-policy.yaml has no stage of shop/app-key on cluster aether-qa");
  }

  private Plan withStage(UnaryOperator<Stage> change) {
    return new Plan(
        allowed.targetId(),
        allowed.namespace(),
        allowed.secretName(),
        allowed.keyring(),
        allowed.manifest(),
        List.of(change.apply(allowed.stages().get(0)), allowed.stages().get(1)),
        allowed.approvals(),
        allowed.verification(),
        allowed.escrowRecipients());
  }

  private static Stage stage(Stage s, List<String> deployments, MaintenanceWindow window) {
    return new Stage(
        s.cluster(), deployments, s.soak(), s.thresholds(), window, s.sealingCertificate());
  }
}
