package dev.rotor.common.event;

import java.util.List;
import java.util.Map;

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

  /**
   * The largest record an event topic takes ({@code max.message.bytes}): 1 MiB, Kafka's default.
   * Events are at most 64 KiB; the limit only bounds what a hostile or broken producer can send.
   */
  public static final int EVENT_MAX_MESSAGE_BYTES = 1024 * 1024;

  /**
   * The largest record the dead-letter topic takes, and the {@code max.request.size} of every
   * producer that writes to it: twice an event topic's limit. A dead letter is the refused record
   * (value, key and headers, at most {@link #EVENT_MAX_MESSAGE_BYTES}) plus the {@code
   * dead-letter-*} headers, whose reason names a field but never repeats its value, so it is
   * shorter than the record. With the same limit as the event topics, a record sent close to that
   * limit could not be dead-lettered, and the consumer that refused it would stop.
   */
  public static final int DLQ_MAX_MESSAGE_BYTES = 2 * EVENT_MAX_MESSAGE_BYTES;

  /** The topic-level configuration Rotor gives {@code topic} beyond the broker's defaults. */
  public static Map<String, String> config(String topic) {
    return Map.of(
        "max.message.bytes",
        Integer.toString(DLQ.equals(topic) ? DLQ_MAX_MESSAGE_BYTES : EVENT_MAX_MESSAGE_BYTES));
  }

  private Topics() {}
}
