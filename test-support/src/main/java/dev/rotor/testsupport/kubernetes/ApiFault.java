package dev.rotor.testsupport.kubernetes;

import java.time.Duration;

/**
 * What the API server answers instead of doing a request: an error status (as a real API server
 * writes it, a {@code Status} object), or a request that hangs without taking effect, as when the
 * connection to a server is lost or the agent process dies mid-request.
 *
 * @param code the HTTP status code
 * @param reason the {@code Status.reason} ({@code Forbidden}, {@code NotFound}, ...)
 * @param message the {@code Status.message}
 * @param delay how long the answer is held back; {@link Duration#ZERO} answers at once
 */
public record ApiFault(int code, String reason, String message, Duration delay) {

  /** How long a {@link #hang()} holds a request: longer than any test waits. */
  public static final Duration HANG = Duration.ofMinutes(10);

  /** An error status. */
  public static ApiFault status(int code, String reason, String message) {
    return new ApiFault(code, reason, message, Duration.ZERO);
  }

  /** HTTP 403 as RBAC denies a request. */
  public static ApiFault forbidden(String message) {
    return status(403, "Forbidden", message);
  }

  /** HTTP 503, as a server that is briefly unavailable. */
  public static ApiFault unavailable() {
    return status(
        503, "ServiceUnavailable", "the server is currently unable to handle the request");
  }

  /** A request that gets no answer (for {@link #HANG}) and changes nothing. */
  public static ApiFault hang() {
    return new ApiFault(504, "Timeout", "the request was held by the test", HANG);
  }
}
