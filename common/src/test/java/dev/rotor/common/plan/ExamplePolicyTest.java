package dev.rotor.common.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.common.crypto.AgeRecipient;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.Period;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The example policy shipped in deploy/policy is the runbook's rotation, and it loads. */
class ExamplePolicyTest {
  private static final Path EXAMPLE = Path.of("../deploy/policy/rotor-policy.yaml");
  private static final String TARGET = "aether-services/secrets-service-config";

  private final Policy policy = PolicyLoader.load(EXAMPLE);
  private final PolicyTarget target = policy.target(TARGET).orElseThrow();
  private final Plan plan = target.resolvePlan(null);

  @Test
  void theExampleHasTheRunbooksTargetOnly() {
    assertThat(policy.source()).isEqualTo(EXAMPLE.toString());
    assertThat(policy.targetIds()).containsExactly(TARGET);
    assertThat(plan.targetId()).isEqualTo(TARGET);
    assertThat(plan.namespace()).isEqualTo("aether-services");
    assertThat(plan.secretName()).isEqualTo("secrets-service-config");
  }

  @Test
  void stagingRunsBeforeProductionAndProductionSoaksForThirtyMinutes() {
    assertThat(plan.stages())
        .extracting(Stage::cluster)
        .containsExactly("aether-staging", "aether-production");
    assertThat(plan.stages().get(0).soak()).isEqualTo(Duration.ofMinutes(10));
    assertThat(plan.stages().get(1).soak()).isEqualTo(Duration.ofMinutes(30));
    assertThat(plan.isLastStage(plan.stageIndexOf("aether-production"))).isTrue();
  }

  @Test
  void everyStageRestartsTheSecretsServiceDeployment() {
    assertThat(plan.stages())
        .allSatisfy(s -> assertThat(s.deployments()).containsExactly("secrets-service"));
  }

  @Test
  void theManifestIsTheRunbooksFileKeptAsASealedSecretOnMain() {
    assertThat(plan.manifest().path())
        .isEqualTo("deploy/k8s/base/aether-services/secret-secrets-service-config.yaml");
    assertThat(plan.manifest().format()).isEqualTo(ManifestFormat.SEALED_SECRET);
    assertThat(plan.manifest().allowPlaintextInGit()).isFalse();
    assertThat(plan.manifest().branch()).isEqualTo("main");
    assertThat(plan.manifest().repository()).startsWith("https://");
  }

  @Test
  void oneApproverFromTheSecurityTeamApprovesLocally() {
    assertThat(plan.approvals())
        .isEqualTo(new ApprovalSpec(ReviewProvider.LOCAL, 1, List.of("security")));
  }

  @Test
  void theTargetIsDueQuarterly() {
    assertThat(target.cadence()).isEqualTo(Period.ofDays(90));
    assertThat(target.nextDueAfter(Instant.parse("2026-01-01T10:00:00Z")))
        .isEqualTo(Instant.parse("2026-04-01T10:00:00Z"));
  }

  @Test
  void everyStageCarriesItsClustersSealingCertificateReadFromTheCertsFolder() throws Exception {
    CertificateFactory x509 = CertificateFactory.getInstance("X.509");
    for (Stage stage : plan.stages()) {
      X509Certificate fromPlan =
          (X509Certificate)
              x509.generateCertificate(
                  new ByteArrayInputStream(
                      stage.sealingCertificate().getBytes(StandardCharsets.US_ASCII)));
      X509Certificate fromFile =
          (X509Certificate)
              x509.generateCertificate(
                  Files.newInputStream(
                      Path.of("../deploy/policy/certs/" + stage.cluster() + ".pem")));
      assertThat(fromPlan).isEqualTo(fromFile);
    }
    assertThat(plan.stages().get(0).sealingCertificate())
        .isNotEqualTo(plan.stages().get(1).sealingCertificate());
  }

  @Test
  void theEscrowCopyGoesToOneAgeRecipient() {
    assertThat(plan.escrowRecipients()).hasSize(1);
    assertThat(AgeRecipient.parse(plan.escrowRecipients().get(0)).value())
        .isEqualTo(plan.escrowRecipients().get(0));
  }

  @Test
  void defaultsApplyAndTheProductionStageOverridesOnlyItsFailureLimit() {
    Thresholds staging = plan.stages().get(0).thresholds();
    Thresholds production = plan.stages().get(1).thresholds();
    assertThat(staging.maxErrorRate()).isEqualTo(0.01);
    assertThat(staging.maxP99Latency()).isEqualTo(Duration.ofMillis(500));
    assertThat(staging.failureLimit()).isEqualTo(3);
    assertThat(production)
        .isEqualTo(
            new Thresholds(
                staging.maxErrorRate(),
                staging.maxP99Latency(),
                staging.maxBaselineFactor(),
                staging.maxDecryptFailures(),
                2,
                staging.interval(),
                staging.maxContainerRestarts()));
    assertThat(plan.keyring().previousKeys()).isEqualTo(2);
    assertThat(plan.verification().requiredLogPatterns())
        .containsExactly("encryption self-test passed");
    assertThat(plan.verification().errorRateQuery())
        .isEqualTo(VerificationSpec.DEFAULT.errorRateQuery());
  }

  @Test
  void noStageOfTheExampleWaitsForAMaintenanceWindow() {
    assertThat(plan.stages()).allSatisfy(s -> assertThat(s.maintenanceWindow()).isNull());
  }

  @Test
  void thePolicyFolderHoldsNoPrivateKey() throws Exception {
    try (var files = Files.walk(EXAMPLE.getParent())) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        assertThat(Files.readString(file)).as(file.toString()).doesNotContain("PRIVATE KEY");
      }
    }
  }
}
