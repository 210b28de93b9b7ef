package dev.rotor.common.event;

import java.util.List;

/**
 * Rotor's Kafka topics: one per producing service (single writer), keyed by target id so that the
 * events of one target stay ordered within a topic.
 */
public final class Topics {
  /** {@code rotation.requested}, from people (rotorctl) and other services. */
  public static final String REQUESTS = "rotor.requests";

  /** The key-generator's decisions: keys, rejections, cadence reminders. */
  public static final String KEYS = "rotor.keys";

  /** The manifest-service's Git changes: proposals, merges, rollback commits. */
  public static final String MANIFESTS = "rotor.manifests";

  /** The cluster-agents' rollouts and rollbacks. */
  public static final String ROLLOUTS = "rotor.rollouts";

  /** The verifier's verdicts and the rotations' final outcomes. */
  public static final String VERIFICATIONS = "rotor.verifications";

  /** What people decide: approvals, review rejections, rollback requests. */
  public static final String APPROVALS = "rotor.approvals";

  /** The ledger's signed checkpoints. */
  public static final String LEDGER = "rotor.ledger";

  /** What could not be processed, with the reason in {@code dead-letter-*} headers. */
  public static final String DLQ = "rotor.dlq";

  /** Every topic that carries events (all but the dead-letter topic). */
  public static final List<String> EVENT_TOPICS =
      List.of(REQUESTS, KEYS, MANIFESTS, ROLLOUTS, VERIFICATIONS, APPROVALS, LEDGER);

  private Topics() {}
}
