package dev.rotor.common.event;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Every event type of the contract: its CloudEvents {@code type}, the record that carries its data,
 * the topics it may appear on, which services may produce it, and how urgent it is.
 *
 * <p>A record on a topic its type does not belong to, or from a source that may not produce it, is
 * refused: a forged {@code verification.passed} must not promote a rotation.
 */
public enum EventType {
  ROTATION_REQUESTED(
      "rotation.requested", RotationRequested.class, Severity.INFO, Set.of(), Topics.REQUESTS),
  ROTATION_REJECTED(
      "rotation.rejected", RotationRejected.class, Severity.WARNING, Services.KEYS, Topics.KEYS),
  KEY_GENERATED("key.generated", KeyGenerated.class, Severity.INFO, Services.KEYS, Topics.KEYS),
  ROTATION_DUE("rotation.due", RotationDue.class, Severity.INFO, Services.KEYS, Topics.KEYS),
  MANIFEST_PROPOSED(
      "manifest.proposed",
      ManifestProposed.class,
      Severity.INFO,
      Services.MANIFESTS,
      Topics.MANIFESTS),
  MANIFEST_APPROVED(
      "manifest.approved",
      ManifestApproved.class,
      Severity.INFO,
      Services.MANIFESTS,
      Topics.MANIFESTS),
  MANIFEST_ROLLED_BACK(
      "manifest.rolled-back",
      ManifestRolledBack.class,
      Severity.CRITICAL,
      Services.MANIFESTS,
      Topics.MANIFESTS),
  ROLLOUT_WAITING(
      "rollout.waiting", RolloutWaiting.class, Severity.INFO, Services.AGENTS, Topics.ROLLOUTS),
  ROLLOUT_STARTED(
      "rollout.started", RolloutStarted.class, Severity.INFO, Services.AGENTS, Topics.ROLLOUTS),
  ROLLOUT_COMPLETED(
      "rollout.completed", RolloutCompleted.class, Severity.INFO, Services.AGENTS, Topics.ROLLOUTS),
  ROLLOUT_FAILED(
      "rollout.failed", RolloutFailed.class, Severity.CRITICAL, Services.AGENTS, Topics.ROLLOUTS),
  ROLLBACK_COMPLETED(
      "rollback.completed",
      RollbackCompleted.class,
      Severity.WARNING,
      Services.AGENTS,
      Topics.ROLLOUTS),
  ROLLBACK_FAILED(
      "rollback.failed", RollbackFailed.class, Severity.PAGE, Services.AGENTS, Topics.ROLLOUTS),
  VERIFICATION_STARTED(
      "verification.started",
      VerificationStarted.class,
      Severity.INFO,
      Services.VERIFIER,
      Topics.VERIFICATIONS),
  VERIFICATION_PASSED(
      "verification.passed",
      VerificationPassed.class,
      Severity.INFO,
      Services.VERIFIER,
      Topics.VERIFICATIONS),
  VERIFICATION_FAILED(
      "verification.failed",
      VerificationFailed.class,
      Severity.CRITICAL,
      Services.VERIFIER,
      Topics.VERIFICATIONS),
  VERIFICATION_INCONCLUSIVE(
      "verification.inconclusive",
      VerificationInconclusive.class,
      Severity.WARNING,
      Services.VERIFIER,
      Topics.VERIFICATIONS),
  ROTATION_COMPLETED(
      "rotation.completed",
      RotationCompleted.class,
      Severity.INFO,
      Services.VERIFIER,
      Topics.VERIFICATIONS),
  ROTATION_ROLLED_BACK(
      "rotation.rolled-back",
      RotationRolledBack.class,
      Severity.CRITICAL,
      Services.VERIFIER,
      Topics.VERIFICATIONS),
  ROTATION_FAILED(
      "rotation.failed",
      RotationFailed.class,
      Severity.CRITICAL,
      Set.of(Services.MANIFEST_SERVICE, Services.VERIFIER_SERVICE),
      Topics.MANIFESTS,
      Topics.VERIFICATIONS),
  LEDGER_CHECKPOINT(
      "ledger.checkpoint", LedgerCheckpoint.class, Severity.INFO, Services.LEDGER, Topics.LEDGER),
  ROTATION_APPROVED(
      "rotation.approved", RotationApproved.class, Severity.INFO, Set.of(), Topics.APPROVALS),
  ROTATION_REVIEW_REJECTED(
      "rotation.review-rejected",
      RotationReviewRejected.class,
      Severity.WARNING,
      Set.of(),
      Topics.APPROVALS),
  ROTATION_ROLLBACK_REQUESTED(
      "rotation.rollback-requested",
      RotationRollbackRequested.class,
      Severity.WARNING,
      Set.of(),
      Topics.APPROVALS);

  /** The prefix of every CloudEvents type of Rotor. */
  public static final String TYPE_PREFIX = "dev.rotor.";

  /** The version suffix of the types in this contract. */
  public static final String VERSION_SUFFIX = ".v1";

  private static final Map<String, EventType> BY_CE_TYPE = new HashMap<>();
  private static final Map<Class<?>, EventType> BY_CLASS = new HashMap<>();

  static {
    for (EventType t : values()) {
      BY_CE_TYPE.put(t.cloudEventType(), t);
      BY_CLASS.put(t.dataClass, t);
    }
  }

  private final String eventName;
  private final Class<? extends RotorEvent> dataClass;
  private final Severity severity;
  private final Set<String> producers;
  private final List<String> topics;

  EventType(
      String eventName,
      Class<? extends RotorEvent> dataClass,
      Severity severity,
      Set<String> producers,
      String... topics) {
    this.eventName = eventName;
    this.dataClass = dataClass;
    this.severity = severity;
    this.producers = producers;
    this.topics = List.of(topics);
  }

  /** The short name, e.g. {@code key.generated}. */
  public String eventName() {
    return eventName;
  }

  /** The CloudEvents {@code type}, e.g. {@code dev.rotor.key.generated.v1}. */
  public String cloudEventType() {
    return TYPE_PREFIX + eventName + VERSION_SUFFIX;
  }

  /** The record that carries this type's data. */
  public Class<? extends RotorEvent> dataClass() {
    return dataClass;
  }

  /** How urgently people should hear of it. */
  public Severity severity() {
    return severity;
  }

  /** The Rotor services that may produce it; empty: anyone with access to its topic. */
  public Set<String> producers() {
    return producers;
  }

  /** The topics it may appear on; the first is where its producer writes it by default. */
  public List<String> topics() {
    return topics;
  }

  /** Whether {@code source} is a CloudEvents source that may produce this type. */
  public boolean mayBeProducedBy(String source) {
    if (producers.isEmpty()) {
      return true;
    }
    return producers.stream()
        .anyMatch(p -> source.equals(Sources.of(p)) || source.startsWith(Sources.of(p) + "/"));
  }

  /** The type with this CloudEvents {@code type}, if it is one of the contract. */
  public static Optional<EventType> fromCloudEventType(String ceType) {
    return Optional.ofNullable(BY_CE_TYPE.get(ceType));
  }

  /** The type carried by records of {@code dataClass}. */
  public static EventType of(Class<?> dataClass) {
    EventType t = BY_CLASS.get(dataClass);
    if (t == null) {
      throw new IllegalArgumentException(dataClass.getName() + " is not an event of the contract");
    }
    return t;
  }

  /** Every type that may appear on {@code topic}. */
  public static List<EventType> onTopic(String topic) {
    return Arrays.stream(values()).filter(t -> t.topics.contains(topic)).toList();
  }

  /** Service names as they appear in sources, grouped by the topics they write. */
  private static final class Services {
    static final String MANIFEST_SERVICE = "manifest-service";
    static final String VERIFIER_SERVICE = "verifier";
    static final Set<String> KEYS = Set.of("key-generator");
    static final Set<String> MANIFESTS = Set.of(MANIFEST_SERVICE);
    static final Set<String> AGENTS = Set.of("cluster-agent");
    static final Set<String> VERIFIER = Set.of(VERIFIER_SERVICE);
    static final Set<String> LEDGER = Set.of("ledger-service");
  }
}
