package dev.rotor.cli.rotation;

import dev.rotor.common.event.Evidence;
import dev.rotor.common.event.Phase;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** What is known of one stage of a rotation: its rollouts, its soak and its verdict. */
public final class StageProgress {

  /** The verifier's conclusion about a stage. */
  public enum Verdict {
    PASSED,
    FAILED,
    INCONCLUSIVE
  }

  private final String cluster;
  private Duration soak;
  private final Map<Phase, PhaseProgress> phases = new EnumMap<>(Phase.class);
  private Instant soakStartedAt;
  private Instant soakEndsAt;
  private Verdict verdict;
  private Instant verdictAt;
  private String verdictMessage;
  private List<Evidence> evidence = List.of();
  private boolean forced;

  StageProgress(String cluster, Duration soak) {
    this.cluster = cluster;
    this.soak = soak;
  }

  public String cluster() {
    return cluster;
  }

  /** The soak the plan gives the stage; {@code null} before the plan is known. */
  public Duration soak() {
    return soak;
  }

  void soak(Duration soak) {
    this.soak = soak;
  }

  public PhaseProgress phase(Phase phase) {
    return phases.getOrDefault(phase, PhaseProgress.NONE);
  }

  void phase(Phase phase, PhaseProgress progress) {
    phases.put(phase, progress);
  }

  public Instant soakStartedAt() {
    return soakStartedAt;
  }

  public Instant soakEndsAt() {
    return soakEndsAt;
  }

  void soakStarted(Instant at, Instant endsAt) {
    this.soakStartedAt = at;
    this.soakEndsAt = endsAt;
  }

  public Verdict verdict() {
    return verdict;
  }

  public Instant verdictAt() {
    return verdictAt;
  }

  /** The verifier's message (failure or inconclusive), or the failure's reason code and message. */
  public String verdictMessage() {
    return verdictMessage;
  }

  public List<Evidence> evidence() {
    return evidence;
  }

  void verdict(Verdict verdict, Instant at, String message, List<Evidence> evidence) {
    // A pass or a failure is final; an inconclusive check does not undo either.
    if (this.verdict == Verdict.PASSED || this.verdict == Verdict.FAILED) {
      if (verdict == Verdict.INCONCLUSIVE) {
        return;
      }
    }
    this.verdict = verdict;
    this.verdictAt = at;
    this.verdictMessage = message;
    this.evidence = List.copyOf(evidence);
  }

  /** Whether a person forced promotion past an inconclusive verdict. */
  public boolean forced() {
    return forced;
  }

  void forced(boolean forced) {
    this.forced = forced;
  }

  /** Whether anything happened on this stage yet. */
  public boolean touched() {
    return !phases.isEmpty() || soakStartedAt != null || verdict != null;
  }

  /** Whether the stage's new key is rolled out everywhere (promote completed). */
  public boolean rolledOut() {
    return phase(Phase.PROMOTE).completed();
  }
}
