package dev.rotor.common.keyring;

import static dev.rotor.common.keyring.KeyringLayout.requireKeyId;

import dev.rotor.common.crypto.Fingerprints;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The keyring of one target: which key encrypts (the primary) and every key that can decrypt,
 * newest first. Immutable; the transitions of a rotation return a new state with the Secret entries
 * they touch.
 *
 * <p>A rotation, per stage: {@link #distribute} (the new key joins as decrypt-only; rollout), then
 * {@link #promote} (it becomes primary, the old primary stays decrypt-only; rollout). {@link
 * #rollback} makes the old key primary again and keeps the new one decrypt-only, so what was
 * written with the new key during the window stays readable.
 *
 * @param primaryKeyId the key that encrypts
 * @param keyIds every key in the ring, newest first; contains the primary
 */
public record KeyringState(String primaryKeyId, List<String> keyIds) {

  public KeyringState {
    requireKeyId(primaryKeyId, "primaryKeyId");
    if (keyIds == null || keyIds.isEmpty()) {
      throw layout("keyIds: a keyring holds at least its primary key");
    }
    keyIds = List.copyOf(keyIds);
    Set<String> seen = new HashSet<>();
    for (String keyId : keyIds) {
      requireKeyId(keyId, "keyIds");
      if (!seen.add(keyId)) {
        throw layout("keyIds: key " + keyId + " is listed twice");
      }
    }
    if (!seen.contains(primaryKeyId)) {
      throw layout(
          "primaryKeyId: the primary " + primaryKeyId + " is not one of the keys " + keyIds);
    }
  }

  /**
   * A keyring of one key, which is primary (a target's first key, or one adopted from a runbook).
   */
  public static KeyringState initial(String keyId) {
    return new KeyringState(keyId, List.of(keyId));
  }

  /**
   * Reads the state from a Secret's layout: the value of {@code keyring.primary} and the Secret's
   * data keys in manifest order (Rotor writes {@code keyring.key.*} entries newest first). Data
   * keys outside the keyring are ignored; whitespace around the primary value is ignored.
   *
   * @throws KeyringException {@link KeyringException.Reason#INVALID_LAYOUT} naming the bad entry
   */
  public static KeyringState fromSecretLayout(
      String primaryValue, Collection<String> dataKeysInManifestOrder) {
    if (primaryValue == null) {
      throw layout(KeyringLayout.PRIMARY_DATA_KEY + ": missing; the Secret has no keyring");
    }
    String primary = primaryValue.strip();
    if (!Fingerprints.isKeyId(primary)) {
      throw layout(
          KeyringLayout.PRIMARY_DATA_KEY
              + ": its value is not a key id (8 lowercase hex characters)");
    }
    List<String> keyIds = new ArrayList<>();
    for (String dataKey :
        dataKeysInManifestOrder == null ? List.<String>of() : dataKeysInManifestOrder) {
      if (dataKey == null || !dataKey.startsWith(KeyringLayout.KEY_DATA_KEY_PREFIX)) {
        continue;
      }
      String keyId =
          KeyringLayout.keyIdOfDataKey(dataKey)
              .orElseThrow(
                  () ->
                      layout(
                          "data key '"
                              + dataKey
                              + "' does not end in a key id (keyring.key.<8 lowercase hex>)"));
      keyIds.add(keyId);
    }
    if (!keyIds.contains(primary)) {
      throw layout(
          KeyringLayout.PRIMARY_DATA_KEY
              + " names "
              + primary
              + " but the Secret has no "
              + KeyringLayout.KEY_DATA_KEY_PREFIX
              + primary);
    }
    return new KeyringState(primary, keyIds);
  }

  /** The keys that decrypt only (every key but the primary), newest first. */
  public List<String> decryptOnlyKeyIds() {
    return keyIds.stream().filter(id -> !id.equals(primaryKeyId)).toList();
  }

  /** Whether the key is in the ring. */
  public boolean contains(String keyId) {
    return keyIds.contains(keyId);
  }

  /** Every data key of this keyring in the Secret: {@code keyring.primary} and one per key. */
  public SortedSet<String> dataKeys() {
    SortedSet<String> dataKeys = new TreeSet<>();
    dataKeys.add(KeyringLayout.PRIMARY_DATA_KEY);
    keyIds.forEach(id -> dataKeys.add(KeyringLayout.dataKeyOf(id)));
    return dataKeys;
  }

  /**
   * Adds a new key as decrypt-only, newest; the primary stays. Adds {@code keyring.key.<newKeyId>}.
   *
   * @throws KeyringException {@link KeyringException.Reason#ALREADY_IN_KEYRING} when the key is
   *     already there (a key id collision or a replayed step)
   */
  public KeyringUpdate distribute(String newKeyId) {
    requireKeyId(newKeyId, "newKeyId");
    if (contains(newKeyId)) {
      throw new KeyringException(
          KeyringException.Reason.ALREADY_IN_KEYRING,
          "cannot distribute key "
              + newKeyId
              + ": it is already in the keyring"
              + (newKeyId.equals(primaryKeyId) ? " as primary" : " as decrypt-only")
              + "; a rotation distributes a new key (generate another on a key id collision)");
    }
    List<String> next = new ArrayList<>(keyIds.size() + 1);
    next.add(newKeyId);
    next.addAll(keyIds);
    return new KeyringUpdate(
        new KeyringState(primaryKeyId, next), set(KeyringLayout.dataKeyOf(newKeyId)), set(), set());
  }

  /**
   * Makes a distributed key the primary. The demoted primary always stays as decrypt-only; other
   * decrypt-only keys are kept newest first until {@code previousKeys} decrypt-only keys remain,
   * the older ones are removed. Changes {@code keyring.primary}, removes the dropped keys' entries.
   *
   * @param previousKeys how many decrypt-only keys stay (at least 1)
   * @throws KeyringException {@link KeyringException.Reason#NOT_DISTRIBUTED} when the key is not in
   *     the ring, {@link KeyringException.Reason#ALREADY_PRIMARY} when it is the primary already,
   *     {@link KeyringException.Reason#INVALID_DEPTH} when {@code previousKeys < 1}
   */
  public KeyringUpdate promote(String newKeyId, int previousKeys) {
    requireKeyId(newKeyId, "newKeyId");
    if (previousKeys < 1) {
      throw new KeyringException(
          KeyringException.Reason.INVALID_DEPTH,
          "previousKeys: "
              + previousKeys
              + " is too small; at least 1 decrypt-only key must stay so the demoted primary can"
              + " still decrypt what it wrote");
    }
    if (!contains(newKeyId)) {
      throw new KeyringException(
          KeyringException.Reason.NOT_DISTRIBUTED,
          "cannot promote key "
              + newKeyId
              + ": it was never distributed (the keyring holds "
              + keyIds
              + "); distribute it and roll it out first");
    }
    if (newKeyId.equals(primaryKeyId)) {
      throw new KeyringException(
          KeyringException.Reason.ALREADY_PRIMARY,
          "cannot promote key " + newKeyId + ": it is already the primary");
    }
    String demoted = primaryKeyId;
    Set<String> keep = new HashSet<>();
    keep.add(newKeyId);
    keep.add(demoted);
    for (String keyId : keyIds) {
      if (keep.size() - 1 >= previousKeys) {
        break;
      }
      keep.add(keyId);
    }
    List<String> next = new ArrayList<>();
    SortedSet<String> removed = new TreeSet<>();
    for (String keyId : keyIds) {
      if (keep.contains(keyId)) {
        next.add(keyId);
      } else {
        removed.add(KeyringLayout.dataKeyOf(keyId));
      }
    }
    return new KeyringUpdate(
        new KeyringState(newKeyId, next), set(), set(KeyringLayout.PRIMARY_DATA_KEY), removed);
  }

  /**
   * Undoes a rotation: {@code oldPrimaryId} is primary again and {@code newKeyId} stays as
   * decrypt-only, so data written with it stays readable. After a distribute without a promote the
   * primary is still the old key and nothing changes (an empty update).
   *
   * @throws KeyringException {@link KeyringException.Reason#NOT_IN_KEYRING} when the old primary is
   *     gone, {@link KeyringException.Reason#NOT_DISTRIBUTED} when the new key is not in the ring,
   *     {@link KeyringException.Reason#PRIMARY_CHANGED} when the primary is neither key
   */
  public KeyringUpdate rollback(String oldPrimaryId, String newKeyId) {
    requireKeyId(oldPrimaryId, "oldPrimaryId");
    requireKeyId(newKeyId, "newKeyId");
    if (oldPrimaryId.equals(newKeyId)) {
      throw layout("cannot roll back: the old primary and the new key are both " + newKeyId);
    }
    if (!contains(oldPrimaryId)) {
      throw new KeyringException(
          KeyringException.Reason.NOT_IN_KEYRING,
          "cannot roll back to key "
              + oldPrimaryId
              + ": it is no longer in the keyring (which holds "
              + keyIds
              + "); restore it from Git history");
    }
    if (!contains(newKeyId)) {
      throw new KeyringException(
          KeyringException.Reason.NOT_DISTRIBUTED,
          "cannot roll back key "
              + newKeyId
              + ": it was never distributed (the keyring holds "
              + keyIds
              + ")");
    }
    if (primaryKeyId.equals(oldPrimaryId)) {
      return new KeyringUpdate(this, set(), set(), set());
    }
    if (!primaryKeyId.equals(newKeyId)) {
      throw new KeyringException(
          KeyringException.Reason.PRIMARY_CHANGED,
          "cannot roll back from "
              + newKeyId
              + " to "
              + oldPrimaryId
              + ": the primary is "
              + primaryKeyId
              + ", so the keyring changed since this rotation");
    }
    return new KeyringUpdate(
        new KeyringState(oldPrimaryId, keyIds), set(), set(KeyringLayout.PRIMARY_DATA_KEY), set());
  }

  /**
   * Undoes a rotation whose new key never reached a Secret in usable form: like {@link #rollback},
   * and the new key's entry goes too. Only for a key nothing can have encrypted with (it was never
   * primary in any Secret); a sealed entry no controller can open would otherwise keep the whole
   * SealedSecret from being unsealed.
   *
   * @throws KeyringException as {@link #rollback}
   */
  public KeyringUpdate withdraw(String oldPrimaryId, String newKeyId) {
    KeyringUpdate rolledBack = rollback(oldPrimaryId, newKeyId);
    List<String> kept = new ArrayList<>(keyIds);
    kept.remove(newKeyId);
    return new KeyringUpdate(
        new KeyringState(oldPrimaryId, kept),
        set(),
        rolledBack.changed(),
        set(KeyringLayout.dataKeyOf(newKeyId)));
  }

  private static SortedSet<String> set(String... values) {
    return new TreeSet<>(List.of(values));
  }

  private static KeyringException layout(String message) {
    return new KeyringException(KeyringException.Reason.INVALID_LAYOUT, message);
  }
}
