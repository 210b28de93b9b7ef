package dev.rotor.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.common.crypto.Fingerprints;
import dev.rotor.common.crypto.SealedSecretSealer;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.Policy;
import dev.rotor.common.plan.PolicyLoader;
import dev.rotor.common.plan.Stage;
import dev.rotor.testsupport.kubernetes.SealingKeyPair;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The devstack's {@code --targets}: copies of the example's target, each with its own key. */
class SeedTargetsTest {
  private static final Path ROOT =
      Path.of(System.getProperty("rotor.test.root", "..")).toAbsolutePath().normalize();
  private static Layout layout;
  private static Seed seed;

  @BeforeAll
  static void make() throws IOException {
    Path home =
        Files.createTempDirectory(
            Files.createDirectories(Path.of(System.getProperty("rotor.test.tmpdir", "target"))),
            "seed-targets-");
    layout = new Layout(ROOT, "target", home);
    seed = new Seed(layout, 3);
    seed.previousKeys(5);
    seed.make();
    seed.writePolicy(
        "http://127.0.0.1:4711/git/aether/aether-gitops.git",
        Duration.ofSeconds(10),
        Duration.ofSeconds(2));
  }

  @Test
  void thePolicyNamesEveryTargetWithItsOwnDeploymentAndManifestAndTheExamplesRules() {
    Policy policy = PolicyLoader.load(seed.policy());

    assertThat(policy.targetIds())
        .containsExactly(
            "aether-services/secrets-service-config",
            "aether-services/secrets-service-02-config",
            "aether-services/secrets-service-03-config");
    Plan example = policy.targets().get(0).plan();
    for (int i = 1; i < 3; i++) {
      Plan copy = policy.targets().get(i).plan();
      Seed.Target target = seed.targets().get(i);
      assertThat(copy.manifest().path()).isEqualTo(target.path());
      assertThat(copy.stages())
          .extracting(Stage::deployments)
          .containsOnly(List.of(target.deployment()));
      assertThat(copy.stages())
          .extracting(Stage::cluster)
          .isEqualTo(example.stages().stream().map(Stage::cluster).toList());
      assertThat(copy.stages())
          .extracting(Stage::soak)
          .isEqualTo(example.stages().stream().map(Stage::soak).toList());
      assertThat(copy.approvals()).isEqualTo(example.approvals());
      assertThat(copy.keyring().previousKeys())
          .as("the keyring keeps every key of the run")
          .isEqualTo(5);
    }
  }

  @Test
  void eachTargetsManifestHoldsItsOwnKeySealedForItsOwnSecret() throws IOException {
    SealingKeyPair keys = seed.sealingKeys();
    Set<String> keyIds = new HashSet<>();
    for (Seed.Target target : seed.targets()) {
      String manifest = Files.readString(seed.initialSecret(target), StandardCharsets.UTF_8);
      assertThat(manifest).contains("name: " + target.secret() + "\n");
      Matcher key = Pattern.compile("keyring\\.key\\.([0-9a-f]{8}): (\\S+)").matcher(manifest);
      assertThat(key.find()).as(target.id()).isTrue();
      byte[] raw =
          SealedSecretSealer.unseal(
              keys.privateKey(), target.namespace(), target.secret(), key.group(2));
      assertThat(Fingerprints.keyIdOf(Fingerprints.ofRawKey(raw))).isEqualTo(key.group(1));
      keyIds.add(key.group(1));
    }
    assertThat(keyIds).as("a key of its own per target").hasSize(3);
  }

  @Test
  void eachWorkloadHasADatabaseOfItsOwnInEachCluster() {
    List<String> databases = Services.databases(3);

    assertThat(databases)
        .contains(
            "secrets_aether_staging",
            "secrets_aether_staging_02",
            "secrets_aether_staging_03",
            "secrets_aether_production",
            "secrets_aether_production_03")
        .doesNotHaveDuplicates();
  }

  @Test
  void aTargetCountOutsideOneToNinetyNineIsRefusedNamingTheOption() {
    assertThatThrownBy(() -> new Seed(layout, 0))
        .isInstanceOf(DevstackException.class)
        .hasMessageContaining("--targets");
  }
}
