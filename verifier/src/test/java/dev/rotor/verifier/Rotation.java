package dev.rotor.verifier;

import dev.rotor.common.event.Escrow;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.event.ManifestApproved;
import dev.rotor.common.event.ManifestProposed;
import dev.rotor.common.event.ManifestRolledBack;
import dev.rotor.common.event.Phase;
import dev.rotor.common.event.PodStatus;
import dev.rotor.common.event.Reasons;
import dev.rotor.common.event.RollbackCompleted;
import dev.rotor.common.event.RolloutCompleted;
import dev.rotor.common.event.RolloutFailed;
import dev.rotor.common.event.RolloutStarted;
import dev.rotor.common.event.RotationApproved;
import dev.rotor.common.event.RotorEvent;
import dev.rotor.common.event.SealedKey;
import dev.rotor.common.event.Sources;
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
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * One rotation as the other services would drive it: its plan, and the events the key-generator,
 * the manifest-service, the cluster-agents and people send about it, with the sources they use.
 */
public final class Rotation {
  public static final String DISTRIBUTE_COMMIT = "1111111111111111111111111111111111111111";
  public static final String PROMOTE_COMMIT = "2222222222222222222222222222222222222222";
  public static final String MERGE_COMMIT = "3333333333333333333333333333333333333333";
  public static final String ROLLBACK_COMMIT = "4444444444444444444444444444444444444444";

  /** The queries of the default plan over 5 s windows instead of 1 m: soaks of seconds. */
  public static final VerificationSpec QUICK = window("5s");

  private final String id;
  private final Plan plan;
  private final String newFingerprint;
  private final String previousKeyId;

  private Rotation(String id, Plan plan, String newFingerprint, String previousKeyId) {
    this.id = id;
    this.plan = plan;
    this.newFingerprint = newFingerprint;
    this.previousKeyId = previousKeyId;
  }

  /** A stage of {@code cluster} restarting {@code deployments}. */
  public static Stage stage(
      String cluster, Duration soak, Thresholds thresholds, String... deployments) {
    return new Stage(cluster, List.of(deployments), soak, thresholds, null, null);
  }

  /** Thresholds of the default plan, with a check every second. */
  public static Thresholds everySecond(int failureLimit) {
    Thresholds d = Thresholds.DEFAULT;
    return new Thresholds(
        d.maxErrorRate(),
        d.maxP99Latency(),
        d.maxBaselineFactor(),
        d.maxDecryptFailures(),
        failureLimit,
        Duration.ofSeconds(1),
        null);
  }

  /**
   * The default queries over the literal range {@code [<window>]} instead of the {@code {window}}
   * the verifier fills in, with the error rate's numerator read as 0 when there is no 5xx series at
   * all ({@code or vector(0)}): Micrometer creates the {@code status="5xx"} series only at the
   * first such response, so without it a workload that never failed has no error rate. ({@code
   * VerificationSpec.DEFAULT} lacks it.)
   */
  public static VerificationSpec window(String window) {
    VerificationSpec d = VerificationSpec.DEFAULT;
    String selector = "namespace=\"{namespace}\",deployment=\"{deployment}\"";
    return new VerificationSpec(
        "(sum(rate(http_server_requests_seconds_count{"
            + selector
            + ",status=~\"5..\"}["
            + window
            + "])) or vector(0)) / sum(rate(http_server_requests_seconds_count{"
            + selector
            + "}["
            + window
            + "]))",
        d.latencyQuery().replace("{window}", window),
        d.decryptFailuresQuery().replace("{window}", window),
        Duration.ofSeconds(10),
        d.requiredLogPatterns(),
        d.forbiddenLogPatterns());
  }

  /**
   * A rotation of Secret {@code aether-services/<secretName>} to the key {@code newFingerprint},
   * from the key {@code previousKeyId}.
   */
  public static Rotation of(
      String name,
      String secretName,
      String newFingerprint,
      String previousKeyId,
      VerificationSpec verification,
      Stage... stages) {
    Plan plan =
        new Plan(
            Fleet.NAMESPACE + "/" + secretName,
            Fleet.NAMESPACE,
            secretName,
            new KeyringSpec(2),
            new ManifestSpec(
                "https://git.example.com/platform/aether-gitops.git",
                "main",
                "deploy/k8s/base/aether-services/secret-" + secretName + ".yaml",
                ManifestFormat.SECRET,
                true),
            List.of(stages),
            new ApprovalSpec(ReviewProvider.LOCAL, 1, List.of()),
            verification,
            List.of("age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq"));
    String id = name + "-" + UUID.randomUUID().toString().substring(0, 8);
    return new Rotation(id, plan, newFingerprint, previousKeyId);
  }

  public String id() {
    return id;
  }

  public Plan plan() {
    return plan;
  }

  public String target() {
    return plan.targetId();
  }

  /** key.generated, manifest.proposed and manifest.approved: what the verifier learns up front. */
  public List<EventEnvelope> admitted(Instant at) {
    List<EventEnvelope> events = new ArrayList<>();
    events.add(
        event(
            new KeyGenerated(
                id,
                target(),
                plan,
                "alice",
                newFingerprint.substring(0, 8),
                newFingerprint,
                List.of(new SealedKey(SealedKey.Kind.AGE, "manifest-service", "YWdlLXNlYWxlZA==")),
                new Escrow(
                    plan.escrowRecipients(),
                    "-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n-----END AGE ENCRYPTED FILE-----\n"),
                at),
            Sources.of("key-generator"),
            at));
    events.add(
        event(
            new ManifestProposed(
                id,
                target(),
                plan,
                newFingerprint,
                previousKeyId,
                "rotor/" + target() + "/" + id,
                DISTRIBUTE_COMMIT,
                PROMOTE_COMMIT,
                null),
            Sources.of("manifest-service"),
            at));
    events.add(
        event(
            new ManifestApproved(
                id,
                target(),
                plan,
                newFingerprint,
                MERGE_COMMIT,
                DISTRIBUTE_COMMIT,
                PROMOTE_COMMIT,
                List.of("bob"),
                false),
            Sources.of("manifest-service"),
            at));
    return events;
  }

  public EventEnvelope rolloutStarted(String cluster, Phase phase, Instant at) {
    String commit = phase == Phase.DISTRIBUTE ? DISTRIBUTE_COMMIT : PROMOTE_COMMIT;
    return event(
        new RolloutStarted(id, target(), plan, cluster, phase, commit),
        Sources.of("cluster-agent", cluster),
        at);
  }

  /** The distribute rollout completed: the new key is in the Secret, the old one still primary. */
  public EventEnvelope distributed(String cluster, List<PodStatus> pods, Instant at) {
    return event(
        new RolloutCompleted(
            id,
            target(),
            plan,
            cluster,
            Phase.DISTRIBUTE,
            DISTRIBUTE_COMMIT,
            newFingerprint,
            previousKeyId,
            pods,
            at),
        Sources.of("cluster-agent", cluster),
        at);
  }

  public EventEnvelope rolloutFailed(
      String cluster, Phase phase, Reasons.Rollout reason, String message, Instant at) {
    return event(
        new RolloutFailed(id, target(), plan, cluster, phase, reason, message),
        Sources.of("cluster-agent", cluster),
        at);
  }

  public EventEnvelope promoted(String cluster, List<PodStatus> pods, Instant at) {
    return event(
        new RolloutCompleted(
            id,
            target(),
            plan,
            cluster,
            Phase.PROMOTE,
            PROMOTE_COMMIT,
            newFingerprint,
            newFingerprint.substring(0, 8),
            pods,
            at),
        Sources.of("cluster-agent", cluster),
        at);
  }

  public EventEnvelope rolledBack(
      String cluster, String primaryKeyId, List<PodStatus> pods, Instant at) {
    return event(
        new RollbackCompleted(id, target(), plan, cluster, ROLLBACK_COMMIT, primaryKeyId, pods, at),
        Sources.of("cluster-agent", cluster),
        at);
  }

  public EventEnvelope rollbackCommitted(List<String> clusters, Instant at) {
    return event(
        new ManifestRolledBack(
            id, target(), plan, ROLLBACK_COMMIT, clusters, "verification failed"),
        Sources.of("manifest-service"),
        at);
  }

  public EventEnvelope forced(String approver, Instant at) {
    return event(
        new RotationApproved(id, target(), approver, true, "no traffic at night; checked by hand"),
        "/rotor/cli",
        at);
  }

  private static EventEnvelope event(RotorEvent data, String source, Instant at) {
    return new EventEnvelope(
        UUID.randomUUID().toString(),
        data.type(),
        source,
        data.subject(),
        data.rotationId(),
        at.truncatedTo(ChronoUnit.MILLIS),
        data);
  }
}
