package dev.rotor.cli;

/** rotorctl's exit codes; {@code docs/rotorctl.md} lists them for scripts. */
public final class ExitCodes {
  /** Done; for {@code watch}: the rotation completed. */
  public static final int OK = 0;

  /**
   * The answer is negative: the rotation was rolled back, failed or was rejected; the policy file
   * has problems; the ledger did not verify.
   */
  public static final int NEGATIVE = 1;

  /** The arguments are wrong (picocli's usage exit code). */
  public static final int USAGE = 2;

  /** Kafka or the ledger cannot be reached, or did not answer in time. */
  public static final int UNAVAILABLE = 3;

  /** No such rotation or target, or the rotation already ended. */
  public static final int NOT_POSSIBLE = 4;

  private ExitCodes() {}
}
