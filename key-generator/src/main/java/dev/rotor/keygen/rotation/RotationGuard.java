package dev.rotor.keygen.rotation;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.RotationCompleted;
import dev.rotor.keygen.Instants;
import dev.rotor.keygen.KeyGeneratorMetrics;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.faulttolerance.api.ExponentialBackoff;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.jboss.logging.Logger;

/**
 * Ends rotations: a terminal event of a rotation in flight sets its final status, which releases
 * the target's in-flight guard. Idempotent: a rotation that ended already stays as it is.
 */
@ApplicationScoped
public class RotationGuard {
  private static final Logger LOG = Logger.getLogger(RotationGuard.class);

  @Inject Clock clock;
  @Inject KeyGeneratorMetrics metrics;

  /**
   * Ends the rotation of {@code event} with {@code status} if it is in flight.
   *
   * @return whether this call ended it
   */
  @Retry(
      maxRetries = 12,
      delay = 500,
      jitter = 200,
      maxDuration = 10,
      durationUnit = ChronoUnit.MINUTES)
  @ExponentialBackoff(maxDelay = 60, maxDelayUnit = ChronoUnit.SECONDS)
  public boolean release(EventEnvelope event, RotationStatus status) {
    Outcome outcome = QuarkusTransaction.requiringNew().call(() -> end(event, status));
    String message = outcome.message();
    boolean ended = message.startsWith("ROTOR-1020");
    if (ended) {
      metrics.rotationEnded(status.name());
      LOG.info(message);
    } else if (message.startsWith("ROTOR-1022")) {
      LOG.warn(message);
    } else {
      LOG.info(message);
    }
    if (outcome.mismatch() != null) {
      LOG.warn(outcome.mismatch());
    }
    return ended;
  }

  /** What {@link #end} did, and a ROTOR-1024 warning when the fingerprints differ (else null). */
  private record Outcome(String message, String mismatch) {
    Outcome(String message) {
      this(message, null);
    }
  }

  private Outcome end(EventEnvelope event, RotationStatus status) {
    String what = event.type().eventName() + " " + event.id();
    Rotation rotation = Rotation.findById(event.rotationId());
    if (rotation == null) {
      return new Outcome(
          "ROTOR-1021 "
              + what
              + " ends rotation "
              + event.rotationId()
              + ", which this key-generator never admitted; nothing to release");
    }
    if (!rotation.targetId.equals(event.subject())) {
      return new Outcome(
          "ROTOR-1022 "
              + what
              + " names target "
              + event.subject()
              + ", but rotation "
              + rotation.rotationId
              + " is of target "
              + rotation.targetId
              + "; ignored, the guard stays");
    }
    if (rotation.status != RotationStatus.IN_FLIGHT) {
      return new Outcome(
          "ROTOR-1023 "
              + what
              + ": rotation "
              + rotation.rotationId
              + " of "
              + rotation.targetId
              + " ended before ("
              + rotation.status
              + "); nothing changes");
    }
    Instant now = Instants.now(clock);
    Instant time = Instants.millis(event.time());
    rotation.status = status;
    // An event time in the future (clock skew) must not push the next cadence due date out.
    rotation.endedAt = time.isAfter(now) ? now : time;
    rotation.endEventId = event.id();
    String mismatch = null;
    if (event.data() instanceof RotationCompleted completed
        && !completed.fingerprint().equals(rotation.fingerprint)) {
      mismatch =
          "ROTOR-1024 "
              + what
              + " of rotation "
              + rotation.rotationId
              + " of "
              + rotation.targetId
              + " reports fingerprint "
              + completed.fingerprint()
              + ", but the key generated for it has fingerprint "
              + rotation.fingerprint
              + "; the rotation is recorded as completed: check which key the target holds";
    }
    return new Outcome(
        "ROTOR-1020 rotation "
            + rotation.rotationId
            + " of "
            + rotation.targetId
            + " ended "
            + status
            + " ("
            + what
            + "): the target may be rotated again",
        mismatch);
  }
}
