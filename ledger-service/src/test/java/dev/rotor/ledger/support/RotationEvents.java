package dev.rotor.ledger.support;

import dev.rotor.common.event.Escrow;
import dev.rotor.common.event.EventEnvelope;
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
import dev.rotor.common.event.RotationDue;
import dev.rotor.common.event.RotationRejected;
import dev.rotor.common.event.RotationRequested;
import dev.rotor.common.event.RotationRolledBack;
import dev.rotor.common.event.RotorEvent;
import dev.rotor.common.event.SampleEvents;
import dev.rotor.common.event.SealedKey;
import dev.rotor.common.event.Sources;
import dev.rotor.common.event.StageVerdict;
import dev.rotor.common.event.VerificationFailed;
import dev.rotor.common.event.VerificationPassed;
import dev.rotor.common.event.VerificationStarted;
import dev.rotor.common.messaging.KafkaEvents;
import dev.rotor.common.plan.Plan;
import dev.rotor.testsupport.KafkaTestClient;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Every event of one rotation as Rotor's services would emit it, with ids of its own, for a target
 * of its own: tests that share one log never see each other's rotations.
 */
public final class RotationEvents {
  public static final String STAGING = "aether-staging";
  public static final String PRODUCTION = "aether-production";
  public static final String ESCROW =
      "-----BEGIN AGE ENCRYPTED FILE-----\nYWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOQ==\n"
          + "-----END AGE ENCRYPTED FILE-----\n";
  private static final Instant START = Instant.parse("2026-11-26T06:00:00Z");
  private static final String COMMIT = "5d41402abc4b2a76b9719d911017c592aa5a1b7c";
  private static final String MERGE = "9c1185a5c5e9fc54612808977ee8f548b2258d31";
  private static final String ROLLBACK = "e4d909c290d0fb1ca068ffaddf22cbd0aa6f2a1e";

  /** An event and the topic its producer writes it to. */
  public record Sent(EventEnvelope event, String topic) {}

  public final String rotationId;
  public final String targetId;
  public final String fingerprint;
  public final String previousFingerprint;
  public final Plan plan;
  private final List<Sent> events = new ArrayList<>();
  private Instant clock = START;

  private RotationEvents(String name) {
    // 64 random bits: a million events (the benchmark) never reuse an id by chance.
    this.rotationId = name + "-" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    this.targetId = "ledger-tests/" + rotationId.toLowerCase();
    this.fingerprint = randomFingerprint();
    this.previousFingerprint = randomFingerprint();
    Plan sample = SampleEvents.plan();
    String[] parts = targetId.split("/");
    this.plan =
        new Plan(
            targetId,
            parts[0],
            parts[1],
            sample.keyring(),
            sample.manifest(),
            sample.stages(),
            sample.approvals(),
            sample.verification(),
            sample.escrowRecipients());
  }

  /** The 14 events of a rotation through staging and production that completes. */
  public static RotationEvents completed(String name) {
    RotationEvents r = new RotationEvents(name);
    r.start();
    r.approve();
    r.stage(STAGING);
    r.passed(STAGING);
    r.stage(PRODUCTION);
    r.passed(PRODUCTION);
    r.add(
        new RotationCompleted(
            r.rotationId,
            r.targetId,
            r.plan,
            r.previousFingerprint,
            r.fingerprint,
            "alice",
            List.of("bob"),
            MERGE,
            List.of(
                new StageVerdict(STAGING, Reasons.Verdict.PASSED, r.clock),
                new StageVerdict(PRODUCTION, Reasons.Verdict.PASSED, r.clock))),
        "verifier",
        null,
        "rotor.verifications");
    return r;
  }

  /** A rotation whose staging soak fails and that is rolled back. */
  public static RotationEvents rolledBack(String name) {
    RotationEvents r = new RotationEvents(name);
    r.start();
    r.approve();
    r.stage(STAGING);
    r.add(
        new VerificationFailed(
            r.rotationId,
            r.targetId,
            r.plan,
            STAGING,
            Reasons.Verification.ERROR_RATE,
            "5xx share 4.2% above 1%",
            List.of(new Evidence("error-rate", 0.042, 0.01, 0.001, "5xx share over 1m"))),
        "verifier",
        null,
        "rotor.verifications");
    r.add(
        new ManifestRolledBack(
            r.rotationId, r.targetId, r.plan, ROLLBACK, List.of(STAGING), "verification failed"),
        "manifest-service",
        null,
        "rotor.manifests");
    r.add(
        new RollbackCompleted(
            r.rotationId,
            r.targetId,
            r.plan,
            STAGING,
            ROLLBACK,
            r.previousFingerprint.substring(0, 8),
            List.of(),
            r.clock),
        "cluster-agent",
        STAGING,
        "rotor.rollouts");
    r.add(
        new RotationRolledBack(
            r.rotationId, r.targetId, r.plan, "verification failed", List.of(STAGING), ROLLBACK),
        "verifier",
        null,
        "rotor.verifications");
    return r;
  }

  /** A request the key-generator rejects. */
  public static RotationEvents rejected(String name) {
    RotationEvents r = new RotationEvents(name);
    r.add(
        new RotationRequested(r.rotationId, r.targetId, "carol", "ad hoc", List.of(), r.clock),
        null,
        null,
        "rotor.requests");
    r.add(
        new RotationRejected(
            r.rotationId,
            r.targetId,
            Reasons.Rejection.UNKNOWN_TARGET,
            "no policy target of that name",
            null),
        "key-generator",
        null,
        "rotor.keys");
    return r;
  }

  /**
   * Another request that reuses this rotation's id, by {@code requestedBy} at {@code at}, and the
   * key-generator's answer to it: {@code rotation.rejected} with {@code DUPLICATE}, carrying this
   * rotation's id. Two events of this rotation that are not news of it; not part of {@link
   * #events()}.
   */
  public List<Sent> duplicateRequest(String requestedBy, Instant at) {
    String id = rotationId + "-dup-" + UUID.randomUUID().toString().substring(0, 8);
    RotorEvent request =
        new RotationRequested(rotationId, targetId, requestedBy, "again", List.of(), at);
    RotorEvent answer =
        new RotationRejected(
            rotationId,
            targetId,
            Reasons.Rejection.DUPLICATE,
            "rotation id "
                + rotationId
                + " was requested before and names that rotation; this request changes nothing",
            null);
    return List.of(
        new Sent(
            new EventEnvelope(
                id, request.type(), "/rotor/cli", request.subject(), rotationId, at, request),
            "rotor.requests"),
        new Sent(
            new EventEnvelope(
                id + "-answer",
                answer.type(),
                Sources.of("key-generator"),
                answer.subject(),
                rotationId,
                at.plusSeconds(1),
                answer),
            "rotor.keys"));
  }

  /** A cadence reminder for this rotation's target (an event outside any rotation). */
  public Sent due() {
    RotorEvent data = new RotationDue(targetId, START.plus(Duration.ofDays(90)), START, "P90D");
    return new Sent(
        new EventEnvelope(
            rotationId + "-due-" + UUID.randomUUID().toString().substring(0, 4),
            data.type(),
            Sources.of("key-generator"),
            data.subject(),
            null,
            START,
            data),
        "rotor.keys");
  }

  public List<Sent> events() {
    return List.copyOf(events);
  }

  /** Sends each event to its topic, keyed by target, as a Rotor service does. */
  public static void produce(KafkaTestClient client, List<Sent> sent) {
    for (Sent s : sent) {
      produce(client, s);
    }
  }

  public static void produce(KafkaTestClient client, Sent sent) {
    ProducerRecord<String, byte[]> record = KafkaEvents.toRecord(sent.event(), sent.topic());
    client.produce(record.topic(), record.key(), record.headers(), record.value());
  }

  private void start() {
    add(
        new RotationRequested(
            rotationId, targetId, "alice", "quarterly rotation", List.of(), clock),
        null,
        null,
        "rotor.requests");
    add(
        new KeyGenerated(
            rotationId,
            targetId,
            plan,
            "alice",
            fingerprint.substring(0, 8),
            fingerprint,
            List.of(new SealedKey(SealedKey.Kind.SEALED_SECRET, STAGING, "AgBy3i4O")),
            new Escrow(plan.escrowRecipients(), ESCROW),
            clock),
        "key-generator",
        null,
        "rotor.keys");
    add(
        new ManifestProposed(
            rotationId,
            targetId,
            plan,
            fingerprint,
            previousFingerprint.substring(0, 8),
            "rotor/" + targetId + "/" + rotationId.substring(0, 8),
            COMMIT,
            COMMIT,
            null),
        "manifest-service",
        null,
        "rotor.manifests");
  }

  private void approve() {
    add(
        new RotationApproved(rotationId, targetId, "bob", false, "looks good"),
        null,
        null,
        "rotor.approvals");
    add(
        new ManifestApproved(
            rotationId, targetId, plan, fingerprint, MERGE, COMMIT, COMMIT, List.of("bob"), false),
        "manifest-service",
        null,
        "rotor.manifests");
  }

  private void stage(String cluster) {
    add(
        new RolloutStarted(rotationId, targetId, plan, cluster, Phase.DISTRIBUTE, MERGE),
        "cluster-agent",
        cluster,
        "rotor.rollouts");
    add(
        new RolloutCompleted(
            rotationId,
            targetId,
            plan,
            cluster,
            Phase.PROMOTE,
            MERGE,
            fingerprint,
            fingerprint.substring(0, 8),
            List.of(new PodStatus("secrets-service", "secrets-service-6f7d9c-abcde", clock)),
            clock),
        "cluster-agent",
        cluster,
        "rotor.rollouts");
    add(
        new VerificationStarted(rotationId, targetId, plan, cluster, clock.plusSeconds(600)),
        "verifier",
        null,
        "rotor.verifications");
  }

  private void passed(String cluster) {
    add(
        new VerificationPassed(
            rotationId,
            targetId,
            plan,
            cluster,
            List.of(new Evidence("error-rate", 0.001, 0.01, 0.0012, "5xx share over 1m"))),
        "verifier",
        null,
        "rotor.verifications");
  }

  private void add(RotorEvent data, String service, String cluster, String topic) {
    clock = clock.plusSeconds(30);
    String source =
        service == null
            ? "/rotor/cli"
            : cluster == null ? Sources.of(service) : Sources.of(service, cluster);
    events.add(
        new Sent(
            new EventEnvelope(
                rotationId + "-" + events.size(),
                data.type(),
                source,
                data.subject(),
                data.rotationId(),
                clock,
                data),
            topic));
  }

  private static String randomFingerprint() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }
}
