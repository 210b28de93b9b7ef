/**
 * The keyring in a target's Secret, as a pure model: the Secret's layout ({@link
 * dev.rotor.common.keyring.KeyringLayout}), the keyring's state and its transitions during a
 * rotation ({@link dev.rotor.common.keyring.KeyringState}: distribute, promote, rollback), and the
 * keyring ciphertext format. No I/O and no key material: the model works on key ids. The layout for
 * workloads in any language is documented in {@code docs/keyring.md}.
 *
 * <p>The one exception is {@link dev.rotor.common.keyring.Keyring}, the workload side: it reads the
 * keys from the mounted Secret (or environment variables) and encrypts and decrypts with them
 * (AES-256-GCM from the JDK).
 */
package dev.rotor.common.keyring;
