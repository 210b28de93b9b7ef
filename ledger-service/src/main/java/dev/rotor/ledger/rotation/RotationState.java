package dev.rotor.ledger.rotation;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The three kinds of rotation an operator asks about, each a set of {@link RotationStatus}es: every
 * status belongs to exactly one. In flight means requested and not ended; a rotation without its
 * {@code rotation.requested} is neither in flight nor ended, whatever its other events say.
 */
public enum RotationState {
  /** Requested and not ended: {@code REQUESTED} up to {@code ROLLING_BACK}. */
  IN_FLIGHT("in-flight"),
  /** Over: the terminal statuses. */
  ENDED("ended"),
  /** Events recorded but no {@code rotation.requested}: {@link RotationStatus#UNREQUESTED}. */
  UNREQUESTED("unrequested");

  private final String value;

  RotationState(String value) {
    this.value = value;
  }

  /** The state a status belongs to. */
  public static RotationState of(RotationStatus status) {
    if (status == RotationStatus.UNREQUESTED) {
      return UNREQUESTED;
    }
    return status.terminal() ? ENDED : IN_FLIGHT;
  }

  /** The statuses of this state, in the enum's order. */
  public List<RotationStatus> statuses() {
    return Arrays.stream(RotationStatus.values()).filter(s -> of(s) == this).toList();
  }

  /** The name in the API, e.g. {@code in-flight}. */
  public String value() {
    return value;
  }

  /** The state of that API name, ignoring case (and {@code IN_FLIGHT} for {@code in-flight}). */
  public static Optional<RotationState> parse(String text) {
    String normalized = text.trim().toLowerCase(Locale.ROOT).replace('_', '-');
    return Arrays.stream(values()).filter(s -> s.value.equals(normalized)).findFirst();
  }
}
