package dev.rotor.manifest.keyring;

/**
 * The values a rotation writes into the keyring entries, in the manifest's format: sealed for the
 * sealed-secrets controller ({@code sealed-secret}) or base64 ({@code secret}). Implementations
 * hold key material only sealed, or for the shortest time; {@link #close()} zeroes what they hold.
 */
public interface EntryValues extends AutoCloseable {

  /** The value of {@code keyring.key.<new key id>}. */
  String newKeyValue();

  /** The value of {@code keyring.primary} naming {@code keyId}. */
  String primaryValue(String keyId);

  @Override
  void close();
}
