package dev.rotor.cli.rotation;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.event.ManifestApproved;
import dev.rotor.common.event.ManifestProposed;
import dev.rotor.common.event.ManifestRolledBack;
import dev.rotor.common.event.Phase;
import dev.rotor.common.event.PlanCarrying;
import dev.rotor.common.event.RollbackCompleted;
import dev.rotor.common.event.RollbackFailed;
import dev.rotor.common.event.RolloutCompleted;
import dev.rotor.common.event.RolloutFailed;
import dev.rotor.common.event.RolloutStarted;
import dev.rotor.common.event.RolloutWaiting;
import dev.rotor.common.event.RotationApproved;
import dev.rotor.common.event.RotationCompleted;
import dev.rotor.common.event.RotationFailed;
import dev.rotor.common.event.RotationRejected;
import dev.rotor.common.event.RotationRequested;
import dev.rotor.common.event.RotationReviewRejected;
import dev.rotor.common.event.RotationRollbackRequested;
import dev.rotor.common.event.RotationRolledBack;
import dev.rotor.common.event.RotorEvent;
import dev.rotor.common.event.Sources;
import dev.rotor.common.event.VerificationFailed;
import dev.rotor.common.event.VerificationInconclusive;
import dev.rotor.common.event.VerificationPassed;
import dev.rotor.common.event.VerificationStarted;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.Stage;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One rotation as its events tell it. Events of one rotation come from several topics, so they may
 * arrive in any order across topics: every event records a fact (this phase started, that soak ends
 * then), and the state is derived from the facts, never from the order they came in. An event seen
 * twice (same id) changes nothing.
 *
 * <p>A request that reuses the rotation id of an earlier one is answered by the key-generator with
 * a {@code DUPLICATE} {@code rotation.rejected} that carries the reused id: both that request and
 * its answer name this rotation, but neither is news of it. The rejection neither ends nor rejects
 * the rotation ({@link #duplicates()} keeps it as a note), and the request the rotation stands on
 * is the one the key-generator answered for it ({@link #request()}), not the last one read.
 *
 * <p>The key-generator derives the id of its answer from the id of the request it answers ({@link
 * EventEnvelope#causedBy}), so each {@code DUPLICATE} is paired here with the request it answers: a
 * paired request is the reusing one, never the rotation's own. If nothing but {@code DUPLICATE}
 * answers and the requests they answer is seen of a rotation id (the rotation the id names aged out
 * of the topics, or was not read, e.g. for another target), no rotation is going on as far as these
 * events tell: the {@code DUPLICATE} ends it as rejected, as it did before reuse was told apart.
 */
public final class RotationState {

  /** Where a rotation stands. */
  public enum Outcome {
    IN_PROGRESS(false),
    COMPLETED(true),
    ROLLED_BACK(true),
    FAILED(true),
    REJECTED(true);

    private final boolean terminal;

    Outcome(boolean terminal) {
      this.terminal = terminal;
    }

    /** Whether the rotation has ended. */
    public boolean terminal() {
      return terminal;
    }
  }

  /** {@link #listedStatus()} of a rotation nobody is on record as having requested. */
  public static final String UNREQUESTED = "unrequested";

  private final String rotationId;
  private final Set<String> seen = new HashSet<>();
  private final Map<String, StageProgress> stages = new LinkedHashMap<>();
  private final List<RotationApproved> approvals = new ArrayList<>();
  private final List<Instant> forcedAt = new ArrayList<>();
  private final List<Requested> requests = new ArrayList<>();
  private final List<Duplicate> duplicates = new ArrayList<>();
  private int otherEvents;
  private String otherTarget;
  private Plan plan;
  private KeyGenerated key;
  private ManifestProposed proposal;
  private ManifestApproved merge;
  private RotationReviewRejected reviewRejection;
  private RotationRollbackRequested rollbackRequest;
  private ManifestRolledBack rollbackCommit;
  private RotationCompleted completed;
  private RotationRolledBack rolledBack;
  private RotationFailed failed;
  private RotationRejected rejected;
  private Instant firstEventAt;
  private Instant lastEventAt;
  private Instant endedAt;

  /** The key-generator, which answers a request that reuses a rotation id with a DUPLICATE. */
  private static final String KEY_GENERATOR = Sources.of("key-generator");

  /** {@link EventEnvelope#causedBy} needs a clock; the id it derives does not depend on it. */
  private static final Clock ANY_TIME = Clock.fixed(Instant.EPOCH, ZoneOffset.UTC);

  /**
   * A {@code rotation.requested} seen: its event id, when it was made, and as which event it was
   * read.
   */
  private record Requested(RotationRequested data, String eventId, Instant at, int read) {}

  /** A {@code DUPLICATE} {@code rotation.rejected} seen, as which event and when. */
  private record Duplicate(RotationRejected data, String eventId, String source, Instant at) {

    /**
     * Whether this is the key-generator's answer to {@code request}: its id is the one the
     * key-generator derives from the request's ({@link EventEnvelope#causedBy}).
     */
    boolean answers(Requested request) {
      return KEY_GENERATOR.equals(source)
          && eventId.equals(
              EventEnvelope.causedBy(request.eventId(), data, KEY_GENERATOR, ANY_TIME).id());
    }
  }

  public RotationState(String rotationId) {
    this.rotationId = rotationId;
  }

  /** Builds the state of {@code rotationId} from its events, in any order. */
  public static RotationState of(String rotationId, List<EventEnvelope> events) {
    RotationState state = new RotationState(rotationId);
    events.forEach(state::apply);
    return state;
  }

  /**
   * Adds an event of this rotation; events of other rotations and repeats are ignored.
   *
   * @return whether the event was new
   */
  public boolean apply(EventEnvelope event) {
    if (!rotationId.equals(event.rotationId()) || !seen.add(event.id())) {
      return false;
    }
    Instant at = event.time();
    if (firstEventAt == null || at.isBefore(firstEventAt)) {
      firstEventAt = at;
    }
    if (lastEventAt == null || at.isAfter(lastEventAt)) {
      lastEventAt = at;
    }
    if (event.data() instanceof PlanCarrying carrying && carrying.plan() != null) {
      plan(carrying.plan());
    }
    RotorEvent data = event.data();
    if (!(data instanceof RotationRequested) && !answersAnotherRequest(data)) {
      otherEvents++;
      if (otherTarget == null) {
        otherTarget = event.subject();
      }
    }
    if (data instanceof RotationRequested r) {
      requests.add(
          new Requested(
              r, event.id(), r.requestedAt() != null ? r.requestedAt() : at, requests.size()));
    } else if (answersAnotherRequest(data)) {
      // The answer to another request that reused this rotation's id: no news of this rotation.
      duplicates.add(new Duplicate((RotationRejected) data, event.id(), event.source(), at));
    } else if (data instanceof RotationRejected r) {
      rejected = r;
      ended(at);
    } else if (data instanceof KeyGenerated k) {
      key = k;
    } else if (data instanceof ManifestProposed p) {
      proposal = p;
    } else if (data instanceof RotationApproved a) {
      approvals.add(a);
      if (a.force()) {
        forcedAt.add(at);
        stages.values().stream()
            .filter(s -> s.verdict() == StageProgress.Verdict.INCONCLUSIVE)
            .filter(s -> !s.verdictAt().isAfter(at))
            .forEach(s -> s.forced(true));
      }
    } else if (data instanceof RotationReviewRejected r) {
      reviewRejection = r;
    } else if (data instanceof ManifestApproved m) {
      merge = m;
    } else if (data instanceof RolloutWaiting w) {
      update(w.cluster(), w.phase(), p -> p.waiting(w.startsAt()));
    } else if (data instanceof RolloutStarted s) {
      update(s.cluster(), s.phase(), p -> p.start(at, s.commit()));
    } else if (data instanceof RolloutCompleted c) {
      update(
          c.cluster(),
          c.phase(),
          p -> p.complete(c.completedAt(), c.commit(), c.observedPrimaryKeyId(), c.pods()));
    } else if (data instanceof RolloutFailed f) {
      update(f.cluster(), f.phase(), p -> p.fail(f.reason() + ": " + f.message()));
    } else if (data instanceof RollbackCompleted c) {
      update(
          c.cluster(),
          Phase.ROLLBACK,
          p -> p.complete(c.completedAt(), c.commit(), c.observedPrimaryKeyId(), c.pods()));
    } else if (data instanceof RollbackFailed f) {
      update(f.cluster(), Phase.ROLLBACK, p -> p.fail(f.reason() + ": " + f.message()));
    } else if (data instanceof VerificationStarted v) {
      stage(v.cluster()).soakStarted(at, v.soakEndsAt());
    } else if (data instanceof VerificationPassed v) {
      stage(v.cluster()).verdict(StageProgress.Verdict.PASSED, at, null, v.evidence());
    } else if (data instanceof VerificationFailed v) {
      stage(v.cluster())
          .verdict(StageProgress.Verdict.FAILED, at, v.reason() + ": " + v.message(), v.evidence());
    } else if (data instanceof VerificationInconclusive v) {
      StageProgress stage = stage(v.cluster());
      stage.verdict(StageProgress.Verdict.INCONCLUSIVE, at, v.message(), v.evidence());
      if (forcedAt.stream().anyMatch(force -> !force.isBefore(at))) {
        stage.forced(true);
      }
    } else if (data instanceof RotationRollbackRequested r) {
      rollbackRequest = r;
    } else if (data instanceof ManifestRolledBack m) {
      rollbackCommit = m;
    } else if (data instanceof RotationCompleted c) {
      completed = c;
      ended(at);
    } else if (data instanceof RotationRolledBack r) {
      rolledBack = r;
      ended(at);
    } else if (data instanceof RotationFailed f) {
      failed = f;
      ended(at);
    }
    // rotation.due and ledger.checkpoint carry no rotation id: they never get here.
    return true;
  }

  /**
   * Whether {@code data} is the key-generator's {@code DUPLICATE} answer to a request that reused
   * this rotation's id: it names the rotation but neither ends nor rejects it.
   */
  static boolean answersAnotherRequest(RotorEvent data) {
    return data instanceof RotationRejected r && r.answersAnotherRequest();
  }

  /** Whether a {@code DUPLICATE} seen answers {@code request}: it reused the rotation id. */
  private boolean paired(Requested request) {
    return duplicates.stream().anyMatch(d -> d.answers(request));
  }

  /** The requests seen that no {@code DUPLICATE} seen answers. */
  private List<Requested> unpaired() {
    return requests.stream().filter(r -> !paired(r)).toList();
  }

  /**
   * Whether all that was seen of the rotation id is {@code DUPLICATE} answers and the requests they
   * answer: no news of a rotation, only of requests that reused the id.
   */
  private boolean onlyReuse() {
    return !duplicates.isEmpty() && otherEvents == 0 && requests.stream().allMatch(this::paired);
  }

  /** The first {@code DUPLICATE} seen, by time; {@code null} if none. */
  private Duplicate firstDuplicate() {
    return duplicates.stream().min(Comparator.comparing(Duplicate::at)).orElse(null);
  }

  /**
   * The request the rotation stands on: of the {@code rotation.requested} seen that no {@code
   * DUPLICATE} answers, the one the key-generator answered for this rotation ({@code key.generated}
   * or a rejection other than {@code DUPLICATE}), told by the target (and requester) that answer
   * names. If the answer is known but none of those requests has its target (or its requester),
   * none is the rotation's own: {@code null}. Only while no answer was seen is it a guess: the one
   * made first (then the one read first).
   */
  private Requested admitted() {
    List<Requested> candidates = unpaired();
    String answeredTarget =
        key != null ? key.targetId() : rejected != null ? rejected.targetId() : null;
    String answeredBy = key != null ? key.requestedBy() : null;
    return candidates.stream()
        .filter(r -> answeredTarget == null || answeredTarget.equals(r.data().targetId()))
        .filter(r -> answeredBy == null || answeredBy.equals(r.data().requestedBy()))
        .min(Comparator.comparing(Requested::at).thenComparingInt(Requested::read))
        .orElse(null);
  }

  /**
   * The request shown for a rotation id of which {@link #onlyReuse() only reuse} was seen: the
   * first made of the requests the {@code DUPLICATE} answers answer.
   */
  private Requested reusing() {
    return requests.stream()
        .min(Comparator.comparing(Requested::at).thenComparingInt(Requested::read))
        .orElse(null);
  }

  private void ended(Instant at) {
    if (endedAt == null || at.isBefore(endedAt)) {
      endedAt = at;
    }
  }

  private void plan(Plan plan) {
    if (this.plan == null) {
      this.plan = plan;
      Map<String, StageProgress> known = new LinkedHashMap<>(stages);
      stages.clear();
      for (Stage stage : plan.stages()) {
        StageProgress progress = known.remove(stage.cluster());
        if (progress == null) {
          progress = new StageProgress(stage.cluster(), stage.soak());
        } else {
          progress.soak(stage.soak());
        }
        stages.put(stage.cluster(), progress);
      }
      stages.putAll(known);
    }
  }

  private StageProgress stage(String cluster) {
    return stages.computeIfAbsent(cluster, c -> new StageProgress(c, null));
  }

  private void update(
      String cluster, Phase phase, java.util.function.UnaryOperator<PhaseProgress> change) {
    StageProgress stage = stage(cluster);
    stage.phase(phase, change.apply(stage.phase(phase)));
  }

  // ------------------------------------------------------------------------------ facts

  public String rotationId() {
    return rotationId;
  }

  /**
   * The target, once any event of the rotation was seen; else {@code null}: the one of its {@code
   * key.generated}, else of its request ({@link #request()}), else of its other events. A {@code
   * DUPLICATE} rejection names the target of the request it answers, so it counts only when nothing
   * else was seen.
   */
  public String targetId() {
    if (key != null) {
      return key.targetId();
    }
    RotationRequested request = request();
    if (request != null && request.targetId() != null) {
      return request.targetId();
    }
    if (otherTarget != null) {
      return otherTarget;
    }
    Duplicate duplicate = firstDuplicate();
    return duplicate == null ? null : duplicate.data().targetId();
  }

  /** Whether any event of the rotation was seen. */
  public boolean known() {
    return !seen.isEmpty();
  }

  public Plan plan() {
    return plan;
  }

  /**
   * The request the rotation stands on, or {@code null} if none was seen: the one the key-generator
   * answered for this rotation, not a later one that reused its id; if {@link #onlyReuse() only
   * reuse} was seen, the reusing request.
   */
  public RotationRequested request() {
    Requested request = shownRequest();
    return request == null ? null : request.data();
  }

  private Requested shownRequest() {
    return onlyReuse() ? reusing() : admitted();
  }

  public Instant requestedAt() {
    Requested request = shownRequest();
    return request != null ? request.at() : firstEventAt;
  }

  public String requestedBy() {
    RotationRequested request = request();
    if (request != null && request.requestedBy() != null) {
      return request.requestedBy();
    }
    return key != null ? key.requestedBy() : null;
  }

  public KeyGenerated key() {
    return key;
  }

  public ManifestProposed proposal() {
    return proposal;
  }

  public ManifestApproved merge() {
    return merge;
  }

  public List<RotationApproved> approvals() {
    return List.copyOf(approvals);
  }

  public RotationReviewRejected reviewRejection() {
    return reviewRejection;
  }

  public RotationRollbackRequested rollbackRequest() {
    return rollbackRequest;
  }

  public ManifestRolledBack rollbackCommit() {
    return rollbackCommit;
  }

  public RotationCompleted completed() {
    return completed;
  }

  public RotationRolledBack rolledBack() {
    return rolledBack;
  }

  public RotationFailed failed() {
    return failed;
  }

  /**
   * The rejection of the rotation's own request, or {@code null}; a {@code DUPLICATE} only if
   * {@link #onlyReuse() nothing but reuse} was seen of the rotation id.
   */
  public RotationRejected rejected() {
    if (rejected == null && onlyReuse()) {
      return firstDuplicate().data();
    }
    return rejected;
  }

  /**
   * The {@code DUPLICATE} answers to other requests that reused this rotation's id: a note, not an
   * outcome (none if {@link #onlyReuse() nothing but reuse} was seen: then one is the outcome).
   */
  public List<RotationRejected> duplicates() {
    return onlyReuse() ? List.of() : duplicates.stream().map(Duplicate::data).toList();
  }

  /** The stages in plan order (stages seen before the plan was known follow). */
  public List<StageProgress> stages() {
    return List.copyOf(stages.values());
  }

  public Instant lastEventAt() {
    return lastEventAt;
  }

  /** When the rotation ended, or {@code null}. */
  public Instant endedAt() {
    if (endedAt == null && onlyReuse()) {
      return firstDuplicate().at();
    }
    return endedAt;
  }

  /** The new key's fingerprint, once known. */
  public String fingerprint() {
    if (key != null) {
      return key.fingerprint();
    }
    if (proposal != null) {
      return proposal.fingerprint();
    }
    return completed != null ? completed.fingerprint() : null;
  }

  /** How the rotation stands; a terminal outcome is final. */
  public Outcome outcome() {
    if (completed != null) {
      return Outcome.COMPLETED;
    }
    if (rolledBack != null) {
      return Outcome.ROLLED_BACK;
    }
    if (failed != null) {
      return Outcome.FAILED;
    }
    if (rejected() != null) {
      return Outcome.REJECTED;
    }
    return Outcome.IN_PROGRESS;
  }

  /** Whether promotion is held on an inconclusive verdict that no one has decided yet. */
  public StageProgress heldStage() {
    if (outcome().terminal() || rollingBack()) {
      return null;
    }
    return stages.values().stream()
        .filter(s -> s.verdict() == StageProgress.Verdict.INCONCLUSIVE && !s.forced())
        .findFirst()
        .orElse(null);
  }

  /** Whether a rollback was asked for or committed and has not ended yet. */
  public boolean rollingBack() {
    return !outcome().terminal() && (rollbackCommit != null || rollbackRequest != null);
  }

  /** The stage that is being worked on now: the first that has not passed. */
  public StageProgress currentStage() {
    return stages.values().stream()
        .filter(s -> s.verdict() != StageProgress.Verdict.PASSED && !s.forced())
        .findFirst()
        .orElse(null);
  }

  /**
   * Whether events of the rotation were seen but no {@code rotation.requested}: nobody is on record
   * as having asked for it (a forged or stray event, a request not read yet, or one older than the
   * topic's retention). The ledger records such a rotation as {@code UNREQUESTED}, whatever its
   * other events say. A request that a {@code DUPLICATE} answers is not the rotation's, nor one of
   * another target or requester than the key-generator's answer names (unless {@link #onlyReuse()
   * nothing but reuse} was seen: then the reusing request is the one shown).
   */
  public boolean unrequested() {
    return known() && (onlyReuse() ? requests.isEmpty() : admitted() == null);
  }

  /**
   * Where the rotation stands in a list of rotations ({@code status}, {@code history}): {@code
   * unrequested} for an {@link #unrequested()} one, as the ledger's records say, else {@link
   * #status()}.
   */
  public String listedStatus() {
    return unrequested() ? UNREQUESTED : status();
  }

  /** One line on where the rotation stands, e.g. {@code soaking aether-staging}. */
  public String status() {
    switch (outcome()) {
      case COMPLETED -> {
        return "completed";
      }
      case ROLLED_BACK -> {
        return "rolled back";
      }
      case FAILED -> {
        return "failed (" + failed.reason() + ")";
      }
      case REJECTED -> {
        return "rejected (" + rejected().reason() + ")";
      }
      default -> {
        // below
      }
    }
    if (rollbackCommit != null) {
      return "rolling back " + String.join(", ", rollbackCommit.clusters());
    }
    if (rollbackRequest != null) {
      return "rollback requested by " + rollbackRequest.requestedBy();
    }
    if (reviewRejection != null) {
      return "review rejected by " + reviewRejection.reviewer();
    }
    StageProgress held = heldStage();
    if (held != null) {
      return "held: inconclusive on " + held.cluster() + ", waiting for a person";
    }
    if (merge != null) {
      StageProgress stage = currentStage();
      if (stage == null) {
        return "verifying";
      }
      if (stage.verdict() == StageProgress.Verdict.FAILED) {
        return "failed on " + stage.cluster() + ", rolling back";
      }
      if (stage.soakStartedAt() != null) {
        return "soaking " + stage.cluster();
      }
      for (Phase phase : List.of(Phase.PROMOTE, Phase.DISTRIBUTE)) {
        PhaseProgress progress = stage.phase(phase);
        if (progress.failed()) {
          return phase.id() + " failed on " + stage.cluster() + ", rolling back";
        }
        if (progress.started()) {
          return "rolling out " + stage.cluster() + " (" + phase.id() + ")";
        }
        if (progress.waitingUntil() != null) {
          return "waiting for the maintenance window of " + stage.cluster();
        }
      }
      return "starting " + stage.cluster();
    }
    if (proposal != null) {
      int required = plan == null ? 1 : plan.approvals().required();
      long given = approvals.stream().filter(a -> !a.force()).count();
      return "awaiting approval (" + given + " of " + required + ")";
    }
    if (key != null) {
      return "key generated, writing the change to Git";
    }
    return "requested, waiting for the key-generator";
  }
}
