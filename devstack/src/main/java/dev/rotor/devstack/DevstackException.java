package dev.rotor.devstack;

/**
 * A failure the devstack reports as one line with a fixed id ({@code ROTOR-8xxx}) and what to do
 * about it; the process's log file has the details.
 */
public final class DevstackException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String id;

  public DevstackException(String id, String message) {
    super(message);
    this.id = id;
  }

  public DevstackException(String id, String message, Throwable cause) {
    super(message, cause);
    this.id = id;
  }

  public String id() {
    return id;
  }

  /** The line shown to the user. */
  public String line() {
    return id + " " + getMessage();
  }
}
