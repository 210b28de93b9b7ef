package dev.rotor.manifest.keyring;

import dev.rotor.common.event.Reasons;
import dev.rotor.common.keyring.KeyringException;
import dev.rotor.common.keyring.KeyringLayout;
import dev.rotor.common.keyring.KeyringState;
import dev.rotor.common.keyring.KeyringUpdate;
import dev.rotor.manifest.RotationFailedException;
import dev.rotor.manifest.yaml.DataChange;
import java.util.ArrayList;
import java.util.List;

/**
 * One step of a rotation on the manifest's keyring: the state after it, and the data changes that
 * get there (exactly the entries {@link KeyringUpdate} names, so the diff touches only them).
 *
 * @param before the keyring before; null for a new keyring
 * @param after the keyring after
 * @param changes what to change in the manifest; empty when nothing changes
 */
public record KeyringTransition(KeyringState before, KeyringState after, List<DataChange> changes) {

  public KeyringTransition {
    changes = List.copyOf(changes);
  }

  /**
   * Adds the new key as decrypt-only. A new keyring gets the key and a primary naming it at once:
   * there is no older key a reader must keep using.
   */
  public static KeyringTransition distribute(
      KeyringState before, String newKeyId, EntryValues values) {
    if (before == null) {
      return new KeyringTransition(
          null,
          KeyringState.initial(newKeyId),
          List.of(
              new DataChange.Put(KeyringLayout.PRIMARY_DATA_KEY, values.primaryValue(newKeyId)),
              new DataChange.Put(KeyringLayout.dataKeyOf(newKeyId), values.newKeyValue())));
    }
    KeyringUpdate update = guarded(() -> before.distribute(newKeyId));
    return new KeyringTransition(before, update.state(), changes(update, values));
  }

  /**
   * Makes the new key primary; decrypt-only keys beyond {@code previousKeys} drop out. After a new
   * keyring's distribute the key is primary already and nothing changes.
   */
  public static KeyringTransition promote(
      KeyringState distributed,
      boolean newKeyring,
      String newKeyId,
      int previousKeys,
      EntryValues values) {
    if (newKeyring) {
      return new KeyringTransition(distributed, distributed, List.of());
    }
    KeyringUpdate update = guarded(() -> distributed.promote(newKeyId, previousKeys));
    return new KeyringTransition(distributed, update.state(), changes(update, values));
  }

  /**
   * Makes the old primary primary again and keeps the new key decrypt-only; with {@code
   * withdrawNewKey} (a key that never reached a Secret in usable form) its entry goes instead.
   */
  public static KeyringTransition rollback(
      KeyringState current,
      String oldPrimaryId,
      String newKeyId,
      boolean withdrawNewKey,
      EntryValues values) {
    KeyringUpdate update;
    try {
      update =
          withdrawNewKey
              ? current.withdraw(oldPrimaryId, newKeyId)
              : current.rollback(oldPrimaryId, newKeyId);
    } catch (KeyringException e) {
      throw new RotationFailedException(
          Reasons.RotationFailure.ROLLBACK_FAILED, "keyring: " + e.getMessage());
    }
    return new KeyringTransition(current, update.state(), changes(update, values));
  }

  private static List<DataChange> changes(KeyringUpdate update, EntryValues values) {
    List<DataChange> changes = new ArrayList<>();
    for (String added : update.added()) {
      changes.add(new DataChange.Put(added, values.newKeyValue()));
    }
    for (String changed : update.changed()) {
      if (!changed.equals(KeyringLayout.PRIMARY_DATA_KEY)) {
        throw new IllegalStateException("unexpected change of " + changed);
      }
      changes.add(new DataChange.Put(changed, values.primaryValue(update.state().primaryKeyId())));
    }
    for (String removed : update.removed()) {
      changes.add(new DataChange.Remove(removed));
    }
    return changes;
  }

  private static KeyringUpdate guarded(java.util.function.Supplier<KeyringUpdate> step) {
    try {
      return step.get();
    } catch (KeyringException e) {
      throw RotationFailedException.invalid("keyring: " + e.getMessage());
    }
  }
}
