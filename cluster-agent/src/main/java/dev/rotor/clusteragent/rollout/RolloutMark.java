package dev.rotor.clusteragent.rollout;

import dev.rotor.common.event.Phase;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * What a Deployment's pod template says about Rotor's last restart of it: {@code
 * rotor.dev/rotation: <rotation id>/<phase>} and {@code kubectl.kubernetes.io/restartedAt}. This is
 * the agent's durable record that a restart happened: a phase never restarts a Deployment whose
 * mark it already is.
 *
 * @param rotationId the rotation of the last restart by Rotor, or null if none
 * @param phase its phase, or null
 * @param restartedAt when it was restarted (by Rotor or {@code kubectl rollout restart}), or null
 */
public record RolloutMark(String rotationId, Phase phase, Instant restartedAt) {

  /** The pod template annotation that names the rotation and phase of Rotor's restart. */
  public static final String ROTATION_ANNOTATION = "rotor.dev/rotation";

  /** The pod template annotation {@code kubectl rollout restart} sets, and so does Rotor. */
  public static final String RESTARTED_AT_ANNOTATION = "kubectl.kubernetes.io/restartedAt";

  /** The annotation value for {@code rotationId} and {@code phase}. */
  public static String value(String rotationId, Phase phase) {
    return rotationId + "/" + phase.id();
  }

  /** Reads the mark from pod template annotations (null or empty: no mark). */
  public static RolloutMark of(Map<String, String> annotations) {
    if (annotations == null) {
      return new RolloutMark(null, null, null);
    }
    Instant restartedAt = null;
    String stamp = annotations.get(RESTARTED_AT_ANNOTATION);
    if (stamp != null) {
      try {
        restartedAt = java.time.OffsetDateTime.parse(stamp).toInstant();
      } catch (DateTimeParseException e) {
        restartedAt = null;
      }
    }
    String value = annotations.get(ROTATION_ANNOTATION);
    if (value == null || value.lastIndexOf('/') <= 0) {
      return new RolloutMark(null, null, restartedAt);
    }
    int slash = value.lastIndexOf('/');
    try {
      return new RolloutMark(
          value.substring(0, slash), Phase.of(value.substring(slash + 1)), restartedAt);
    } catch (IllegalArgumentException e) {
      return new RolloutMark(null, null, restartedAt);
    }
  }

  /** Whether this mark is for {@code rotationId} at {@code phase} or a later phase of it. */
  public boolean reached(String rotationId, Phase phase) {
    return rotationId.equals(this.rotationId)
        && this.phase != null
        && this.phase.compareTo(phase) >= 0;
  }
}
