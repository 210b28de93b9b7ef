package dev.rotor.common.event;

import dev.rotor.common.Checks;
import dev.rotor.common.plan.TargetIds;
import java.time.Instant;

/**
 * {@code rotation.due}: A target's cadence says it is due for rotation soon (a reminder ahead of
 * the due date, so people can plan the maintenance window).
 *
 * @param targetId the target, {@code <namespace>/<secret name>}
 * @param dueAt when the rotation falls due
 * @param lastCompletedAt when the last rotation completed; none if never
 * @param cadence the target's cadence (ISO-8601 period, e.g. {@code P90D})
 */
public record RotationDue(String targetId, Instant dueAt, Instant lastCompletedAt, String cadence)
    implements RotorEvent {

  public RotationDue {
    TargetIds.requireValid(targetId, "targetId");
    Checks.present(dueAt, "dueAt");
    Checks.nonEmpty(cadence, "cadence");
  }

  /** Not part of a rotation. */
  @Override
  public String rotationId() {
    return null;
  }
}
