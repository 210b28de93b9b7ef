package dev.rotor.ledger.note;

/** A note, a checkpoint or a key that is malformed; the message names the part, not its value. */
public final class NoteException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public NoteException(String message) {
    super(message);
  }

  public NoteException(String message, Throwable cause) {
    super(message, cause);
  }
}
