package dev.rotor.ledger.rotation;

/**
 * Where a rotation stands, as far as its recorded events tell. A rotation only moves forward: an
 * event that arrives late (events of one rotation come from several topics, so their order across
 * topics is not guaranteed) never moves it back, and the first terminal status is final, except
 * that a completed rotation rolled back afterwards becomes {@link #ROLLED_BACK} (or {@link #FAILED}
 * when that rollback failed). Until its {@code rotation.requested} is recorded a rotation is {@link
 * #UNREQUESTED}, whatever its other events say ({@link RotationRecord#progress()} says that).
 */
public enum RotationStatus {
  /**
   * Events of the rotation are recorded, but no {@code rotation.requested}: nobody is on record as
   * having asked for it (yet). Events of one rotation come from several topics, so the request may
   * still arrive; the record then takes the status its events give it. A rotation that stays here
   * was never requested through Rotor: a forged or stray event. Not in flight, not ended.
   */
  UNREQUESTED(0, false),
  /** {@code rotation.requested} seen. */
  REQUESTED(1, false),
  /** The key exists, sealed ({@code key.generated}). */
  KEY_GENERATED(2, false),
  /** The change waits for review ({@code manifest.proposed}). */
  PROPOSED(3, false),
  /** Approved and merged ({@code manifest.approved}). */
  APPROVED(4, false),
  /** Stages are rolling out or soaking. */
  ROLLING_OUT(5, false),
  /** Something failed or a person asked: the rotation is being rolled back. */
  ROLLING_BACK(6, false),
  /**
   * Its own request refused by the key-generator ({@code rotation.rejected}); a {@code DUPLICATE}
   * rejection answers another request that reused the id and ends nothing.
   */
  REJECTED(10, true),
  /** Every stage passed ({@code rotation.completed}). */
  COMPLETED(10, true),
  /** Rolled back everywhere it had been applied ({@code rotation.rolled-back}). */
  ROLLED_BACK(10, true),
  /** Ended without completing ({@code rotation.failed}). */
  FAILED(10, true);

  private final int rank;
  private final boolean terminal;

  RotationStatus(int rank, boolean terminal) {
    this.rank = rank;
    this.terminal = terminal;
  }

  /** Whether the rotation is over. */
  public boolean terminal() {
    return terminal;
  }

  /** The status after an event that implies {@code next}: never backwards, never past an end. */
  public RotationStatus advance(RotationStatus next) {
    if (terminal) {
      return this;
    }
    return next.rank > rank ? next : this;
  }
}
