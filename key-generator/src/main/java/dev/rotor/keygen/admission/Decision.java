package dev.rotor.keygen.admission;

import dev.rotor.common.event.Reasons.Rejection;
import dev.rotor.common.plan.Plan;

/** What admission decided about a request. */
public sealed interface Decision {

  /** The request may run with this plan. */
  record Admit(Plan plan) implements Decision {}

  /**
   * The request is refused.
   *
   * @param reason the reason code of {@code rotation.rejected}
   * @param message what is wrong, in words a person can act on; never key material
   * @param inFlightRotationId for {@link Rejection#IN_FLIGHT}: the rotation still running
   */
  record Reject(Rejection reason, String message, String inFlightRotationId) implements Decision {
    public Reject(Rejection reason, String message) {
      this(reason, message, null);
    }
  }
}
