package dev.rotor.keygen.outbox;

import dev.rotor.common.event.EventCodec;
import dev.rotor.common.event.EventEnvelope;

/**
 * An event that could never be sent, because its data are over the {@value
 * EventCodec#MAX_DATA_BYTES} bytes every consumer accepts, was refused by {@link Outbox#add}: the
 * transaction that decided it must not commit. Retrying does not help; the message names the event,
 * never its data.
 */
public final class EventTooLargeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  EventTooLargeException(EventEnvelope event, int size) {
    super(
        event.type().eventName()
            + " "
            + event.id()
            + " of "
            + event.subject()
            + (event.rotationId() == null ? "" : " (rotation " + event.rotationId() + ")")
            + " would carry "
            + size
            + " bytes of data, more than the "
            + EventCodec.MAX_DATA_BYTES
            + " bytes every consumer accepts; it is not stored and its decision does not commit");
  }
}
