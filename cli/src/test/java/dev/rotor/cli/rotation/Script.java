package dev.rotor.cli.rotation;

import dev.rotor.common.event.Escrow;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.Evidence;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.event.ManifestApproved;
import dev.rotor.common.event.ManifestProposed;
import dev.rotor.common.event.ManifestRolledBack;
import dev.rotor.common.event.Phase;
import dev.rotor.common.event.PodStatus;
import dev.rotor.common.event.Reasons;
import dev.rotor.common.event.RollbackCompleted;
import dev.rotor.common.event.RolloutCompleted;
import dev.rotor.common.event.RolloutStarted;
import dev.rotor.common.event.RotationApproved;
import dev.rotor.common.event.RotationCompleted;
import dev.rotor.common.event.RotationRejected;
import dev.rotor.common.event.RotationRequested;
import dev.rotor.common.event.RotationRolledBack;
import dev.rotor.common.event.RotorEvent;
import dev.rotor.common.event.SampleEvents;
import dev.rotor.common.event.SealedKey;
import dev.rotor.common.event.Sources;
import dev.rotor.common.event.StageVerdict;
import dev.rotor.common.event.Topics;
import dev.rotor.common.event.VerificationFailed;
import dev.rotor.common.event.VerificationInconclusive;
import dev.rotor.common.event.VerificationPassed;
import dev.rotor.common.event.VerificationStarted;
import dev.rotor.common.plan.Plan;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A scripted rotation: the events Rotor's services would emit, with their legitimate sources and
 * times one after the other, for the view tests and for the watch tests on the real broker.
 */
public final class Script {
  public static final String TARGET = SampleEvents.TARGET;
  public static final String STAGING = "aether-staging";
  public static final String PRODUCTION = "aether-production";
  public static final String FINGERPRINT = SampleEvents.FINGERPRINT;
  public static final String KEY_ID = SampleEvents.KEY_ID;
  public static final String OLD_FINGERPRINT = SampleEvents.OLD_FINGERPRINT;
  public static final String COMMIT = "5d41402abc4b2a76b9719d911017c592aa5a1b7c";
  public static final String ROLLBACK_COMMIT = "9e107d9d372bb6826bd81d3542a419d6a1b2c3d4";

  private final String rotationId;
  private final Plan plan = SampleEvents.plan();
  private final List<Step> steps = new ArrayList<>();
  private Instant now;

  /** One event and the topic it goes to. */
  public record Step(EventEnvelope event, String topic) {}

  public Script(String rotationId, Instant start) {
    this.rotationId = rotationId;
    this.now = start;
  }

  public Plan plan() {
    return plan;
  }

  public List<Step> steps() {
    return List.copyOf(steps);
  }

  public List<EventEnvelope> events() {
    return steps.stream().map(Step::event).toList();
  }

  /** The time of the last event. */
  public Instant now() {
    return now;
  }

  /** Lets time pass before the next event. */
  public Script after(Duration duration) {
    now = now.plus(duration);
    return this;
  }

  public Script requested(String by) {
    return requested(by, TARGET);
  }

  /** A request of {@code target}; a second one reuses the rotation id. */
  public Script requested(String by, String target) {
    return add(
        new RotationRequested(rotationId, target, by, "quarterly rotation", List.of(), now),
        "/rotor/cli");
  }

  public Script keyGenerated() {
    return add(
        new KeyGenerated(
            rotationId,
            TARGET,
            plan,
            "alice",
            KEY_ID,
            FINGERPRINT,
            List.of(new SealedKey(SealedKey.Kind.SEALED_SECRET, STAGING, "AgBy3i4O")),
            new Escrow(
                plan.escrowRecipients(),
                "-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n-----END AGE ENCRYPTED FILE-----\n"),
            now),
        Sources.of("key-generator"));
  }

  public Script rejected() {
    return add(
        new RotationRejected(
            rotationId,
            TARGET,
            Reasons.Rejection.IN_FLIGHT,
            "rotation 0a0b0c0d0e0f of this target is still in flight",
            "0a0b0c0d0e0f"),
        Sources.of("key-generator"));
  }

  /**
   * The key-generator's answer to a request of {@code target} that reused this rotation's id: it
   * carries the reused id, but is no news of this rotation.
   */
  public Script duplicate(String target) {
    EventEnvelope request =
        steps.stream()
            .map(Step::event)
            .filter(e -> e.data() instanceof RotationRequested r && target.equals(r.targetId()))
            .reduce((first, second) -> second)
            .orElseThrow(() -> new IllegalStateException("no request for " + target + " yet"));
    return duplicateOf(request.id(), target);
  }

  /**
   * The key-generator's DUPLICATE answer to the request with event id {@code requestEventId} (one
   * this script need not hold): its id is derived from the request's, as the key-generator derives
   * it ({@link EventEnvelope#causedBy}).
   */
  public Script duplicateOf(String requestEventId, String target) {
    RotationRejected data =
        new RotationRejected(
            rotationId,
            target,
            Reasons.Rejection.DUPLICATE,
            "rotation id "
                + rotationId
                + " was requested before and names that rotation; this request changes nothing:"
                + " to rotate again, send a new request with a new rotation id",
            null);
    EventEnvelope event =
        EventEnvelope.causedBy(
            requestEventId, data, Sources.of("key-generator"), Clock.fixed(now, ZoneOffset.UTC));
    steps.add(new Step(event, data.type().topics().get(0)));
    return this;
  }

  public Script proposed() {
    return add(
        new ManifestProposed(
            rotationId,
            TARGET,
            plan,
            FINGERPRINT,
            OLD_FINGERPRINT.substring(0, 8),
            "rotor/" + TARGET + "/" + rotationId.substring(0, 8),
            COMMIT,
            COMMIT,
            null),
        Sources.of("manifest-service"));
  }

  public Script approved(String by) {
    return add(new RotationApproved(rotationId, TARGET, by, false, null), "/rotor/cli");
  }

  public Script forced(String by) {
    return add(
        new RotationApproved(rotationId, TARGET, by, true, "metrics were down"), "/rotor/cli");
  }

  public Script merged(String approver) {
    return add(
        new ManifestApproved(
            rotationId,
            TARGET,
            plan,
            FINGERPRINT,
            COMMIT,
            COMMIT,
            COMMIT,
            List.of(approver),
            false),
        Sources.of("manifest-service"));
  }

  public Script rolloutStarted(String cluster, Phase phase) {
    return add(
        new RolloutStarted(rotationId, TARGET, plan, cluster, phase, COMMIT),
        Sources.of("cluster-agent", cluster));
  }

  public Script rolloutCompleted(String cluster, Phase phase) {
    return add(
        new RolloutCompleted(
            rotationId,
            TARGET,
            plan,
            cluster,
            phase,
            COMMIT,
            FINGERPRINT,
            phase == Phase.DISTRIBUTE ? OLD_FINGERPRINT.substring(0, 8) : KEY_ID,
            List.of(
                new PodStatus("secrets-service", "secrets-service-6f7d9c-" + phase.id(), now),
                new PodStatus("secrets-service", "secrets-service-6f7d9c-2" + phase.id(), now)),
            now),
        Sources.of("cluster-agent", cluster));
  }

  /** Both phases of a stage, two seconds each. */
  public Script rolledOut(String cluster) {
    return rolloutStarted(cluster, Phase.DISTRIBUTE)
        .after(Duration.ofSeconds(2))
        .rolloutCompleted(cluster, Phase.DISTRIBUTE)
        .after(Duration.ofSeconds(1))
        .rolloutStarted(cluster, Phase.PROMOTE)
        .after(Duration.ofSeconds(2))
        .rolloutCompleted(cluster, Phase.PROMOTE);
  }

  public Script soakStarted(String cluster, Duration soak) {
    return add(
        new VerificationStarted(rotationId, TARGET, plan, cluster, now.plus(soak)),
        Sources.of("verifier"));
  }

  public Script passed(String cluster) {
    return add(
        new VerificationPassed(
            rotationId,
            TARGET,
            plan,
            cluster,
            List.of(
                new Evidence("error-rate", 0.0, 0.01, 0.0, null),
                new Evidence("p99-latency", 0.012, 0.5, 0.011, null),
                new Evidence("decrypt-failures", 0.0, 0.0, null, null),
                new Evidence(
                    "log:required", 2.0, null, null, "encryption self-test passed in 2 new pods"))),
        Sources.of("verifier"));
  }

  public Script failed(String cluster) {
    return add(
        new VerificationFailed(
            rotationId,
            TARGET,
            plan,
            cluster,
            Reasons.Verification.ERROR_RATE,
            "5xx share 0.3000 above 0.01 for 2 checks",
            List.of(new Evidence("error-rate", 0.3, 0.01, 0.0, "5xx share over 1m"))),
        Sources.of("verifier"));
  }

  public Script inconclusive(String cluster) {
    return add(
        new VerificationInconclusive(
            rotationId,
            TARGET,
            plan,
            cluster,
            "no data for error-rate: empty result",
            List.of(new Evidence("error-rate", null, 0.01, null, "empty result"))),
        Sources.of("verifier"));
  }

  public Script completed() {
    return add(
        new RotationCompleted(
            rotationId,
            TARGET,
            plan,
            OLD_FINGERPRINT,
            FINGERPRINT,
            "alice",
            List.of("bob"),
            COMMIT,
            List.of(
                new StageVerdict(STAGING, Reasons.Verdict.PASSED, now),
                new StageVerdict(PRODUCTION, Reasons.Verdict.PASSED, now))),
        Sources.of("verifier"));
  }

  public Script manifestRolledBack(List<String> clusters) {
    return add(
        new ManifestRolledBack(
            rotationId,
            TARGET,
            plan,
            ROLLBACK_COMMIT,
            clusters,
            "verification failed on " + PRODUCTION),
        Sources.of("manifest-service"));
  }

  public Script rollbackCompleted(String cluster) {
    return add(
        new RollbackCompleted(
            rotationId,
            TARGET,
            plan,
            cluster,
            ROLLBACK_COMMIT,
            OLD_FINGERPRINT.substring(0, 8),
            List.of(new PodStatus("secrets-service", "secrets-service-77aa-rb", now)),
            now),
        Sources.of("cluster-agent", cluster));
  }

  public Script rolledBack(List<String> clusters) {
    return add(
        new RotationRolledBack(
            rotationId,
            TARGET,
            plan,
            "verification failed on " + PRODUCTION + ": ERROR_RATE",
            clusters,
            ROLLBACK_COMMIT),
        Sources.of("verifier"));
  }

  /** A whole healthy rotation, staging and production soaking {@code soak} each. */
  public Script healthy(Duration soak) {
    requested("alice").after(Duration.ofSeconds(1)).keyGenerated();
    after(Duration.ofSeconds(1)).proposed();
    after(Duration.ofSeconds(8)).approved("bob");
    after(Duration.ofSeconds(1)).merged("bob");
    after(Duration.ofSeconds(1)).rolledOut(STAGING);
    after(Duration.ofSeconds(1)).soakStarted(STAGING, soak);
    after(soak).passed(STAGING);
    after(Duration.ofSeconds(1)).rolledOut(PRODUCTION);
    after(Duration.ofSeconds(1)).soakStarted(PRODUCTION, soak);
    after(soak).passed(PRODUCTION);
    return completed();
  }

  /** A rotation whose production stage fails its soak and is rolled back everywhere. */
  public Script failingInProduction(Duration soak) {
    requested("alice").after(Duration.ofSeconds(1)).keyGenerated();
    after(Duration.ofSeconds(1)).proposed();
    after(Duration.ofSeconds(8)).approved("bob");
    after(Duration.ofSeconds(1)).merged("bob");
    after(Duration.ofSeconds(1)).rolledOut(STAGING);
    after(Duration.ofSeconds(1)).soakStarted(STAGING, soak);
    after(soak).passed(STAGING);
    after(Duration.ofSeconds(1)).rolledOut(PRODUCTION);
    after(Duration.ofSeconds(1)).soakStarted(PRODUCTION, soak);
    after(soak.dividedBy(2)).failed(PRODUCTION);
    after(Duration.ofSeconds(1)).manifestRolledBack(List.of(STAGING, PRODUCTION));
    after(Duration.ofSeconds(3)).rollbackCompleted(STAGING);
    after(Duration.ofSeconds(1)).rollbackCompleted(PRODUCTION);
    after(Duration.ofSeconds(5));
    return rolledBack(List.of(STAGING, PRODUCTION));
  }

  private Script add(RotorEvent data, String source) {
    EventType type = data.type();
    EventEnvelope event =
        new EventEnvelope(
            UUID.randomUUID().toString(), type, source, data.subject(), rotationId, now, data);
    String topic = type == EventType.ROTATION_FAILED ? Topics.VERIFICATIONS : type.topics().get(0);
    steps.add(new Step(event, topic));
    return this;
  }
}
