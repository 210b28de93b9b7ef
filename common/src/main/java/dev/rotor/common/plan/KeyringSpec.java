package dev.rotor.common.plan;

/**
 * How the target's keyring is kept in its Secret.
 *
 * @param previousKeys how many decrypt-only keys stay in the keyring after a promotion (at least 1,
 *     so the key that was primary before the rotation can still decrypt what it wrote)
 */
public record KeyringSpec(int previousKeys) {
  public KeyringSpec {
    if (previousKeys < 1 || previousKeys > 16) {
      throw new IllegalArgumentException("keyring.previousKeys: must be between 1 and 16");
    }
  }
}
