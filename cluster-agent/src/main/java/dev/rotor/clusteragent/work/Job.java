package dev.rotor.clusteragent.work;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.Phase;
import dev.rotor.common.event.PlanCarrying;
import dev.rotor.common.event.RolloutWaiting;
import dev.rotor.common.messaging.TraceContext;
import dev.rotor.common.plan.Plan;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Work the agent accepted: one stage rollout (distribute, then promote) or one rollback, caused by
 * one event. Kept in the journal until it ends, so that a restarted agent resumes it.
 *
 * @param kind what to do
 * @param cause the event that asked for it (its id is the job's id)
 * @param notBefore when a stage held by its maintenance window may start; null: now
 * @param waitingAnnounced whether {@code rollout.waiting} was sent for {@code notBefore}
 * @param phasesDone the phases already completed (their {@code rollout.completed} sent)
 * @param trace the trace context the cause was taken in (null when tracing is off): the job's spans
 *     and events continue that trace, also when a restarted agent resumes it
 * @param sent the events of the step in progress (the current phase, or the wait), each recorded in
 *     the journal before it is sent: a restarted agent sends exactly these again, with their time
 *     and data, instead of new ones under the same id (so every copy of an event is the same event,
 *     as the ledger requires); cleared when the step is recorded as done
 */
public record Job(
    Kind kind,
    EventEnvelope cause,
    Instant notBefore,
    boolean waitingAnnounced,
    Set<Phase> phasesDone,
    TraceContext.Stored trace,
    List<EventEnvelope> sent) {

  /** What a job does. */
  public enum Kind {
    ROLLOUT,
    ROLLBACK
  }

  public Job {
    phasesDone = phasesDone.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(phasesDone));
    sent = sent == null ? List.of() : List.copyOf(sent);
  }

  /** A new job for {@code cause}, in the current trace context. */
  public static Job of(Kind kind, EventEnvelope cause) {
    return new Job(kind, cause, null, false, Set.of(), TraceContext.current(), List.of());
  }

  /** The job's id: its cause's event id. */
  public String id() {
    return cause.id();
  }

  public Plan plan() {
    return ((PlanCarrying) cause.data()).plan();
  }

  public String rotationId() {
    return cause.rotationId();
  }

  public String targetId() {
    return cause.subject();
  }

  /**
   * The same job held until {@code opening}, not yet announced. A recorded {@code rollout.started}
   * is kept: it goes out again, unchanged, when the phase runs after the wait.
   */
  public Job waitUntil(Instant opening) {
    return new Job(kind, cause, opening, false, phasesDone, trace, sent);
  }

  /** The same job with its wait announced (a step done: its {@code rollout.waiting} is dropped). */
  public Job announced() {
    List<EventEnvelope> kept =
        sent.stream().filter(event -> !(event.data() instanceof RolloutWaiting)).toList();
    return new Job(kind, cause, notBefore, true, phasesDone, trace, kept);
  }

  /**
   * Whether this rollout may have applied something: it completed a phase, or recorded an event of
   * one (recorded before the phase applies anything). A recorded {@code rollout.waiting} alone
   * applied nothing.
   */
  public boolean mayHaveApplied() {
    return !phasesDone.isEmpty()
        || sent.stream().anyMatch(event -> !(event.data() instanceof RolloutWaiting));
  }

  /** The event of id {@code eventId} recorded as sent for the step in progress, if any. */
  public Optional<EventEnvelope> sentAs(String eventId) {
    return sent.stream().filter(event -> event.id().equals(eventId)).findFirst();
  }

  /** The same job with {@code event} recorded as sent for the step in progress. */
  public Job withSent(EventEnvelope event) {
    List<EventEnvelope> events = new ArrayList<>(sent);
    events.add(event);
    return new Job(kind, cause, notBefore, waitingAnnounced, phasesDone, trace, events);
  }

  /** The same job with {@code phase} done. */
  public Job withPhaseDone(Phase phase) {
    EnumSet<Phase> done =
        phasesDone.isEmpty() ? EnumSet.noneOf(Phase.class) : EnumSet.copyOf(phasesDone);
    done.add(phase);
    return new Job(kind, cause, notBefore, waitingAnnounced, done, trace, List.of());
  }

  /** The id-derivation key of the events of {@code phase}: {@code <cause id>/<phase>}. */
  public String eventKey(Phase phase) {
    return id() + "/" + phase.id();
  }

  /** The id-derivation key of the {@code rollout.waiting} for {@code notBefore}. */
  public String waitingKey() {
    return id() + "/waiting/" + notBefore;
  }
}
