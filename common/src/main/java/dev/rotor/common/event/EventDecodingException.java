package dev.rotor.common.event;

/**
 * A record that is not a valid event of the contract. It names what is wrong and where, never the
 * offending value (which may be hostile, or a secret sent by mistake); nothing half-built escapes.
 */
public final class EventDecodingException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What kind of problem it is (the dead-letter reason code). */
  public enum Reason {
    /** The data is not a single well-formed JSON document. */
    NOT_JSON,
    /** The data exceeds the size limit. */
    TOO_LARGE,
    /** A CloudEvents attribute (header) is missing. */
    MISSING_ATTRIBUTE,
    /** A CloudEvents attribute (header) appears more than once. */
    DUPLICATE_ATTRIBUTE,
    /** A CloudEvents attribute has a value the contract does not allow. */
    INVALID_ATTRIBUTE,
    /** The type is not one of the contract (or not this version). */
    UNKNOWN_TYPE,
    /** The type does not belong on the topic it arrived on. */
    WRONG_TOPIC,
    /** The source may not produce this type. */
    FORGED_SOURCE,
    /** The data has a field the type does not define. */
    UNKNOWN_FIELD,
    /** A field of the data is missing or has a wrong type or value. */
    INVALID_FIELD,
    /** An attribute disagrees with the data (subject vs. target id, rotationid vs. rotation id). */
    MISMATCH
  }

  private final Reason reason;
  private final String field;

  public EventDecodingException(Reason reason, String field, String problem) {
    super(field + ": " + problem);
    this.reason = reason;
    this.field = field;
  }

  /** The reason code. */
  public Reason reason() {
    return reason;
  }

  /**
   * The header or the path in the data, e.g. {@code ce_source} or {@code plan.stages[0].cluster}.
   */
  public String field() {
    return field;
  }
}
