package dev.rotor.verifier.soak;

import dev.rotor.common.event.Reasons;
import dev.rotor.verifier.Texts;
import dev.rotor.verifier.store.SoakStatus;

/**
 * A verdict of a soak: passed, failed with a reason, or inconclusive.
 *
 * @param status {@code PASSED}, {@code FAILED} or {@code INCONCLUSIVE}
 * @param reason the reason of a failure; null otherwise
 * @param message what happened, in words a person can act on; never key material; cut to {@link
 *     #MAX_MESSAGE} characters
 */
public record Finding(SoakStatus status, Reasons.Verification reason, String message) {
  /**
   * The longest message: lists in it are already cut ({@link Texts#listed}), this bounds the rest,
   * so that a verdict's event stays within the 64 KiB an event may hold.
   */
  static final int MAX_MESSAGE = 4000;

  public Finding {
    // PostgreSQL refuses a NUL in text, and the event codec one in an event: a message quoting
    // what a workload served (a scraped label, a log line) shows it as U+FFFD instead.
    message = message == null ? null : Texts.cut(message.replace('\u0000', '\uFFFD'), MAX_MESSAGE);
  }

  /** Failures by precedence: when a check finds several at once, the first one is the reason. */
  static final java.util.List<Reasons.Verification> PRECEDENCE =
      java.util.List.of(
          Reasons.Verification.FINGERPRINT_MISMATCH,
          Reasons.Verification.STALE_POD,
          Reasons.Verification.DECRYPT_FAILURES,
          Reasons.Verification.FORBIDDEN_LOG,
          Reasons.Verification.CONTAINER_RESTARTS,
          Reasons.Verification.ERROR_RATE,
          Reasons.Verification.LATENCY,
          Reasons.Verification.MISSING_LOG);

  public static Finding failed(Reasons.Verification reason, String message) {
    return new Finding(SoakStatus.FAILED, reason, message);
  }

  public static Finding passed(String message) {
    return new Finding(SoakStatus.PASSED, null, message);
  }

  public static Finding inconclusive(String message) {
    return new Finding(SoakStatus.INCONCLUSIVE, null, message);
  }

  int precedence() {
    return reason == null ? Integer.MAX_VALUE : PRECEDENCE.indexOf(reason);
  }
}
