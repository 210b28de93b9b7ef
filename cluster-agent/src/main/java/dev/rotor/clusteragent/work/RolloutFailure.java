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

  public RolloutFailure(Reasons.Rollout reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  public Reasons.Rollout reason() {
    return reason;
  }
}
