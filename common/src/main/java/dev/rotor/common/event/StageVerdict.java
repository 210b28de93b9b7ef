package dev.rotor.common.event;

import static dev.rotor.common.Checks.nonEmpty;
import static dev.rotor.common.Checks.present;

import java.time.Instant;

/**
 * The verdict of one stage, as recorded in the rotation's final event.
 *
 * @param cluster the stage's cluster
 * @param verdict what the verifier concluded (or {@code FORCED} when a person promoted past it)
 * @param decidedAt when
 */
public record StageVerdict(String cluster, Reasons.Verdict verdict, Instant decidedAt) {
  public StageVerdict {
    nonEmpty(cluster, "cluster");
    present(verdict, "verdict");
    present(decidedAt, "decidedAt");
  }
}
