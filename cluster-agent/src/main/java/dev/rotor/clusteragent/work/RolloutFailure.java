package dev.rotor.clusteragent.work;

import dev.rotor.common.event.Reasons;

/**
 * A phase or a rollback cannot complete: the reason code of {@code rollout.failed} / {@code
 * rollback.failed} and a message a person can act on. Messages name objects, commits and fields,
 * never Secret values.
 */
public final class RolloutFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final Reasons.Rollout reason;
  private final boolean refused;

  public RolloutFailure(Reasons.Rollout reason, String message) {
    this(reason, message, false);
  }

  private RolloutFailure(Reasons.Rollout reason, String message, boolean refused) {
    super(message, null, false, false);
    this.reason = reason;
    this.refused = refused;
  }

  /**
   * A failure that trying again cannot change (a Git server's host key unknown, the agent's key
   * refused): the step fails at once instead of after its retries.
   */
  public static RolloutFailure refused(Reasons.Rollout reason, String message) {
    return new RolloutFailure(reason, message, true);
  }

  public Reasons.Rollout reason() {
    return reason;
  }

  /** Whether this failure is final: see {@link #refused}. */
  public boolean isRefused() {
    return refused;
  }
}
