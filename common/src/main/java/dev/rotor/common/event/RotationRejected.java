package dev.rotor.common.event;

import dev.rotor.common.Checks;
import dev.rotor.common.plan.TargetIds;

/**
 * {@code rotation.rejected}: The key-generator refused a request.
 *
 * @param rotationId the rotation this event belongs to
 * @param targetId the target, {@code <namespace>/<secret name>}
 * @param reason the reason code
 * @param message what happened, in words a person can act on; never key material
 * @param inFlightRotationId for {@code IN_FLIGHT}: the rotation still running
 */
public record RotationRejected(
    String rotationId,
    String targetId,
    Reasons.Rejection reason,
    String message,
    String inFlightRotationId)
    implements RotorEvent {

  public RotationRejected {
    Checks.rotationId(rotationId, "rotationId");
    TargetIds.requireValid(targetId, "targetId");
    Checks.present(reason, "reason");
    Checks.nonEmpty(message, "message");
  }

  /**
   * Whether this answers another request, one that reused the rotation id of an earlier rotation
   * ({@code DUPLICATE}): it carries that rotation's id but neither ends nor rejects it. Every other
   * rejection answers the rotation's own request, and ends it.
   */
  public boolean answersAnotherRequest() {
    return reason == Reasons.Rejection.DUPLICATE;
  }
}
