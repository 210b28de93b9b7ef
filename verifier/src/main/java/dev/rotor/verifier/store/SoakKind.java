package dev.rotor.verifier.store;

/** What a soak watches. */
public enum SoakKind {
  /** A stage after its promote rollout; its verdict promotes, completes or rolls back. */
  STAGE,
  /** A cluster after its rollback; when every cluster passes, the rotation is rolled back. */
  ROLLBACK
}
