package dev.rotor.verifier.store;

/** Where a soak stands. */
public enum SoakStatus {
  /** Checks go on until the soak ends or something fails. */
  RUNNING,
  PASSED,
  FAILED,
  /**
   * No verdict possible; waits for a person ({@code rotation.approved} with force, or a rollback).
   */
  INCONCLUSIVE,
  /** Inconclusive, then promoted by a person. */
  FORCED,
  /** Stopped because the rotation was rolled back. */
  CANCELLED;

  public boolean isFinal() {
    return this != RUNNING && this != INCONCLUSIVE;
  }
}
