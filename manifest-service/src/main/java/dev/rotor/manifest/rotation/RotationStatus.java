package dev.rotor.manifest.rotation;

/** Where a rotation stands in the manifest-service. */
public enum RotationStatus {
  /** key.generated arrived; the change is being written. */
  PROPOSING,
  /** The change is on its branch and waits for review. */
  PROPOSED,
  /** The change is on the default branch; a failure now rolls it back. */
  MERGED,
  /** The rollback commit is on the default branch. */
  ROLLED_BACK,
  /** The rotation ended here (rotation.failed was sent). */
  FAILED;

  /** Whether the worker may still act on the rotation. */
  public boolean isOpen() {
    return this == PROPOSING || this == PROPOSED || this == MERGED;
  }
}
