package dev.rotor.keygen.admission;

import dev.rotor.common.crypto.GeneratedKey;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.event.Reasons.Rejection;
import dev.rotor.common.event.RotationRejected;
import dev.rotor.common.event.RotationRequested;
import dev.rotor.common.event.Sources;
import dev.rotor.common.messaging.DeadLetterException;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.PolicyTarget;
import dev.rotor.common.plan.Stage;
import dev.rotor.keygen.Instants;
import dev.rotor.keygen.KeyGeneratorConfig;
import dev.rotor.keygen.KeyGeneratorMetrics;
import dev.rotor.keygen.outbox.EventTooLargeException;
import dev.rotor.keygen.outbox.Outbox;
import dev.rotor.keygen.policy.LoadedPolicy;
import dev.rotor.keygen.rotation.OutcomeProgress;
import dev.rotor.keygen.rotation.Rotation;
import dev.rotor.keygen.rotation.RotationStatus;
import dev.rotor.keygen.sealing.KeySealer.SealedMaterial;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.faulttolerance.api.ExponentialBackoff;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.jboss.logging.Logger;

/**
 * Decides one {@code rotation.requested} in one transaction: records the rotation (admitted or
 * rejected) and puts the event it causes into the outbox; for an admitted request, generates the
 * key and seals it inside that transaction, so that a key exists exactly when its rotation row and
 * its {@code key.generated} do.
 *
 * <p>Idempotent on the event id: a request whose events are in the outbox already, from the same
 * source with the same content, is a redelivery, and only what was not sent yet goes out again.
 * Once its sent events are purged ({@code outbox.keep-sent}), the rotation row recorded for its
 * event id, with the same source and content, makes it a redelivery that sends nothing. Another
 * request reusing that id goes to the dead-letter topic ({@code REUSED_EVENT_ID}). A transaction
 * that fails (the database is unreachable, or another instance took the target's guard first: the
 * partial unique index) is retried with exponential backoff, from the start, so the retry sees what
 * committed in between.
 */
@ApplicationScoped
public class RequestProcessor {
  /** The CloudEvents source of everything the key-generator writes. */
  public static final String SOURCE = Sources.of("key-generator");

  /**
   * The longest message a {@code rotation.rejected} carries, in characters; a longer one is cut.
   * Admission's messages are shorter; this keeps any answer far below the event size limit.
   */
  static final int MAX_REJECTION_MESSAGE = 4096;

  private static final Logger LOG = Logger.getLogger(RequestProcessor.class);

  @Inject LoadedPolicy policy;
  @Inject Outbox outbox;
  @Inject Clock clock;
  @Inject KeyGeneratorMetrics metrics;
  @Inject KeyGeneratorConfig config;
  @Inject OutcomeProgress outcomes;

  private enum Kind {
    REDELIVERED,
    ADMITTED,
    REJECTED,
    /** Would be IN_FLIGHT: nothing written, decided again once the outcomes are read. */
    BLOCKED
  }

  private record Outcome(
      Kind kind, List<String> eventIds, Rejection reason, Duration generation, String summary) {}

  /**
   * Decides the request and returns the ids of the outbox events to send once the caller is outside
   * the transaction.
   */
  @Retry(
      maxRetries = 12,
      delay = 500,
      jitter = 200,
      maxDuration = 10,
      durationUnit = ChronoUnit.MINUTES,
      abortOn = {DeadLetterException.class, EventTooLargeException.class})
  @ExponentialBackoff(maxDelay = 60, maxDelayUnit = ChronoUnit.SECONDS)
  public List<String> process(EventEnvelope event, RotationRequested request) {
    Duration wait = config.admission().outcomeWait();
    Outcome outcome =
        QuarkusTransaction.requiringNew().call(() -> decide(event, request, !wait.isZero()));
    if (outcome.kind() == Kind.BLOCKED) {
      outcome = decideAfterOutcomes(event, request, outcome.summary(), wait);
    }
    switch (outcome.kind()) {
      case REDELIVERED -> {
        metrics.redelivered();
        LOG.info(outcome.summary());
      }
      case ADMITTED -> {
        metrics.requestProcessed();
        metrics.keyGenerated();
        metrics.generationTook(outcome.generation());
        LOG.info(outcome.summary());
      }
      case REJECTED -> {
        metrics.requestProcessed();
        metrics.rejected(outcome.reason());
        LOG.warn(outcome.summary());
      }
      case BLOCKED -> throw new IllegalStateException("decided without waiting: " + outcome);
    }
    return outcome.eventIds();
  }

  /**
   * Decides a request that found its target in flight again, once the outcome consumer has handled
   * every event sent before on the topics that end rotations (or {@code wait} has passed): the
   * events that end a rotation come on other topics than requests, so a request sent right after
   * its target's rotation ended (by a requester that saw it end, or read again after a restart
   * together with that end) may be read first.
   */
  private Outcome decideAfterOutcomes(
      EventEnvelope event, RotationRequested request, String blocking, Duration wait) {
    LOG.debugf(
        "ROTOR-1003 request %s (rotation %s of %s) found rotation %s in flight: it waits up to %s"
            + " for the events that end rotations to be read, then is decided again",
        event.id(), request.rotationId(), request.targetId(), blocking, wait);
    long started = System.nanoTime();
    OutcomeProgress.Progress progress = outcomes.awaitCaughtUp(request.targetId(), wait);
    long waited = Duration.ofNanos(System.nanoTime() - started).toMillis();
    // Interrupted while waiting (the service stops): decide now, on what is known, rather than
    // fail the transaction on an interrupted thread and dead-letter the request.
    boolean interrupted = Thread.interrupted();
    Outcome outcome;
    try {
      outcome = QuarkusTransaction.requiringNew().call(() -> decide(event, request, false));
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    String which =
        "request "
            + event.id()
            + " (rotation "
            + request.rotationId()
            + " of "
            + request.targetId()
            + ") found rotation "
            + blocking
            + " in flight";
    if (outcome.kind() == Kind.ADMITTED) {
      LOG.infof(
          "ROTOR-1094 %s; %d ms later %s, it had ended: the request is decided",
          which,
          waited,
          progress.caughtUp()
              ? "with the events that end rotations read"
              : "(" + progress.why() + ")");
    } else if (!progress.caughtUp() && outcome.reason() == Rejection.IN_FLIGHT) {
      LOG.warnf(
          "ROTOR-1095 %s; the events that end rotations were not all read after %d ms"
              + " (admission.outcome-wait %s): %s. It is refused as IN_FLIGHT, though that"
              + " rotation may have ended; check the outcomes consumer's lag",
          which, waited, wait, progress.why());
    }
    return outcome;
  }

  private Outcome decide(EventEnvelope event, RotationRequested request, boolean mayWait) {
    Optional<Outbox.EarlierCause> earlierCause = outbox.earlierCause(event.id());
    if (earlierCause.isPresent() && !earlierCause.get().isSameAs(event)) {
      // Not a redelivery: another request with an id already answered. Its answer would get the
      // earlier answer's id (EventEnvelope.causedBy) and be dropped as a duplicate downstream, so
      // it goes to the dead-letter topic, where the sender sees why.
      Outbox.EarlierCause earlier = earlierCause.get();
      throw reusedEventId(event, earlier.source(), earlier.rotationId(), earlier.subject());
    }
    if (earlierCause.isEmpty()) {
      // The outbox rows of an answer sent outbox.keep-sent ago are purged (OutboxPurge); the
      // rotation row recorded for the request still knows it.
      Optional<Rotation> recorded = Rotation.byRequestEvent(event.id());
      if (recorded.isPresent()) {
        return redeliveredAfterPurge(event, request, recorded.get());
      }
    }
    if (earlierCause.isPresent()) {
      List<String> unsent = outbox.unsentCausedBy(event.id());
      return redelivered(
          event,
          request,
          unsent,
          unsent.isEmpty()
              ? "nothing changes"
              : "sending its " + unsent.size() + " unsent event(s) again");
    }
    Instant now = Instants.now(clock);
    Admission.Limits limits =
        new Admission.Limits(
            config.admission().maxReasonLength(), config.admission().maxRequesterLength());

    Rotation earlier = Rotation.findById(request.rotationId());
    if (earlier != null) {
      return reject(
          event,
          request,
          new Decision.Reject(
              Rejection.DUPLICATE,
              "rotation id "
                  + request.rotationId()
                  + " was requested before and names that rotation ("
                  + describe(earlier)
                  + "); this request changes nothing: to rotate again, send a new request with a"
                  + " new rotation id"),
          limits,
          now,
          false);
    }

    Optional<PolicyTarget> target = policy.target(request.targetId());
    Optional<Admission.InFlight> inFlight =
        Rotation.inFlight(request.targetId())
            .map(r -> new Admission.InFlight(r.rotationId, r.requestedBy, r.createdAt));
    Decision decision = Admission.decide(request, target, policy.fileName(), limits, inFlight);
    if (decision instanceof Decision.Reject rejection) {
      if (mayWait && rejection.reason() == Rejection.IN_FLIGHT) {
        return new Outcome(Kind.BLOCKED, List.of(), null, null, rejection.inFlightRotationId());
      }
      return reject(event, request, rejection, limits, now, true);
    }
    Plan plan = ((Decision.Admit) decision).plan();
    return admit(event, request, plan, target.get(), now);
  }

  /**
   * A request whose answer is no longer in the outbox but whose rotation row records its event id:
   * the same request delivered again changes nothing and sends nothing (its answer was sent before
   * its row was purged); another request reusing the id goes to the dead-letter topic, as when the
   * outbox still knows it. A row written before V4 has no digest (V5 copied those V4 wrote from the
   * outbox): the rotation id and the target must match.
   */
  private Outcome redeliveredAfterPurge(
      EventEnvelope event, RotationRequested request, Rotation recorded) {
    boolean same =
        recorded.requestSource == null || recorded.requestDigest == null
            ? recorded.rotationId.equals(request.rotationId())
                && recorded.targetId.equals(request.targetId())
            : recorded.requestSource.equals(event.source())
                && recorded.requestDigest.equals(Outbox.digest(event));
    if (!same) {
      throw reusedEventId(event, recorded.requestSource, recorded.rotationId, recorded.targetId);
    }
    return redelivered(
        event,
        request,
        List.of(),
        "nothing changes (its answer was sent and has been purged from the outbox)");
  }

  private static Outcome redelivered(
      EventEnvelope event, RotationRequested request, List<String> toSend, String what) {
    return new Outcome(
        Kind.REDELIVERED,
        toSend,
        null,
        null,
        "ROTOR-1012 request "
            + event.id()
            + " (rotation "
            + request.rotationId()
            + " of "
            + request.targetId()
            + ") was processed before: "
            + what);
  }

  private static DeadLetterException reusedEventId(
      EventEnvelope event, String earlierSource, String earlierRotationId, String earlierTarget) {
    return new DeadLetterException(
        "REUSED_EVENT_ID",
        "ce_id: event id "
            + event.id()
            + " was already used by "
            + (earlierSource == null ? "an earlier request" : earlierSource)
            + " for rotation "
            + earlierRotationId
            + " of target "
            + earlierTarget
            + ", by a request with other content; nothing is decided: send this request again"
            + " with a new event id");
  }

  private Outcome admit(
      EventEnvelope event, RotationRequested request, Plan plan, PolicyTarget target, Instant now) {
    long started = System.nanoTime();
    KeyGenerated data;
    try (GeneratedKey key = GeneratedKey.generate()) {
      SealedMaterial material = policy.sealer().seal(key, plan);
      data =
          new KeyGenerated(
              request.rotationId(),
              request.targetId(),
              plan,
              request.requestedBy(),
              key.keyId(),
              key.fingerprint(),
              material.sealed(),
              material.escrow(),
              now);
    }
    Duration generation = Duration.ofNanos(System.nanoTime() - started);

    Rotation rotation = new Rotation();
    rotation.rotationId = request.rotationId();
    rotation.targetId = request.targetId();
    rotation.requestEventId = event.id();
    rotation.requestSource = event.source();
    rotation.requestDigest = Outbox.digest(event);
    rotation.status = RotationStatus.IN_FLIGHT;
    rotation.requestedBy = request.requestedBy();
    rotation.allStages = plan.stages().size() == target.plan().stages().size();
    rotation.keyId = data.keyId();
    rotation.fingerprint = data.fingerprint();
    rotation.createdAt = now;
    // Flush now: a guard taken by another instance meanwhile fails here, and the retry rejects.
    rotation.persistAndFlush();

    String eventId =
        outbox.addAnswer(EventEnvelope.causedBy(event.id(), data, SOURCE, clock), event);
    return new Outcome(
        Kind.ADMITTED,
        List.of(eventId),
        null,
        generation,
        "ROTOR-1010 rotation "
            + request.rotationId()
            + " of "
            + request.targetId()
            + " admitted for "
            + request.requestedBy()
            + " on "
            + String.join(", ", plan.stages().stream().map(Stage::cluster).toList())
            + ": key "
            + data.keyId()
            + " (fingerprint "
            + data.fingerprint()
            + ") generated and sealed in "
            + generation.toMillis()
            + " ms for "
            + data.sealed().size()
            + " recipient(s) and the escrow; key.generated "
            + eventId);
  }

  private Outcome reject(
      EventEnvelope event,
      RotationRequested request,
      Decision.Reject rejection,
      Admission.Limits limits,
      Instant now,
      boolean recordRotation) {
    if (recordRotation) {
      Rotation rotation = new Rotation();
      rotation.rotationId = request.rotationId();
      rotation.targetId = request.targetId();
      rotation.requestEventId = event.id();
      rotation.requestSource = event.source();
      rotation.requestDigest = Outbox.digest(event);
      rotation.status = RotationStatus.REJECTED;
      rotation.requestedBy =
          Admission.isUsableRequester(request.requestedBy(), limits) ? request.requestedBy() : null;
      rotation.rejectionReason = rejection.reason();
      rotation.createdAt = now;
      rotation.endedAt = now;
      rotation.persistAndFlush();
    }
    RotationRejected data =
        new RotationRejected(
            request.rotationId(),
            request.targetId(),
            rejection.reason(),
            shortened(rejection.message()),
            rejection.inFlightRotationId());
    String eventId =
        outbox.addAnswer(EventEnvelope.causedBy(event.id(), data, SOURCE, clock), event);
    return new Outcome(
        Kind.REJECTED,
        List.of(eventId),
        rejection.reason(),
        null,
        "ROTOR-1011 rotation "
            + request.rotationId()
            + " of "
            + request.targetId()
            + " rejected, "
            + rejection.reason()
            + ": "
            + rejection.message());
  }

  private static String shortened(String message) {
    if (message.length() <= MAX_REJECTION_MESSAGE) {
      return message;
    }
    int end = MAX_REJECTION_MESSAGE;
    if (Character.isHighSurrogate(message.charAt(end - 1))) {
      end--;
    }
    return message.substring(0, end) + " ... (" + (message.length() - end) + " characters cut)";
  }

  private static String describe(Rotation rotation) {
    return switch (rotation.status) {
      case IN_FLIGHT -> "in flight since " + rotation.createdAt;
      case COMPLETED -> "completed at " + rotation.endedAt;
      case ROLLED_BACK -> "rolled back at " + rotation.endedAt;
      case FAILED -> "failed at " + rotation.endedAt;
      case REJECTED -> "rejected as " + rotation.rejectionReason + " at " + rotation.endedAt;
    };
  }
}
