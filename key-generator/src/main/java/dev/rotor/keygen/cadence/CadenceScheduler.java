package dev.rotor.keygen.cadence;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.RotationDue;
import dev.rotor.common.event.RotationRequested;
import dev.rotor.common.event.RotorEvent;
import dev.rotor.common.plan.PolicyTarget;
import dev.rotor.keygen.Instants;
import dev.rotor.keygen.KeyGeneratorConfig;
import dev.rotor.keygen.KeyGeneratorMetrics;
import dev.rotor.keygen.admission.RequestProcessor;
import dev.rotor.keygen.outbox.Outbox;
import dev.rotor.keygen.policy.LoadedPolicy;
import dev.rotor.keygen.rotation.Rotation;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Requests rotations by cadence. A target with a cadence falls due one cadence after its last
 * completed rotation over all its stages, or, if it never had one, one cadence after the
 * key-generator first saw it in the policy (its baseline). For each due date:
 *
 * <ul>
 *   <li>a {@code rotation.due} reminder once the due date is {@code cadence.reminder-lead-time}
 *       away, and
 *   <li>a {@code rotation.requested} on {@code rotor.requests} at the due date (requested by {@code
 *       rotor-scheduler}, reason {@code cadence}, rotation id {@link CadenceIds#rotationId}), which
 *       this service then admits like any other request;
 * </ul>
 *
 * each at most once, ever: the {@code cadence_event} table's primary key is (target, due date,
 * kind), and the claim and the outbox event commit together. Nothing is sent while a rotation of
 * the target is in flight. If a requested rotation does not complete, the due date stays and no
 * second request follows: the target shows as overdue until a rotation completes.
 */
@ApplicationScoped
public class CadenceScheduler {
  /** The requester of rotations the cadence asks for. */
  public static final String OPERATOR = "rotor-scheduler";

  /** The reason of rotations the cadence asks for. */
  public static final String REASON = "cadence";

  private static final Logger LOG = Logger.getLogger(CadenceScheduler.class);

  @Inject LoadedPolicy policy;
  @Inject Outbox outbox;
  @Inject Clock clock;
  @Inject KeyGeneratorConfig config;
  @Inject KeyGeneratorMetrics metrics;
  @Inject EntityManager entityManager;

  private record TargetCheck(boolean overdue, List<String> eventIds, List<String> messages) {}

  /** Records the baseline of every target with a cadence seen for the first time. */
  void onStart(@Observes StartupEvent event) {
    Instant now = Instants.now(clock);
    for (PolicyTarget target : policy.cadenceTargets()) {
      QuarkusTransaction.requiringNew().run(() -> baseline(target, now));
    }
  }

  /** Checks every target with a cadence; runs every {@code cadence.check-interval}. */
  @Scheduled(
      identity = "rotor-key-generator-cadence",
      every = "${rotor.key-generator.cadence.check-interval}",
      concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
      skipExecutionIf = Scheduled.ApplicationNotRunning.class)
  void check() {
    if (!config.cadence().enabled()) {
      return;
    }
    Instant now = Instants.now(clock);
    long overdue = 0;
    List<String> toSend = new ArrayList<>();
    for (PolicyTarget target : policy.cadenceTargets()) {
      try {
        TargetCheck result = QuarkusTransaction.requiringNew().call(() -> check(target, now));
        if (result.overdue()) {
          overdue++;
        }
        toSend.addAll(result.eventIds());
        result.messages().forEach(LOG::info);
      } catch (RuntimeException e) {
        LOG.warnf(
            "ROTOR-1049 cadence of %s not checked (%s); the next check tries again in %s",
            target.id(), e.getClass().getSimpleName(), config.cadence().checkInterval());
      }
    }
    outbox.send(toSend);
    metrics.cadenceChecked(overdue);
  }

  private TargetCheck check(PolicyTarget target, Instant now) {
    Instant baseline = baseline(target, now);
    Optional<Instant> lastCompleted =
        Rotation.lastFullCompletion(target.id()).map(Instants::millis);
    Instant dueAt = Instants.millis(target.nextDueAfter(lastCompleted.orElse(baseline)));
    boolean overdue = !now.isBefore(dueAt);

    Optional<Rotation> inFlight = Rotation.inFlight(target.id());
    if (inFlight.isPresent()) {
      LOG.debugf(
          "ROTOR-1043 %s falls due at %s; rotation %s is in flight, so the cadence waits",
          target.id(), dueAt, inFlight.get().rotationId);
      return new TargetCheck(overdue, List.of(), List.of());
    }
    List<String> eventIds = new ArrayList<>();
    List<String> messages = new ArrayList<>();
    Instant remindFrom = dueAt.minus(config.cadence().reminderLeadTime());
    if (!now.isBefore(remindFrom)) {
      String eventId = CadenceIds.eventId("reminder", target.id(), dueAt);
      if (claim(target.id(), dueAt, "REMINDER", eventId, null, now)) {
        RotationDue data =
            new RotationDue(
                target.id(), dueAt, lastCompleted.orElse(null), target.cadence().toString());
        eventIds.add(outbox.add(envelope(eventId, data, now), null));
        metrics.cadenceReminderSent();
        messages.add(
            "ROTOR-1040 "
                + target.id()
                + " falls due for rotation at "
                + dueAt
                + " (cadence "
                + target.cadence()
                + ", last completed "
                + lastCompleted.map(Instant::toString).orElse("never; first seen " + baseline)
                + "): reminder rotation.due "
                + eventId);
      }
    }
    if (overdue) {
      String eventId = CadenceIds.eventId("request", target.id(), dueAt);
      String rotationId = CadenceIds.rotationId(target.id(), dueAt);
      if (claim(target.id(), dueAt, "REQUEST", eventId, rotationId, now)) {
        RotationRequested data =
            new RotationRequested(rotationId, target.id(), OPERATOR, REASON, List.of(), now);
        eventIds.add(outbox.add(envelope(eventId, data, now), null));
        metrics.cadenceRequestSent();
        messages.add(
            "ROTOR-1041 "
                + target.id()
                + " fell due at "
                + dueAt
                + ": requested rotation "
                + rotationId
                + " as "
                + OPERATOR
                + " (rotation.requested "
                + eventId
                + ")");
      }
    }
    return new TargetCheck(overdue, eventIds, messages);
  }

  private Instant baseline(PolicyTarget target, Instant now) {
    int inserted =
        entityManager
            .createNativeQuery(
                "INSERT INTO cadence_baseline (target_id, first_seen_at) VALUES (:target, :now)"
                    + " ON CONFLICT (target_id) DO NOTHING")
            .setParameter("target", target.id())
            .setParameter("now", now)
            .executeUpdate();
    CadenceBaseline baseline = CadenceBaseline.findById(target.id());
    Instant firstSeen = Instants.millis(baseline.firstSeenAt);
    if (inserted == 1) {
      Instant dueAt =
          Rotation.lastFullCompletion(target.id())
              .map(target::nextDueAfter)
              .orElse(target.nextDueAfter(firstSeen));
      LOG.infof(
          "ROTOR-1042 first saw %s with cadence %s: it falls due at %s unless a rotation completes"
              + " before",
          target.id(), target.cadence(), dueAt);
    }
    return firstSeen;
  }

  private boolean claim(
      String targetId, Instant dueAt, String kind, String eventId, String rotationId, Instant now) {
    var insert =
        entityManager
            .createNativeQuery(
                "INSERT INTO cadence_event (target_id, due_at, kind, event_id, rotation_id,"
                    + " created_at) VALUES (:target, :due, :kind, :event, "
                    + (rotationId == null ? "NULL" : ":rotation")
                    + ", :now) ON CONFLICT DO NOTHING")
            .setParameter("target", targetId)
            .setParameter("due", dueAt)
            .setParameter("kind", kind)
            .setParameter("event", eventId)
            .setParameter("now", now);
    if (rotationId != null) {
      insert.setParameter("rotation", rotationId);
    }
    return insert.executeUpdate() == 1;
  }

  private static EventEnvelope envelope(String eventId, RotorEvent data, Instant now) {
    return new EventEnvelope(
        eventId,
        EventType.of(data.getClass()),
        RequestProcessor.SOURCE,
        data.subject(),
        data.rotationId(),
        now,
        data);
  }
}
