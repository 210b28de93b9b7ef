package dev.rotor.manifest.rotation;

/** What an input from another service or a person says about a rotation. */
public enum InputKind {
  /** rotation.approved. */
  APPROVED,
  /** rotation.review-rejected. */
  REJECTED,
  /** rotation.rollback-requested, rollout.failed or verification.failed. */
  ROLLBACK
}
