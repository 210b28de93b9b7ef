package dev.rotor.common.event;

import dev.rotor.common.event.Reasons.Rejection;
import dev.rotor.common.plan.ApprovalSpec;
import dev.rotor.common.plan.KeyringSpec;
import dev.rotor.common.plan.ManifestFormat;
import dev.rotor.common.plan.ManifestSpec;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.ReviewProvider;
import dev.rotor.common.plan.Stage;
import dev.rotor.common.plan.Thresholds;
import dev.rotor.common.plan.VerificationSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/** One valid event of every type, for the runbook's target. Shared with other modules' tests. */
public final class SampleEvents {
  public static final String TARGET = "aether-services/secrets-service-config";
  public static final String ROTATION = "7f3c2a10-9d4e-4c1b-8a55-0e6b2f1d9c42";
  public static final String FINGERPRINT =
      "3b1f0c5e9a7d2468ace013579bdf2468ace013579bdf2468ace013579bdf2468";
  public static final String OLD_FINGERPRINT =
      "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9";
  public static final String KEY_ID = FINGERPRINT.substring(0, 8);
  public static final Instant AT = Instant.parse("2026-11-26T06:00:00Z");
  private static final String COMMIT = "5d41402abc4b2a76b9719d911017c592aa5a1b7c";

  private SampleEvents() {}

  /** A two-stage plan like the runbook's: staging, then production with a 30-minute soak. */
  public static Plan plan() {
    return new Plan(
        TARGET,
        "aether-services",
        "secrets-service-config",
        new KeyringSpec(2),
        new ManifestSpec(
            "https://git.example.com/platform/aether-gitops.git",
            "main",
            "deploy/k8s/base/aether-services/secret-secrets-service-config.yaml",
            ManifestFormat.SEALED_SECRET,
            false),
        List.of(
            new Stage(
                "aether-staging",
                List.of("secrets-service"),
                Duration.ofMinutes(10),
                Thresholds.DEFAULT,
                null,
                "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"),
            new Stage(
                "aether-production",
                List.of("secrets-service"),
                Duration.ofMinutes(30),
                Thresholds.DEFAULT,
                null,
                "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n")),
        new ApprovalSpec(ReviewProvider.LOCAL, 1, List.of("security")),
        VerificationSpec.DEFAULT,
        List.of("age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq"));
  }

  /** One sample of every event type of the contract, in contract order. */
  public static List<RotorEvent> all() {
    return Arrays.stream(EventType.values()).map(SampleEvents::of).toList();
  }

  /** A valid sample of {@code type}. */
  public static RotorEvent of(EventType type) {
    Plan plan = plan();
    List<PodStatus> pods =
        List.of(new PodStatus("secrets-service", "secrets-service-6f7d9c-abcde", AT));
    List<Evidence> evidence =
        List.of(new Evidence("error-rate", 0.001, 0.01, 0.0012, "5xx share over 1m"));
    return switch (type) {
      case ROTATION_REQUESTED ->
          new RotationRequested(
              ROTATION, TARGET, "alice", "quarterly rotation", List.of("aether-staging"), AT);
      case ROTATION_REJECTED ->
          new RotationRejected(
              ROTATION, TARGET, Rejection.IN_FLIGHT, "a rotation is in flight", "other-rotation");
      case KEY_GENERATED ->
          new KeyGenerated(
              ROTATION,
              TARGET,
              plan,
              "alice",
              KEY_ID,
              FINGERPRINT,
              List.of(new SealedKey(SealedKey.Kind.SEALED_SECRET, "aether-staging", "AgBy3i4O")),
              new Escrow(
                  plan.escrowRecipients(),
                  "-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n-----END AGE ENCRYPTED FILE-----\n"),
              AT);
      case ROTATION_DUE ->
          new RotationDue(
              TARGET, AT.plus(Duration.ofDays(7)), AT.minus(Duration.ofDays(83)), "P90D");
      case MANIFEST_PROPOSED ->
          new ManifestProposed(
              ROTATION,
              TARGET,
              plan,
              FINGERPRINT,
              OLD_FINGERPRINT.substring(0, 8),
              "rotor/aether-services/secrets-service-config/7f3c2a10",
              COMMIT,
              COMMIT,
              null);
      case MANIFEST_APPROVED ->
          new ManifestApproved(
              ROTATION, TARGET, plan, FINGERPRINT, COMMIT, COMMIT, COMMIT, List.of("bob"), false);
      case MANIFEST_ROLLED_BACK ->
          new ManifestRolledBack(
              ROTATION, TARGET, plan, COMMIT, List.of("aether-staging"), "verification failed");
      case ROLLOUT_WAITING ->
          new RolloutWaiting(
              ROTATION, TARGET, plan, "aether-staging", Phase.DISTRIBUTE, AT.plusSeconds(3600));
      case ROLLOUT_STARTED ->
          new RolloutStarted(ROTATION, TARGET, plan, "aether-staging", Phase.DISTRIBUTE, COMMIT);
      case ROLLOUT_COMPLETED ->
          new RolloutCompleted(
              ROTATION,
              TARGET,
              plan,
              "aether-staging",
              Phase.PROMOTE,
              COMMIT,
              FINGERPRINT,
              KEY_ID,
              pods,
              AT);
      case ROLLOUT_FAILED ->
          new RolloutFailed(
              ROTATION,
              TARGET,
              plan,
              "aether-staging",
              Phase.PROMOTE,
              Reasons.Rollout.PROGRESS_DEADLINE_EXCEEDED,
              "deployment/secrets-service exceeded its progress deadline");
      case ROLLBACK_COMPLETED ->
          new RollbackCompleted(
              ROTATION,
              TARGET,
              plan,
              "aether-staging",
              COMMIT,
              OLD_FINGERPRINT.substring(0, 8),
              pods,
              AT);
      case ROLLBACK_FAILED ->
          new RollbackFailed(
              ROTATION, TARGET, plan, "aether-staging", Reasons.Rollout.FORBIDDEN, "403 on patch");
      case VERIFICATION_STARTED ->
          new VerificationStarted(ROTATION, TARGET, plan, "aether-staging", AT.plusSeconds(600));
      case VERIFICATION_PASSED ->
          new VerificationPassed(ROTATION, TARGET, plan, "aether-staging", evidence);
      case VERIFICATION_FAILED ->
          new VerificationFailed(
              ROTATION,
              TARGET,
              plan,
              "aether-production",
              Reasons.Verification.ERROR_RATE,
              "5xx share 4.2% above 1%",
              evidence);
      case VERIFICATION_INCONCLUSIVE ->
          new VerificationInconclusive(
              ROTATION,
              TARGET,
              plan,
              "aether-production",
              "no traffic",
              List.of(new Evidence("error-rate", null, 0.01, null, "empty result")));
      case ROTATION_COMPLETED ->
          new RotationCompleted(
              ROTATION,
              TARGET,
              plan,
              OLD_FINGERPRINT,
              FINGERPRINT,
              "alice",
              List.of("bob"),
              COMMIT,
              List.of(
                  new StageVerdict("aether-staging", Reasons.Verdict.PASSED, AT),
                  new StageVerdict("aether-production", Reasons.Verdict.PASSED, AT)));
      case ROTATION_ROLLED_BACK ->
          new RotationRolledBack(
              ROTATION, TARGET, plan, "verification failed", List.of("aether-staging"), COMMIT);
      case ROTATION_FAILED ->
          new RotationFailed(
              ROTATION,
              TARGET,
              plan,
              Reasons.RotationFailure.REVIEW_REJECTED,
              "bob rejected the change");
      case LEDGER_CHECKPOINT ->
          new LedgerCheckpoint(
              "rotor.dev/ledger",
              42,
              "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
              "rotor.dev/ledger\n42\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n— rotor AAAA\n",
              AT);
      case ROTATION_APPROVED -> new RotationApproved(ROTATION, TARGET, "bob", false, "looks good");
      case ROTATION_REVIEW_REJECTED ->
          new RotationReviewRejected(ROTATION, TARGET, "bob", "wrong window");
      case ROTATION_ROLLBACK_REQUESTED ->
          new RotationRollbackRequested(ROTATION, TARGET, "carol", "latency up");
    };
  }

  /** The source a legitimate producer of {@code type} uses. */
  public static String sourceOf(EventType type) {
    if (type.producers().isEmpty()) {
      return "/rotor/cli";
    }
    String producer = type.producers().iterator().next();
    return producer.equals("cluster-agent")
        ? Sources.of(producer, "aether-staging")
        : Sources.of(producer);
  }

  /** A complete envelope of {@code type} from its legitimate producer. */
  public static EventEnvelope envelope(EventType type) {
    RotorEvent data = of(type);
    return new EventEnvelope(
        "evt-" + type.eventName(),
        type,
        sourceOf(type),
        data.subject(),
        data.rotationId(),
        AT,
        data);
  }
}
