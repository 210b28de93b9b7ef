package dev.rotor.common.messaging;

import dev.rotor.common.event.EventDecodingException;

/**
 * Thrown by a consumer for a record it cannot process. Incoming channels run with {@code
 * failure-strategy=dead-letter-queue}: SmallRye then writes the record to {@code rotor.dlq} with
 * this exception's message as the {@code dead-letter-reason} header (the reason code first, then
 * the field and the problem), and the consumer goes on with the next record.
 */
public final class DeadLetterException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String reasonCode;

  public DeadLetterException(EventDecodingException cause) {
    this(cause.reason().name(), cause.getMessage());
  }

  /**
   * @param reasonCode a stable code (an {@link EventDecodingException.Reason} or a service's own)
   * @param problem what is wrong and where; never a secret, never the offending value
   */
  public DeadLetterException(String reasonCode, String problem) {
    super(reasonCode + " " + problem, null, false, false);
    this.reasonCode = reasonCode;
  }

  /** The stable reason code, the first word of the {@code dead-letter-reason} header. */
  public String reasonCode() {
    return reasonCode;
  }
}
