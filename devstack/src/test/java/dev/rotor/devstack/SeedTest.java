package dev.rotor.devstack;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the devstack makes before it starts anything: the example GitOps repository with a fresh
 * keyring sealed for the local controllers, and the example policy pointed at the devstack.
 */
class SeedTest {
  private static final Path ROOT =
      Path.of(System.getProperty("rotor.test.root", "..")).toAbsolutePath().normalize();
  private static Layout layout;
  private static Seed seed;
  private static String keyId;

  @BeforeAll
  static void make() throws IOException {
    Path home =
        Files.createTempDirectory(
            Files.createDirectories(Path.of(System.getProperty("rotor.test.tmpdir", "target"))),
            "seed-");
    layout = new Layout(ROOT, "target", home);
    seed = new Seed(layout);
    keyId = seed.make();
    seed.writePolicy(
        "http://127.0.0.1:4711/git/aether/aether-gitops.git",
        Duration.ofSeconds(20),
        Duration.ofSeconds(2));
  }

  @Test
  void theDevstackPolicyIsTheExamplePolicyPointedAtTheLocalGitServerWithShortSoaks() {
    Policy example = PolicyLoader.load(layout.examplePolicy());
    Policy devstack = PolicyLoader.load(seed.policy());

    assertThat(devstack.targetIds()).isEqualTo(example.targetIds());
    Plan plan = devstack.targets().get(0).plan();
    Plan original = example.targets().get(0).plan();
    assertThat(plan.manifest().repository())
        .isEqualTo("http://127.0.0.1:4711/git/aether/aether-gitops.git");
    assertThat(plan.manifest().path()).isEqualTo(original.manifest().path());
    assertThat(plan.approvals()).isEqualTo(original.approvals());
    assertThat(plan.stages())
        .extracting(Stage::cluster)
        .containsExactly("aether-staging", "aether-production");
    assertThat(plan.stages()).extracting(Stage::soak).containsOnly(Duration.ofSeconds(20));
    assertThat(plan.stages().get(1).thresholds().failureLimit())
        .isEqualTo(original.stages().get(1).thresholds().failureLimit());
    assertThat(plan.stages())
        .allSatisfy(
            stage ->
                assertThat(stage.sealingCertificate())
                    .isEqualTo(seed.sealingKeys().certificatePem()));
    assertThat(plan.verification().errorRateQuery())
        .isEqualTo(original.verification().errorRateQuery());
  }

  @Test
  void theSeededManifestHoldsAFreshOneKeyKeyringThatOnlyTheLocalControllersCanOpen()
      throws IOException {
    String manifest = Files.readString(seed.initialSecret(), StandardCharsets.UTF_8);
    SealingKeyPair keys = seed.sealingKeys();

    Matcher primary = Pattern.compile("keyring\\.primary: (\\S+)").matcher(manifest);
    Matcher key = Pattern.compile("keyring\\.key\\.([0-9a-f]{8}): (\\S+)").matcher(manifest);
    assertThat(primary.find()).isTrue();
    assertThat(key.find()).isTrue();
    assertThat(key.group(1)).isEqualTo(keyId).isNotEqualTo("99f59ac9");
    assertThat(key.find()).as("one key only").isFalse();
    byte[] primaryId =
        SealedSecretSealer.unseal(keys.privateKey(), Seed.NAMESPACE, Seed.SECRET, primary.group(1));
    assertThat(new String(primaryId, StandardCharsets.US_ASCII)).isEqualTo(keyId);
    key.reset().find();
    byte[] raw =
        SealedSecretSealer.unseal(keys.privateKey(), Seed.NAMESPACE, Seed.SECRET, key.group(2));
    assertThat(raw).hasSize(32);
    assertThat(Fingerprints.keyIdOf(Fingerprints.ofRawKey(raw))).isEqualTo(keyId);
    String base64 = Base64.getEncoder().encodeToString(raw);
    try (Stream<Path> files = Files.walk(layout.home())) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        assertThat(Files.readString(file, StandardCharsets.ISO_8859_1))
            .as("the plaintext key in %s", file)
            .doesNotContain(base64);
      }
    }
    assertThat(manifest).contains("kind: SealedSecret", "name: secrets-service-config");
  }

  @Test
  void theRestOfTheExampleRepositoryIsCopiedAsItIs() throws IOException {
    Path deployment = Path.of("deploy/k8s/base/aether-services/deployment-secrets-service.yaml");

    assertThat(Files.readString(seed.seedRepository().resolve(deployment)))
        .isEqualTo(Files.readString(layout.gitopsExample().resolve(deployment)));
  }
}
