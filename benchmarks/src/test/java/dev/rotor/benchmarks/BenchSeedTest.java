package dev.rotor.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.common.plan.Policy;
import dev.rotor.common.plan.PolicyLoader;
import dev.rotor.testsupport.kubernetes.KubernetesApiServer;
import dev.rotor.testsupport.kubernetes.SealedSecretsController;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchSeedTest {
  private static final Path HOME =
      Path.of(System.getProperty("rotor.test.tmpdir", "target"), "bench-seed-test");

  @Test
  void thePolicyRotatesEveryTargetOnEveryClusterWithZeroSoak() throws Exception {
    BenchSeed seed = new BenchSeed(HOME.resolve("policy"));
    String recipient = seed.make(3);
    seed.writePolicy(
        "http://127.0.0.1:1/git/bench/fleet-gitops.git",
        recipient,
        3,
        BenchSeed.clusters(2),
        2,
        Duration.ofSeconds(1));

    Policy policy = PolicyLoader.load(seed.policy());
    assertThat(policy.targetIds())
        .containsExactly("bench/app-0001-config", "bench/app-0002-config", "bench/app-0003-config");
    var plan = policy.target("bench/app-0002-config").orElseThrow().plan();
    assertThat(plan.stages()).extracting(s -> s.cluster()).containsExactly("bench-1", "bench-2");
    assertThat(plan.stages()).allSatisfy(s -> assertThat(s.soak()).isZero());
    assertThat(plan.stages().get(0).deployments()).containsExactly("app-0002");
    assertThat(plan.manifest().path()).isEqualTo("apps/app-0002/secret.yaml");
    assertThat(Files.readString(seed.policy())).contains("vector(0)");
  }

  @Test
  void withOneStageEachTargetIsRotatedOnItsOwnClusterAndEachClusterHoldsOnlyItsTargets()
      throws Exception {
    BenchSeed seed = new BenchSeed(HOME.resolve("spread"));
    String recipient = seed.make(5);
    List<String> clusters = BenchSeed.clusters(2);
    seed.writePolicy(
        "http://127.0.0.1:1/git/bench/fleet-gitops.git",
        recipient,
        5,
        clusters,
        1,
        Duration.ofSeconds(1));

    Policy policy = PolicyLoader.load(seed.policy());
    assertThat(policy.target("bench/app-0001-config").orElseThrow().plan().stages())
        .extracting(s -> s.cluster())
        .containsExactly("bench-1");
    assertThat(policy.target("bench/app-0002-config").orElseThrow().plan().stages())
        .extracting(s -> s.cluster())
        .containsExactly("bench-2");
    assertThat(BenchSeed.targetsOn("bench-1", 5, clusters, 1)).containsExactly(1, 3, 5);
    assertThat(BenchSeed.targetsOn("bench-2", 5, clusters, 1)).containsExactly(2, 4);
    // Two stages of three clusters: consecutive clusters, wrapping round.
    assertThat(BenchSeed.stagesOf(3, BenchSeed.clusters(3), 2))
        .containsExactly("bench-3", "bench-1");
    assertThat(BenchSeed.targetsOn("bench-1", 3, BenchSeed.clusters(3), 2)).containsExactly(1, 3);
  }

  @Test
  void theSealedSecretsControllerUnsealsEachManifestIntoAOneKeyKeyring() throws Exception {
    BenchSeed seed = new BenchSeed(HOME.resolve("cluster"));
    seed.make(2);
    try (KubernetesApiServer api = KubernetesApiServer.start()) {
      api.client()
          .namespaces()
          .resource(
              new NamespaceBuilder().withNewMetadata().withName("bench").endMetadata().build())
          .create();
      api.sealedSecrets(seed.sealingKeys());
      for (int i = 1; i <= 2; i++) {
        GenericKubernetesResource sealed =
            Serialization.unmarshal(
                Files.readString(seed.repository().resolve(BenchSeed.manifestPath(i))),
                GenericKubernetesResource.class);
        api.client()
            .genericKubernetesResources(SealedSecretsController.SEALED_SECRETS)
            .inNamespace("bench")
            .resource(sealed)
            .create();
      }
      for (String name : List.of("app-0001-config", "app-0002-config")) {
        Secret secret = awaitSecret(api, name);
        String primary =
            new String(
                Base64.getDecoder().decode(secret.getData().get("keyring.primary")),
                StandardCharsets.US_ASCII);
        String entry = secret.getData().get("keyring.key." + primary);
        assertThat(entry).as("the key the primary names").isNotNull();
        // The runbook's fingerprint: SHA-256 of the entry's base64 text; the id is its start.
        String fingerprint =
            HexFormat.of()
                .formatHex(
                    MessageDigest.getInstance("SHA-256")
                        .digest(entry.getBytes(StandardCharsets.US_ASCII)));
        assertThat(fingerprint).startsWith(primary);
        assertThat(Base64.getDecoder().decode(entry)).hasSize(32);
        assertThat(secret.getData()).hasSize(2);
      }
    }
  }

  private static Secret awaitSecret(KubernetesApiServer api, String name) {
    return await("the controller unseals " + name)
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> api.client().secrets().inNamespace("bench").withName(name).get(),
            java.util.Objects::nonNull);
  }
}
