package dev.rotor.keygen.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The rotation policies of the tests, written next to {@link TestKeys} so that their certificate
 * files resolve. Each test class rotates its own targets: a rotation in flight holds its target for
 * the rest of the application's life, which test classes share.
 */
public final class TestPolicy {
  public static final String STAGING = "test-staging";
  public static final String CANARY = "test-canary";
  public static final String PRODUCTION = "test-production";

  /** The variant of the application most test classes share. */
  public static final String MAIN = "main";

  /** The variant of the two applications of the restart tests. */
  public static final String RESTART = "restart";

  // Main: two stages, staging sealed with the staging certificate, production with its own.
  public static final String KEYS_HAPPY = "keys-happy/app-key";
  public static final String KEYS_SUBSET = "keys-subset/app-key";
  public static final String KEYS_HEADERS = "keys-headers/app-key";
  public static final String REDELIVER = "redeliver/app-key";
  public static final String REDELIVER_REJECTED = "redeliver-rejected/app-key";
  public static final String REDELIVER_OUTBOX = "redeliver-outbox/app-key";
  public static final String OUTBOX_QUARANTINE = "outbox-quarantine/app-key";
  public static final String OUTBOX_PURGE = "outbox-purge/app-key";
  public static final String OUTBOX_PURGE_REJECTED = "outbox-purge-rejected/app-key";
  public static final String REDELIVER_REUSED_ID = "redeliver-reused-id/app-key";
  public static final String REJECT_IN_FLIGHT = "reject-in-flight/app-key";
  public static final String REJECT_IN_FLIGHT_BURST = "reject-in-flight-burst/app-key";
  public static final String REJECT_DUPLICATE = "reject-duplicate/app-key";
  public static final String REJECT_INVALID = "reject-invalid/app-key";
  public static final String RELEASE_COMPLETED = "release-completed/app-key";
  public static final String RELEASE_ROLLED_BACK = "release-rolled-back/app-key";
  public static final String RELEASE_FAILED_VERIFIER = "release-failed-verifier/app-key";
  public static final String RELEASE_FAILED_MANIFEST = "release-failed-manifest/app-key";
  public static final String RELEASE_GUARDED = "release-guarded/app-key";
  public static final String RELEASE_SENTINEL = "release-sentinel/app-key";
  public static final String RELEASE_MISMATCH = "release-mismatch/app-key";
  public static final String RELEASE_REDELIVERED = "release-redelivered/app-key";
  public static final String OUTCOME_READ_LATE = "outcome-read-late/app-key";
  public static final String OUTCOME_NOT_READ = "outcome-not-read/app-key";
  public static final String HOSTILE = "hostile/app-key";
  public static final String LEAK_SEALED = "leak-sealed/app-key";
  public static final String DB_OUTAGE = "db-outage/app-key";
  public static final String TRACE_ON = "trace-on/app-key";
  public static final String TRACE_OFF = "trace-off/app-key";
  public static final String TRACE_OFF_UNTRACED = "trace-off-untraced/app-key";
  // Main: both stages sealed with one certificate (clusters may share a controller key).
  public static final String KEYS_SHARED_CERT = "keys-shared-cert/app-key";
  // Main: three stages, for the order of requested stages.
  public static final String REJECT_STAGES = "reject-stages/app-key";
  // Main: manifest format secret, age-sealed to the manifest-service.
  public static final String KEYS_PLAIN = "keys-plain/app-key";
  public static final String LEAK_PLAIN = "leak-plain/app-key";
  // Main: a cadence of 30 days.
  public static final String CADENCE = "cadence/app-key";
  public static final String CADENCE_PERIOD = "P30D";

  // Restart: one guarded target, one with a cadence.
  public static final String RESTART_GUARDED = "restart-guarded/app-key";
  public static final String RESTART_CADENCE = "restart-cadence/app-key";

  private static final List<String> MAIN_TWO_STAGE =
      List.of(
          KEYS_HAPPY,
          KEYS_SUBSET,
          KEYS_HEADERS,
          REDELIVER,
          REDELIVER_REJECTED,
          REDELIVER_OUTBOX,
          OUTBOX_QUARANTINE,
          OUTBOX_PURGE,
          OUTBOX_PURGE_REJECTED,
          REDELIVER_REUSED_ID,
          REJECT_IN_FLIGHT,
          REJECT_IN_FLIGHT_BURST,
          REJECT_DUPLICATE,
          REJECT_INVALID,
          RELEASE_COMPLETED,
          RELEASE_ROLLED_BACK,
          RELEASE_FAILED_VERIFIER,
          RELEASE_FAILED_MANIFEST,
          RELEASE_GUARDED,
          RELEASE_SENTINEL,
          RELEASE_MISMATCH,
          RELEASE_REDELIVERED,
          OUTCOME_READ_LATE,
          OUTCOME_NOT_READ,
          HOSTILE,
          LEAK_SEALED,
          DB_OUTAGE,
          TRACE_ON,
          TRACE_OFF,
          TRACE_OFF_UNTRACED);

  private TestPolicy() {}

  /** Writes the policy of {@code variant} and returns its file. */
  public static Path write(String variant) {
    TestKeys keys = TestKeys.get();
    StringBuilder yaml = new StringBuilder();
    yaml.append("apiVersion: rotor.dev/v1\n")
        .append("kind: RotationPolicy\n")
        .append("defaults:\n")
        .append("  manifest:\n")
        .append("    repository: https://git.example.com/rotor-tests/gitops.git\n")
        .append("    format: sealed-secret\n")
        .append("  escrow:\n")
        .append("    recipients:\n")
        .append("      - ")
        .append(keys.escrowIdentity().recipient().value())
        .append("\n")
        .append("targets:\n");
    switch (variant) {
      case MAIN -> {
        for (String target : MAIN_TWO_STAGE) {
          yaml.append(sealed(target, null, stage(STAGING, TestKeys.STAGING_CERT)))
              .append(stage(PRODUCTION, TestKeys.PRODUCTION_CERT));
        }
        yaml.append(sealed(KEYS_SHARED_CERT, null, stage(STAGING, TestKeys.STAGING_CERT)))
            .append(stage(PRODUCTION, TestKeys.STAGING_CERT));
        yaml.append(sealed(REJECT_STAGES, null, stage(STAGING, TestKeys.STAGING_CERT)))
            .append(stage(CANARY, TestKeys.STAGING_CERT))
            .append(stage(PRODUCTION, TestKeys.PRODUCTION_CERT));
        yaml.append(plain(KEYS_PLAIN)).append(plain(LEAK_PLAIN));
        yaml.append(sealed(CADENCE, CADENCE_PERIOD, stage(STAGING, TestKeys.STAGING_CERT)))
            .append(stage(PRODUCTION, TestKeys.PRODUCTION_CERT));
      }
      case RESTART -> {
        yaml.append(sealed(RESTART_GUARDED, null, stage(STAGING, TestKeys.STAGING_CERT)))
            .append(stage(PRODUCTION, TestKeys.PRODUCTION_CERT));
        yaml.append(sealed(RESTART_CADENCE, CADENCE_PERIOD, stage(STAGING, TestKeys.STAGING_CERT)))
            .append(stage(PRODUCTION, TestKeys.PRODUCTION_CERT));
      }
      default -> throw new IllegalArgumentException("no test policy variant " + variant);
    }
    Path file = keys.directory().resolve("policy-" + variant + ".yaml");
    try {
      Files.writeString(file, yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  private static String sealed(String target, String cadence, String firstStage) {
    return header(target, cadence)
        + "    manifest:\n"
        + "      path: deploy/"
        + target
        + ".yaml\n"
        + "    stages:\n"
        + firstStage;
  }

  private static String plain(String target) {
    return header(target, null)
        + "    manifest:\n"
        + "      path: deploy/"
        + target
        + ".yaml\n"
        + "      format: secret\n"
        + "      allowPlaintextInGit: true\n"
        + "    stages:\n"
        + "      - cluster: "
        + STAGING
        + "\n"
        + "        soak: PT0S\n";
  }

  private static String header(String target, String cadence) {
    return "  - id: "
        + target
        + "\n    deployments: [app]\n"
        + (cadence == null ? "" : "    cadence: " + cadence + "\n");
  }

  private static String stage(String cluster, String certificateFile) {
    return "      - cluster: "
        + cluster
        + "\n        soak: PT0S\n        sealingCertificateFile: "
        + certificateFile
        + "\n";
  }
}
