package dev.rotor.examples.secrets.keyring;

import static dev.rotor.examples.secrets.SecretsMessages.KEYRING_READ;

import dev.rotor.common.keyring.Keyring;
import dev.rotor.examples.secrets.SecretsServiceConfig;
import dev.rotor.examples.secrets.SecretsServiceConfig.KeyringConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/**
 * Reads the keyring once, at start-up, from the mounted Secret or the environment. Rotor restarts
 * the pods after every change of the Secret (distribute, promote, rollback) and checks that each
 * pod started after it, so the service does not watch the files. The keys are zeroed when the
 * application stops.
 */
@ApplicationScoped
public class KeyringProducer {
  private static final Logger LOG = Logger.getLogger(KeyringProducer.class);

  @Produces
  @Singleton
  Keyring keyring(SecretsServiceConfig config) {
    KeyringConfig settings = config.keyring();
    Keyring keyring;
    String from;
    switch (settings.source()) {
      case ENVIRONMENT -> {
        keyring = Keyring.fromEnvironment(System.getenv());
        from = "the environment (ROTOR_KEYRING_*)";
      }
      case DIRECTORY -> {
        keyring = Keyring.fromDirectory(settings.dir());
        from = "directory " + settings.dir();
      }
      default -> throw new IllegalStateException("secrets-service.keyring.source: unknown");
    }
    // Worded unlike the self-test line, so that a pattern for that line matches only that line.
    LOG.infof(
        "%s keyring read from %s: %d keys %s, %s encrypts",
        KEYRING_READ, from, keyring.keyIds().size(), keyring.keyIds(), keyring.primaryKeyId());
    return keyring;
  }

  void close(@Disposes Keyring keyring) {
    keyring.close();
  }
}
