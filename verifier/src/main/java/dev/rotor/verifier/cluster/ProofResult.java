package dev.rotor.verifier.cluster;

import java.time.Instant;
import java.util.List;

/**
 * What the cluster showed: the keyring in the Secret, read back, and the pods of the Deployments.
 *
 * @param secret whether the Secret holds what it must
 * @param secretDetail what was found, or what is wrong; key ids and fingerprints only
 * @param observedPrimaryKeyId the primary key id the Secret names; null if unreadable
 * @param observedPrimaryFingerprint the fingerprint of that key's entry; null if absent
 * @param previousFingerprint the fingerprint of the previous primary's entry, if it is in the ring
 * @param pods the pods of the Deployments (not terminating)
 * @param podsState whether every pod started after the Secret changed
 * @param podsDetail what was found, or what is wrong
 */
public record ProofResult(
    State secret,
    String secretDetail,
    String observedPrimaryKeyId,
    String observedPrimaryFingerprint,
    String previousFingerprint,
    List<Pod> pods,
    State podsState,
    String podsDetail) {

  public ProofResult {
    pods = List.copyOf(pods);
  }

  /** The outcome of one part of the proof. */
  public enum State {
    /** As it must be. */
    OK,
    /** Read, and not as it must be. */
    WRONG,
    /** Could not be read (API error, missing permission); says nothing either way. */
    UNREADABLE
  }

  /**
   * A pod of a Deployment.
   *
   * @param deployment its Deployment
   * @param name its name
   * @param startedAt when it started ({@code status.startTime}); null while pending
   * @param stale whether it started before the Secret changed
   * @param containers its containers, whose logs are read
   * @param restarts its containers that restarted ({@code restartCount} above 0); none for a stale
   *     pod, or one whose start or the Secret's change is not known: their restarts may precede the
   *     rotation
   */
  public record Pod(
      String deployment,
      String name,
      Instant startedAt,
      boolean stale,
      List<String> containers,
      List<Restart> restarts) {
    public Pod {
      containers = List.copyOf(containers);
      restarts = List.copyOf(restarts);
    }
  }

  /**
   * A container that restarted, from its status in the pod listing.
   *
   * @param container the container
   * @param count its {@code restartCount}
   * @param lastReason why its previous instance terminated ({@code lastState.terminated.reason},
   *     e.g. {@code Error}, {@code OOMKilled}); null when not reported
   * @param lastExitCode that instance's exit code; null when not reported
   * @param lastFinishedAt when that instance terminated; null when not reported
   */
  public record Restart(
      String container,
      int count,
      String lastReason,
      Integer lastExitCode,
      Instant lastFinishedAt) {}
}
