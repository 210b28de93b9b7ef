package dev.rotor.keygen;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * The key-generator's configuration ({@code docs/key-generator.md}). Every value is checked at
 * start-up; a bad one stops the service with a message that names its key.
 */
@ConfigMapping(prefix = "rotor.key-generator")
public interface KeyGeneratorConfig {

  /** Prefix of every key below, for messages. */
  String PREFIX = "rotor.key-generator.";

  /**
   * The rotation policy file (docs/policy.md): the targets that may be rotated and how. Read and
   * validated at start-up; the service does not start on a policy with any problem.
   */
  String policyFile();

  /**
   * The manifest-service's age recipient ({@code age1...}): keys of targets whose manifest format
   * is {@code secret} are age-sealed to it. Required when any target of the policy uses that
   * format.
   */
  Optional<String> manifestServiceRecipient();

  /** Limits on what a request may carry. */
  Admission admission();

  /** Rotations requested by the targets' cadence. */
  Cadence cadence();

  /** The outbox that sends what a transaction decided after it committed. */
  Outbox outbox();

  /** Limits on what a request may carry. */
  interface Admission {
    /** Longest {@code reason} a request may give, in characters; longer is INVALID_REQUEST. */
    @WithDefault("1024")
    int maxReasonLength();

    /** Longest {@code requestedBy} a request may give, in characters; longer is INVALID_REQUEST. */
    @WithDefault("256")
    int maxRequesterLength();

    /**
     * How long a request that finds its target in flight waits for the outcome consumer to handle
     * every event that could end that rotation and was sent before, before it is refused as {@code
     * IN_FLIGHT}. {@code PT0S} refuses at once.
     */
    @WithDefault("PT30S")
    Duration outcomeWait();
  }

  /** Rotations requested by the targets' cadence. */
  interface Cadence {
    /**
     * Whether this instance requests rotations when targets fall due and sends the reminders. Off:
     * only requests from people and services rotate.
     */
    @WithDefault("true")
    boolean enabled();

    /** How often due dates are checked (ISO-8601 duration such as PT1M). */
    @WithDefault("PT1M")
    Duration checkInterval();

    /**
     * How long before a due date the {@code rotation.due} reminder goes out, so people can plan the
     * maintenance window.
     */
    @WithDefault("P14D")
    Duration reminderLeadTime();
  }

  /** The outbox that sends what a transaction decided after it committed. */
  interface Outbox {
    /**
     * How often events that could not be sent yet (Kafka unreachable, a crash after the commit) are
     * sent again; also the first send at start-up happens on this schedule.
     */
    @WithDefault("PT30S")
    Duration retryInterval();

    /** How long one send waits for the broker's acknowledgement before it is left for a retry. */
    @WithDefault("PT30S")
    Duration sendTimeout();

    /**
     * Failed sends of one event in a row, for a reason not known to be transient, after which it is
     * quarantined so that it no longer holds up the events after it, once {@code quarantine-after}
     * has passed too (a timeout or an unreachable broker never counts; an event that cannot be
     * decoded or that Kafka refuses for good is quarantined at once).
     */
    @WithDefault("10")
    int maxAttempts();

    /**
     * How long after the first of those failures an event is quarantined at the earliest, so that a
     * short failure every event meets alike does not quarantine the first ones; {@code PT0S}
     * quarantines on the count alone.
     */
    @WithDefault("PT5M")
    Duration quarantineAfter();

    /**
     * How long a sent event stays in the outbox before it is purged: its sealed key material then
     * leaves the database. Only a request's redelivery check reads a sent row, and the rotation row
     * recorded for the request answers it once the row is gone; answers no rotation row records are
     * kept {@code keep-sent-unrecorded}. Unsent and quarantined rows are never purged. At least
     * {@code PT1H}.
     */
    @WithDefault("P7D")
    Duration keepSent();

    /**
     * How long a sent answer to a request that no rotation row records (a {@code DUPLICATE}
     * rejection) stays in the outbox: it is that request's only record, so it must outlive the
     * request in {@code rotor.requests} (90 days). Holds no key material. At least {@code
     * keep-sent}.
     */
    @WithDefault("P100D")
    Duration keepSentUnrecorded();

    /**
     * How often sent events older than {@code keep-sent} are purged (the first run at start-up).
     */
    @WithDefault("PT1H")
    Duration purgeInterval();
  }
}
