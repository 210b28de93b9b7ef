package dev.rotor.notifier.delivery;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.RotationRejected;

/** What an event means for the rotation it names, as far as the notifier's records go. */
public final class RotationEvents {
  private RotationEvents() {}

  /**
   * Whether {@code event} ends its rotation: a {@code rotation.completed}, {@code
   * rotation.rolled-back} or {@code rotation.failed}, or a {@code rotation.rejected} that answers
   * the rotation's own request. Not a {@code DUPLICATE} rejection ({@link #answersAnotherRequest}).
   */
  public static boolean endsRotation(EventEnvelope event) {
    return switch (event.type()) {
      case ROTATION_COMPLETED, ROTATION_ROLLED_BACK, ROTATION_FAILED -> true;
      case ROTATION_REJECTED -> !answersAnotherRequest(event);
      default -> false;
    };
  }

  /**
   * Whether {@code event} is the key-generator's {@code DUPLICATE} answer to a request that reused
   * the id of an earlier rotation: it names that rotation, but is no news of it (the rotation may
   * be in flight or long ended). It neither ends the rotation, nor starts its thread, nor changes
   * what the notifier remembers of it.
   */
  public static boolean answersAnotherRequest(EventEnvelope event) {
    return event.data() instanceof RotationRejected rejected && rejected.answersAnotherRequest();
  }
}
