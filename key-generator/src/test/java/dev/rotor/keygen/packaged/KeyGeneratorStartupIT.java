package dev.rotor.keygen.packaged;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.keygen.support.TestKeys;
import dev.rotor.testsupport.KafkaBroker;
import dev.rotor.testsupport.PostgresServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged application refuses to start on configuration it cannot run with: it exits with a
 * failure and its output names the key (and for the policy the file, the path and the line).
 */
class KeyGeneratorStartupIT {
  private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(90);
  private static String database;

  @TempDir Path directory;

  @BeforeAll
  static void createDatabase() {
    database = PostgresServer.createDatabase();
  }

  @AfterAll
  static void dropDatabase() {
    PostgresServer.dropDatabase(database);
  }

  @Test
  void aPolicyWithAProblemStopsTheServiceNamingTheKeyTheFileThePathAndTheLine() throws Exception {
    Path policy = directory.resolve("rotor-policy.yaml");
    Files.writeString(policy, policyText("shop/app-key", "sealed-secret", "PT10M", "60 days"));

    try (KeyGeneratorProcess app = KeyGeneratorProcess.start("bad-policy", settings(policy))) {
      assertThat(app.awaitExit(EXIT_TIMEOUT)).isNotZero();
      assertThat(app.output())
          .contains("rotor.key-generator.policy-file: the rotation policy cannot be used")
          .contains(
              policy
                  + ": targets[0].cadence: expected an ISO-8601 period such as P90D or P3M, got"
                  + " '60 days' (line 11)");
    }
  }

  @Test
  void withoutAPolicyFileTheServiceDoesNotStartAndSaysWhichKeyIsMissing() throws Exception {
    Map<String, String> settings = settings(directory.resolve("unused.yaml"));
    settings.remove("rotor.key-generator.policy-file");

    try (KeyGeneratorProcess app = KeyGeneratorProcess.start("no-policy", settings)) {
      assertThat(app.awaitExit(EXIT_TIMEOUT)).isNotZero();
      assertThat(app.output()).contains("rotor.key-generator.policy-file");
    }
  }

  @Test
  void aPlainSecretTargetWithoutTheManifestServiceRecipientStopsTheServiceNamingTheKey()
      throws Exception {
    Path policy = directory.resolve("rotor-policy.yaml");
    Files.writeString(policy, policyText("shop/plain-key", "secret", "PT10M", "P90D"));

    try (KeyGeneratorProcess app = KeyGeneratorProcess.start("no-recipient", settings(policy))) {
      assertThat(app.awaitExit(EXIT_TIMEOUT)).isNotZero();
      assertThat(app.output())
          .contains(
              "rotor.key-generator.manifest-service-recipient: is required, because target(s)"
                  + " shop/plain-key use manifest format 'secret'");
    }
  }

  private static Map<String, String> settings(Path policy) {
    Map<String, String> settings = new HashMap<>();
    settings.put("rotor.key-generator.policy-file", policy.toString());
    settings.put("kafka.bootstrap.servers", KafkaBroker.bootstrapServers());
    settings.put("quarkus.datasource.jdbc.url", PostgresServer.jdbcUrl(database));
    settings.put("quarkus.datasource.username", PostgresServer.username());
    settings.put("quarkus.datasource.password", PostgresServer.password());
    return settings;
  }

  private static String policyText(String target, String format, String soak, String cadence)
      throws IOException {
    String escrow = TestKeys.get().escrowIdentity().recipient().value();
    String certificate = TestKeys.get().directory().resolve(TestKeys.STAGING_CERT).toString();
    boolean sealed = format.equals("sealed-secret");
    return "apiVersion: rotor.dev/v1\n"
        + "kind: RotationPolicy\n"
        + "defaults:\n"
        + "  manifest:\n"
        + "    repository: https://git.example.com/shop/gitops.git\n"
        + "  escrow:\n"
        + "    recipients: ["
        + escrow
        + "]\n"
        + "targets:\n"
        + "  - id: "
        + target
        + "\n"
        + "    deployments: [app]\n"
        + "    cadence: "
        + cadence
        + "\n"
        + "    manifest:\n"
        + "      path: deploy/app.yaml\n"
        + "      format: "
        + format
        + "\n"
        + (sealed ? "" : "      allowPlaintextInGit: true\n")
        + "    stages:\n"
        + "      - cluster: staging\n"
        + "        soak: "
        + soak
        + "\n"
        + (sealed ? "        sealingCertificateFile: " + certificate + "\n" : "");
  }
}
