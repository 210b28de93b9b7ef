package dev.rotor.cli.rotation;

import dev.rotor.common.event.PodStatus;
import java.time.Instant;
import java.util.List;

/**
 * What is known of one rollout of a stage (distribute, promote, or the rollback).
 *
 * @param waitingUntil when a maintenance window opens, if the stage waits for one
 * @param startedAt when the cluster-agent began it
 * @param commit the Git commit it applies
 * @param completedAt when every pod was replaced
 * @param observedKeyId the primary key id read back from the Secret afterwards
 * @param pods the new pods
 * @param failure the reason code and message, if it failed
 */
public record PhaseProgress(
    Instant waitingUntil,
    Instant startedAt,
    String commit,
    Instant completedAt,
    String observedKeyId,
    List<PodStatus> pods,
    String failure) {

  static final PhaseProgress NONE =
      new PhaseProgress(null, null, null, null, null, List.of(), null);

  public boolean started() {
    return startedAt != null || completedAt != null || failure != null;
  }

  public boolean completed() {
    return completedAt != null;
  }

  public boolean failed() {
    return failure != null;
  }

  PhaseProgress waiting(Instant until) {
    return new PhaseProgress(until, startedAt, commit, completedAt, observedKeyId, pods, failure);
  }

  PhaseProgress start(Instant at, String commit) {
    return new PhaseProgress(waitingUntil, at, commit, completedAt, observedKeyId, pods, failure);
  }

  PhaseProgress complete(Instant at, String commit, String keyId, List<PodStatus> pods) {
    return new PhaseProgress(waitingUntil, startedAt, commit, at, keyId, pods, failure);
  }

  PhaseProgress fail(String failure) {
    return new PhaseProgress(
        waitingUntil, startedAt, commit, completedAt, observedKeyId, pods, failure);
  }
}
