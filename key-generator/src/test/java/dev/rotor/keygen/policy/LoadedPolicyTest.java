package dev.rotor.keygen.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.common.crypto.AgeIdentity;
import dev.rotor.common.crypto.GeneratedKey;
import dev.rotor.common.event.EventCodec;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.plan.Plan;
import dev.rotor.keygen.KeyGeneratorConfig;
import dev.rotor.keygen.sealing.KeySealer.SealedMaterial;
import dev.rotor.keygen.support.TestKeys;
import io.quarkus.runtime.configuration.ConfigurationException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Start-up refuses configuration it cannot run with, and says which key, file, path and line to
 * fix. (KeyGeneratorStartupIT shows the packaged application exits with these messages.)
 */
class LoadedPolicyTest {
  @TempDir Path directory;

  @Test
  void theRepositorysExamplePolicyLoads() {
    LoadedPolicy loaded =
        new LoadedPolicy(config(Path.of("../deploy/policy/rotor-policy.yaml").toString(), null));

    assertThat(loaded.policy().targetIds())
        .containsExactly("aether-services/secrets-service-config");
    assertThat(loaded.cadenceTargets()).hasSize(1);
    assertThat(loaded.fileName()).isEqualTo("rotor-policy.yaml");
  }

  @Test
  void aPolicyWithProblemsStopsStartUpNamingTheKeyTheFileAndEachPathAndLine() throws IOException {
    Path file = policy(target("shop/app-key", "sealed-secret", "soak: ten minutes"));

    assertThatThrownBy(() -> new LoadedPolicy(config(file.toString(), null)))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageStartingWith(
            "rotor.key-generator.policy-file: the rotation policy cannot be used")
        .hasMessageContaining(
            file
                + ": targets[0].stages[0].soak: expected an ISO-8601 duration such as PT10M or"
                + " PT0.5S, got 'ten minutes' (line 16)");
  }

  @Test
  void aMissingPolicyFileStopsStartUpNamingTheKeyAndTheFile() {
    String file = directory.resolve("nowhere.yaml").toString();

    assertThatThrownBy(() -> new LoadedPolicy(config(file, null)))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("rotor.key-generator.policy-file")
        .hasMessageContaining(file + ": no such file");
  }

  @Test
  void aPlainSecretTargetWithoutTheManifestServiceRecipientStopsStartUpNamingKeyAndTarget()
      throws IOException {
    Path file = policy(target("shop/plain-key", "secret", "soak: PT0S"));

    assertThatThrownBy(() -> new LoadedPolicy(config(file.toString(), null)))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageStartingWith(
            "rotor.key-generator.manifest-service-recipient: is required, because target(s)"
                + " shop/plain-key use manifest format 'secret'");
  }

  @Test
  void aSecretIdentityGivenAsTheManifestServiceRecipientIsRefusedWithoutRepeatingIt()
      throws IOException {
    Path file = policy(target("shop/plain-key", "secret", "soak: PT0S"));
    String identity;
    try (AgeIdentity generated = AgeIdentity.generate()) {
      identity = generated.revealIdentityFile().lines().reduce((a, b) -> b).orElseThrow();
    }

    assertThatThrownBy(() -> new LoadedPolicy(config(file.toString(), identity)))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageStartingWith("rotor.key-generator.manifest-service-recipient: ")
        .hasMessageContaining("secret identity")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(identity.substring(15)));
  }

  @Test
  void settingsOutOfRangeStopStartUpNamingEveryKey() {
    KeyGeneratorConfig bad =
        new FakeConfig(
            "unused.yaml",
            Optional.empty(),
            0,
            2000,
            Duration.ofMillis(10),
            Duration.ofDays(14),
            Duration.ofSeconds(30),
            Duration.ofMinutes(10));

    assertThatThrownBy(() -> new LoadedPolicy(bad))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage(
            "rotor.key-generator.admission.max-reason-length: must be between 1 and 32768, got 0\n"
                + "rotor.key-generator.admission.max-requester-length: must be between 1 and"
                + " 1024, got 2000\n"
                + "rotor.key-generator.cadence.check-interval: must be at least PT1S, got"
                + " PT0.01S\n"
                + "rotor.key-generator.outbox.send-timeout: must be at most PT5M");
  }

  @Test
  void anOutcomeWaitBelowZeroOrOverFiveMinutesStopsStartUpNamingTheKey() {
    for (Duration wait : List.of(Duration.ofSeconds(-1), Duration.ofMinutes(6))) {
      KeyGeneratorConfig bad =
          new FakeConfig(
              "unused.yaml",
              Optional.empty(),
              1024,
              256,
              Duration.ofMinutes(1),
              Duration.ofDays(14),
              Duration.ofSeconds(30),
              Duration.ofSeconds(30),
              Duration.ofDays(7),
              Duration.ofDays(100),
              Duration.ofHours(1),
              wait);

      assertThatThrownBy(() -> new LoadedPolicy(bad))
          .isInstanceOf(ConfigurationException.class)
          .hasMessage(
              "rotor.key-generator.admission.outcome-wait: must be "
                  + (wait.isNegative() ? "at least PT0S, got PT-1S" : "at most PT5M"));
    }
  }

  @Test
  void aPurgeThatWouldKeepSentEventsTooShortlyOrRunTooOftenStopsStartUpNamingTheKeys() {
    KeyGeneratorConfig bad =
        new FakeConfig(
            "unused.yaml",
            Optional.empty(),
            1024,
            256,
            Duration.ofMinutes(1),
            Duration.ofDays(14),
            Duration.ofSeconds(30),
            Duration.ofSeconds(30),
            Duration.ofMinutes(59),
            Duration.ofMinutes(58),
            Duration.ofSeconds(59));

    assertThatThrownBy(() -> new LoadedPolicy(bad))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage(
            "rotor.key-generator.outbox.keep-sent: must be at least PT1H, got PT59M\n"
                + "rotor.key-generator.outbox.keep-sent-unrecorded: must be at least P98D (a"
                + " request is read again for as long as rotor.requests keeps it: 90 days, up to"
                + " 97 as Kafka deletes whole segments), got PT58M\n"
                + "rotor.key-generator.outbox.purge-interval: must be at least PT1M, got PT59S");
  }

  @Test
  void aTargetWhoseKeyGeneratedWouldNotFitInAnEventStopsStartUp() throws IOException {
    StringBuilder stages = new StringBuilder();
    for (int i = 0; i < 60; i++) {
      stages
          .append("      - cluster: cluster-")
          .append(i)
          .append("\n        soak: PT0S\n        sealingCertificateFile: ")
          .append(TestKeys.get().directory().resolve(TestKeys.STAGING_CERT))
          .append('\n');
    }
    Path file =
        policy(
            "  - id: shop/wide-key\n"
                + "    deployments: [app]\n"
                + "    manifest:\n"
                + "      path: deploy/wide.yaml\n"
                + "    stages:\n"
                + stages);

    assertThatThrownBy(() -> new LoadedPolicy(config(file.toString(), null)))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("target shop/wide-key: its key.generated event would be")
        .hasMessageContaining("more than the 65536 bytes an event may carry");
  }

  @Test
  void everyPlanStartUpAcceptsFitsInAnEventWithTheLongestRequesterInUtf8AndATimeWithNanoseconds()
      throws IOException {
    KeyGeneratorConfig config = null;
    LoadedPolicy loaded = null;
    // The largest plan start-up accepts, from the existing 60 stages (refused) downwards.
    for (int count = 59; count > 0 && loaded == null; count--) {
      config =
          new FakeConfig(
              widePolicy(count).toString(),
              Optional.empty(),
              1024,
              1024,
              Duration.ofMinutes(1),
              Duration.ofDays(14),
              Duration.ofSeconds(30),
              Duration.ofSeconds(30));
      try {
        loaded = new LoadedPolicy(config);
      } catch (ConfigurationException e) {
        assertThat(e).hasMessageContaining("its key.generated event would be");
      }
    }
    assertThat(loaded).isNotNull();
    Plan plan = loaded.target("shop/wide-key").orElseThrow().plan();

    try (GeneratedKey key = GeneratedKey.generate()) {
      SealedMaterial material = loaded.sealer().seal(key, plan);
      KeyGenerated event =
          new KeyGenerated(
              "r".repeat(64),
              "shop/wide-key",
              plan,
              "\u20ac".repeat(1024), // 1,024 characters a requester may use, 3 bytes each
              key.keyId(),
              key.fingerprint(),
              material.sealed(),
              material.escrow(),
              Instant.parse("2026-11-27T06:00:00.123456789Z"));

      assertThat(EventCodec.encode(event).length)
          .as(
              "a key.generated for the largest plan start-up accepts (%d stages)",
              plan.stages().size())
          .isLessThanOrEqualTo(EventCodec.MAX_DATA_BYTES);
    }
  }

  @Test
  void aCadenceTooLongToComputeADueDateStopsStartUpNamingTheFileTargetAndField()
      throws IOException {
    Path file =
        policy(
            target("shop/app-key", "sealed-secret", "soak: PT0S")
                .replace(
                    "    deployments: [app]\n",
                    "    deployments: [app]\n    cadence: P999999999Y\n"));

    assertThatThrownBy(() -> new LoadedPolicy(config(file.toString(), null)))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage(
            "rotor.key-generator.policy-file: "
                + file
                + ": target shop/app-key: cadence: P999999999Y is too long; one cadence after a"
                + " rotation in 2100 must fall due before the year 10000 (a cadence such as P90D"
                + " or P1Y)");
  }

  private Path widePolicy(int stageCount) throws IOException {
    StringBuilder stages = new StringBuilder();
    for (int i = 0; i < stageCount; i++) {
      stages
          .append("      - cluster: cluster-")
          .append(i)
          .append("\n        soak: PT0S\n        sealingCertificateFile: ")
          .append(TestKeys.get().directory().resolve(TestKeys.STAGING_CERT))
          .append('\n');
    }
    return policy(
        "  - id: shop/wide-key\n"
            + "    deployments: [app]\n"
            + "    manifest:\n"
            + "      path: deploy/wide.yaml\n"
            + "    stages:\n"
            + stages);
  }

  private Path policy(String targets) throws IOException {
    String escrow;
    try (AgeIdentity identity = AgeIdentity.generate()) {
      escrow = identity.recipient().value();
    }
    Path file = directory.resolve("policy.yaml");
    Files.writeString(
        file,
        "apiVersion: rotor.dev/v1\n"
            + "kind: RotationPolicy\n"
            + "defaults:\n"
            + "  manifest:\n"
            + "    repository: https://git.example.com/shop/gitops.git\n"
            + "  escrow:\n"
            + "    recipients: ["
            + escrow
            + "]\n"
            + "targets:\n"
            + targets);
    return file;
  }

  private static String target(String id, String format, String soak) {
    String certificate = TestKeys.get().directory().resolve(TestKeys.STAGING_CERT).toString();
    boolean sealed = format.equals("sealed-secret");
    return "  - id: "
        + id
        + "\n    deployments: [app]\n    manifest:\n      path: deploy/app.yaml\n      format: "
        + format
        + (sealed ? "" : "\n      allowPlaintextInGit: true")
        + "\n    stages:\n      - cluster: staging\n        "
        + soak
        + (sealed ? "\n        sealingCertificateFile: " + certificate : "")
        + "\n";
  }

  private static KeyGeneratorConfig config(String policyFile, String manifestRecipient) {
    return new FakeConfig(
        policyFile,
        Optional.ofNullable(manifestRecipient),
        1024,
        256,
        Duration.ofMinutes(1),
        Duration.ofDays(14),
        Duration.ofSeconds(30),
        Duration.ofSeconds(30));
  }

  /** The configuration as SmallRye would map it, with the values given. */
  private record FakeConfig(
      String policyFile,
      Optional<String> manifestServiceRecipient,
      int maxReasonLength,
      int maxRequesterLength,
      Duration checkInterval,
      Duration reminderLeadTime,
      Duration retryInterval,
      Duration sendTimeout,
      Duration keepSent,
      Duration keepSentUnrecorded,
      Duration purgeInterval,
      Duration outcomeWait)
      implements KeyGeneratorConfig {

    FakeConfig(
        String policyFile,
        Optional<String> manifestServiceRecipient,
        int maxReasonLength,
        int maxRequesterLength,
        Duration checkInterval,
        Duration reminderLeadTime,
        Duration retryInterval,
        Duration sendTimeout,
        Duration keepSent,
        Duration keepSentUnrecorded,
        Duration purgeInterval) {
      this(
          policyFile,
          manifestServiceRecipient,
          maxReasonLength,
          maxRequesterLength,
          checkInterval,
          reminderLeadTime,
          retryInterval,
          sendTimeout,
          keepSent,
          keepSentUnrecorded,
          purgeInterval,
          Duration.ofSeconds(30));
    }

    FakeConfig(
        String policyFile,
        Optional<String> manifestServiceRecipient,
        int maxReasonLength,
        int maxRequesterLength,
        Duration checkInterval,
        Duration reminderLeadTime,
        Duration retryInterval,
        Duration sendTimeout) {
      this(
          policyFile,
          manifestServiceRecipient,
          maxReasonLength,
          maxRequesterLength,
          checkInterval,
          reminderLeadTime,
          retryInterval,
          sendTimeout,
          Duration.ofDays(7),
          Duration.ofDays(100),
          Duration.ofHours(1));
    }

    @Override
    public Admission admission() {
      return new Admission() {
        @Override
        public int maxReasonLength() {
          return maxReasonLength;
        }

        @Override
        public int maxRequesterLength() {
          return maxRequesterLength;
        }

        @Override
        public Duration outcomeWait() {
          return outcomeWait;
        }
      };
    }

    @Override
    public Cadence cadence() {
      return new Cadence() {
        @Override
        public boolean enabled() {
          return true;
        }

        @Override
        public Duration checkInterval() {
          return checkInterval;
        }

        @Override
        public Duration reminderLeadTime() {
          return reminderLeadTime;
        }
      };
    }

    @Override
    public Outbox outbox() {
      return new Outbox() {
        @Override
        public Duration retryInterval() {
          return retryInterval;
        }

        @Override
        public Duration sendTimeout() {
          return sendTimeout;
        }

        @Override
        public int maxAttempts() {
          return 10;
        }

        @Override
        public Duration quarantineAfter() {
          return Duration.ofMinutes(5);
        }

        @Override
        public Duration keepSent() {
          return keepSent;
        }

        @Override
        public Duration keepSentUnrecorded() {
          return keepSentUnrecorded;
        }

        @Override
        public Duration purgeInterval() {
          return purgeInterval;
        }
      };
    }
  }
}
