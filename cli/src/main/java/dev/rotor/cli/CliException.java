package dev.rotor.cli;

/**
 * A failure rotorctl reports as one line on stderr, with a fixed id ({@code ROTOR-7xxx}) and an
 * exit code. The message says what went wrong and what to do; it never holds key material (rotorctl
 * never sees any).
 */
public final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String id;
  private final int exitCode;

  public CliException(String id, int exitCode, String message) {
    super(message);
    this.id = id;
    this.exitCode = exitCode;
  }

  public CliException(String id, int exitCode, String message, Throwable cause) {
    super(message, cause);
    this.id = id;
    this.exitCode = exitCode;
  }

  /** The message id, {@code ROTOR-7xxx}. */
  public String id() {
    return id;
  }

  public int exitCode() {
    return exitCode;
  }

  /** The line printed on stderr. */
  public String line() {
    return "rotorctl: " + id + " " + getMessage();
  }

  /** Kafka or the ledger cannot be reached, or did not answer in time. */
  public static CliException unavailable(String id, String message, Throwable cause) {
    return new CliException(id, ExitCodes.UNAVAILABLE, message, cause);
  }

  /** What the user named does not exist, or cannot be acted on now. */
  public static CliException notPossible(String id, String message) {
    return new CliException(id, ExitCodes.NOT_POSSIBLE, message);
  }

  /** The arguments are wrong. */
  public static CliException usage(String id, String message) {
    return new CliException(id, ExitCodes.USAGE, message);
  }
}
