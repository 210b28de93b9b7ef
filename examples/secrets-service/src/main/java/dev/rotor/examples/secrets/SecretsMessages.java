package dev.rotor.examples.secrets;

/**
 * The fixed ids of the log lines operators and Rotor's verifier match. A line starts with its id,
 * e.g. {@code SECRETS-0100 decrypt failed for payload ..., key id 76960b5f: ...}.
 */
public final class SecretsMessages {
  /** Start-up: the keyring was read (source, key ids). */
  public static final String KEYRING_READ = "SECRETS-0001";

  /** Start-up: "encryption self-test passed, primary key id <id>, decrypt-only ids [<ids>]". */
  public static final String SELF_TEST_PASSED = "SECRETS-0002";

  /** Start-up: the self-test failed; the service does not start. */
  public static final String SELF_TEST_FAILED = "SECRETS-0003";

  /** A stored payload could not be decrypted (unknown key id, or it does not authenticate). */
  public static final String DECRYPT_FAILED = "SECRETS-0100";

  /** The fault switch is on (at start-up, or changed at runtime). */
  public static final String FAULT_SWITCH = "SECRETS-0200";

  /** A request failed on purpose (the fault switch). */
  public static final String INJECTED_FAULT = "SECRETS-0201";

  private SecretsMessages() {}
}
