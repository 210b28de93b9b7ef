package dev.rotor.clusteragent.rollout;

import dev.rotor.common.event.Phase;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * What a Deployment's pod template says about Rotor's last restart of it: {@code
 * rotor.dev/rotation: <rotation id>/<phase>}, {@code rotor.dev/restarted-at} and {@code
 * rotor.dev/target}, written together by one patch. This is the agent's durable record that a
 * restart happened: a phase never restarts a Deployment whose mark it already is.
 *
 * <p>The time is Rotor's own: {@code kubectl rollout restart} sets {@code
 * kubectl.kubernetes.io/restartedAt} and leaves the {@code rotor.dev/*} annotations alone, so a
 * manual restart never changes Rotor's mark. A template marked by an older Rotor, which wrote only
 * {@code rotor.dev/rotation} (and kubectl's annotation), has no known time and no target.
 *
 * @param rotationId the rotation of the last restart by Rotor, or null if none
 * @param phase its phase, or null
 * @param restartedAt when Rotor made that restart, or null if not known
 * @param targetId the target ({@code <namespace>/<secret>}) that restart rotated, or null if not
 *     known
 */
public record RolloutMark(String rotationId, Phase phase, Instant restartedAt, String targetId) {

  /** The pod template annotation that names the rotation and phase of Rotor's restart. */
  public static final String ROTATION_ANNOTATION = "rotor.dev/rotation";

  /** The pod template annotation with the time of Rotor's restart (ISO-8601, UTC). */
  public static final String ROTOR_RESTARTED_AT_ANNOTATION = "rotor.dev/restarted-at";

  /** The pod template annotation with the target whose rotation Rotor restarted it for. */
  public static final String TARGET_ANNOTATION = "rotor.dev/target";

  /**
   * The pod template annotation {@code kubectl rollout restart} sets. Rotor sets it too (so that
   * its restart looks like kubectl's to people), but never reads it: anyone may change it.
   */
  public static final String RESTARTED_AT_ANNOTATION = "kubectl.kubernetes.io/restartedAt";

  private static final RolloutMark NONE = new RolloutMark(null, null, null, null);

  /** The annotation value for {@code rotationId} and {@code phase}. */
  public static String value(String rotationId, Phase phase) {
    return rotationId + "/" + phase.id();
  }

  /** Reads the mark from pod template annotations (null or empty: no mark). */
  public static RolloutMark of(Map<String, String> annotations) {
    if (annotations == null) {
      return NONE;
    }
    String value = annotations.get(ROTATION_ANNOTATION);
    if (value == null || value.lastIndexOf('/') <= 0) {
      return NONE;
    }
    int slash = value.lastIndexOf('/');
    Phase phase;
    try {
      phase = Phase.of(value.substring(slash + 1));
    } catch (IllegalArgumentException e) {
      return NONE;
    }
    return new RolloutMark(
        value.substring(0, slash),
        phase,
        instant(annotations.get(ROTOR_RESTARTED_AT_ANNOTATION)),
        annotations.get(TARGET_ANNOTATION));
  }

  /** Whether this mark is for {@code rotationId} at {@code phase} or a later phase of it. */
  public boolean reached(String rotationId, Phase phase) {
    return rotationId.equals(this.rotationId)
        && this.phase != null
        && this.phase.compareTo(phase) >= 0;
  }

  private static Instant instant(String stamp) {
    if (stamp == null) {
      return null;
    }
    try {
      return OffsetDateTime.parse(stamp).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
