package dev.rotor.common.event;

/** The reason codes that events carry, one enum per kind of refusal or failure. */
public final class Reasons {
  private Reasons() {}

  /** Why the key-generator refused a request. */
  public enum Rejection {
    /** The policy has no such target. */
    UNKNOWN_TARGET,
    /** Another rotation of the same target has not ended yet. */
    IN_FLIGHT,
    /** The request is malformed (requester missing, stages not in policy order, ...). */
    INVALID_REQUEST,
    /** The request asks for something the policy forbids. */
    POLICY_VIOLATION,
    /** A rotation with this id was requested before. */
    DUPLICATE
  }

  /** Why a cluster-agent could not complete a rollout or a rollback. */
  public enum Rollout {
    FORBIDDEN,
    NOT_FOUND,
    APPLY_CONFLICT,
    PROGRESS_DEADLINE_EXCEEDED,
    TIMEOUT,
    UNSEAL_TIMEOUT,
    GIT_UNAVAILABLE,
    /** The event asked for a namespace, Secret or Deployment the policy does not give the agent. */
    NOT_PERMITTED,
    /**
     * The agent holds as many pending stages as its state ConfigMap has room for; nothing was
     * applied. Rollbacks are never refused for it.
     */
    AGENT_STATE_FULL
  }

  /** Why the verifier failed a stage. */
  public enum Verification {
    ERROR_RATE,
    LATENCY,
    DECRYPT_FAILURES,
    FORBIDDEN_LOG,
    MISSING_LOG,
    FINGERPRINT_MISMATCH,
    STALE_POD,
    /**
     * A container of a pod started after the Secret changed restarted more often than the stage's
     * {@code thresholds.maxContainerRestarts}; never sent for a stage whose policy does not set it.
     */
    CONTAINER_RESTARTS
  }

  /** Why a rotation ended without completing and without a rollback. */
  public enum RotationFailure {
    /** A reviewer rejected or closed the change request. */
    REVIEW_REJECTED,
    /** Someone else changed the same manifest since Rotor's commit. */
    MANIFEST_CONFLICT,
    /** The manifest is missing, not YAML, of the wrong kind, or names another Secret. */
    MANIFEST_INVALID,
    /** Git refused the credentials or the push. */
    GIT_REFUSED,
    /** The rollback could not be completed; people must act. */
    ROLLBACK_FAILED
  }

  /** What the verifier concluded about a stage. */
  public enum Verdict {
    PASSED,
    FAILED,
    INCONCLUSIVE,
    /** A person promoted past an inconclusive verdict. */
    FORCED
  }
}
