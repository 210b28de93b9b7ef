package dev.rotor.verifier.events;

/**
 * A valid event the verifier refuses for a reason of its own (a cluster that is not a stage of the
 * plan): it goes to the dead-letter topic with {@code code} and {@code problem}.
 */
public final class EventRefused extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String code;

  public EventRefused(String code, String problem) {
    super(problem, null, false, false);
    this.code = code;
  }

  public String code() {
    return code;
  }
}
