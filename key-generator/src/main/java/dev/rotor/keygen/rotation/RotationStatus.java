package dev.rotor.keygen.rotation;

/** Where a rotation stands, as far as the key-generator knows. */
public enum RotationStatus {
  /** Admitted and keyed; holds the target's in-flight guard until a terminal event. */
  IN_FLIGHT,
  /** Ended by {@code rotation.completed}; counts for the cadence when it covered every stage. */
  COMPLETED,
  /** Ended by {@code rotation.rolled-back}. */
  ROLLED_BACK,
  /** Ended by {@code rotation.failed}. */
  FAILED,
  /** Refused with {@code rotation.rejected}; never held the guard. */
  REJECTED
}
