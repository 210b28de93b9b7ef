package dev.rotor.ledger.config;

/**
 * Configuration the service cannot start with. The message starts with the configuration key and
 * says what is wrong, never what a secret holds.
 */
public final class LedgerConfigurationException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public LedgerConfigurationException(String key, String problem) {
    super(key + ": " + problem);
  }
}
