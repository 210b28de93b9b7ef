package dev.rotor.common.event;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * The two rollouts of every stage. The keyring makes them safe: after {@link #DISTRIBUTE} every pod
 * can decrypt with the new key; only then does {@link #PROMOTE} make it the key that encrypts.
 */
public enum Phase {
  /** The new key is added to the keyring as decrypt-only. */
  DISTRIBUTE,
  /** The new key becomes primary; the old primary stays decrypt-only. */
  PROMOTE,
  /** The old primary is restored; the new key stays decrypt-only. */
  ROLLBACK;

  @JsonValue
  public String id() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  @JsonCreator
  public static Phase of(String id) {
    for (Phase p : values()) {
      if (p.id().equals(id)) {
        return p;
      }
    }
    throw new IllegalArgumentException("unknown phase; expected distribute, promote or rollback");
  }
}
