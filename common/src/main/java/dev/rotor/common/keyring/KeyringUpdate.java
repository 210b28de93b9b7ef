package dev.rotor.common.keyring;

import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The result of a keyring transition: the new state, and the Secret data keys to add, change and
 * remove to get there, so a manifest editor touches only those entries. The value of an added
 * {@code keyring.key.<keyid>} is that key; the value of a changed {@code keyring.primary} is {@link
 * KeyringState#primaryKeyId()}.
 *
 * @param state the keyring after the transition
 * @param added data keys that are new
 * @param changed data keys whose value changes
 * @param removed data keys that go
 */
public record KeyringUpdate(
    KeyringState state,
    SortedSet<String> added,
    SortedSet<String> changed,
    SortedSet<String> removed) {

  public KeyringUpdate {
    if (state == null) {
      throw new IllegalArgumentException("state: is required");
    }
    added = immutable(added);
    changed = immutable(changed);
    removed = immutable(removed);
  }

  /** Whether the transition changes nothing in the Secret. */
  public boolean isEmpty() {
    return added.isEmpty() && changed.isEmpty() && removed.isEmpty();
  }

  private static SortedSet<String> immutable(SortedSet<String> set) {
    return Collections.unmodifiableSortedSet(new TreeSet<>(set == null ? new TreeSet<>() : set));
  }
}
