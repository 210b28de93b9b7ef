package dev.rotor.examples.secrets.keyring;

import static dev.rotor.examples.secrets.SecretsMessages.SELF_TEST_FAILED;
import static dev.rotor.examples.secrets.SecretsMessages.SELF_TEST_PASSED;

import dev.rotor.common.crypto.Drbg;
import dev.rotor.common.keyring.Keyring;
import dev.rotor.common.keyring.KeyringException;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Arrays;
import org.jboss.logging.Logger;

/**
 * Proves the keyring at start-up, before the service takes traffic: a random value encrypted with
 * the primary key decrypts back, and the same value with one bit changed is refused. Logs exactly
 * one line that Rotor's verifier matches:
 *
 * <pre>
 * SECRETS-0002 encryption self-test passed, primary key id 99f59ac9, decrypt-only ids [76960b5f]
 * </pre>
 *
 * On failure it logs {@code SECRETS-0003} and the service does not start.
 */
@ApplicationScoped
public class EncryptionSelfTest {
  private static final Logger LOG = Logger.getLogger(EncryptionSelfTest.class);

  void onStart(@Observes StartupEvent event, Keyring keyring) {
    String failure = run(keyring);
    if (failure != null) {
      LOG.errorf(
          "%s encryption self-test failed, primary key id %s: %s",
          SELF_TEST_FAILED, keyring.primaryKeyId(), failure);
      throw new IllegalStateException("encryption self-test failed: " + failure);
    }
    LOG.infof(
        "%s encryption self-test passed, primary key id %s, decrypt-only ids %s",
        SELF_TEST_PASSED, keyring.primaryKeyId(), keyring.decryptOnlyKeyIds());
  }

  /** The reason the self-test fails, or null when it passes. */
  static String run(Keyring keyring) {
    byte[] probe = new byte[32];
    Drbg.shared().nextBytes(probe);
    try {
      byte[] ciphertext = keyring.encrypt(probe);
      if (!keyring.primaryKeyId().equals(Keyring.keyIdOf(ciphertext))) {
        return "the ciphertext names key " + Keyring.keyIdOf(ciphertext) + ", not the primary";
      }
      if (!Arrays.equals(probe, keyring.decrypt(ciphertext))) {
        return "the value did not decrypt back to what was encrypted";
      }
      ciphertext[ciphertext.length - 1] ^= 1;
      try {
        keyring.decrypt(ciphertext);
        return "a value with a changed bit was not refused";
      } catch (KeyringException expected) {
        return null;
      }
    } catch (KeyringException e) {
      return e.getMessage();
    } finally {
      Arrays.fill(probe, (byte) 0);
    }
  }
}
