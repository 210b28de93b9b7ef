package dev.rotor.examples.secrets.metrics;

import dev.rotor.common.keyring.Keyring;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * The service's own metrics, each tagged with the key id (never a key):
 *
 * <ul>
 *   <li>{@code secrets_decrypt_failures_total{key_id}}: payloads that could not be decrypted;
 *       registered at 0 for every key in the ring at start-up, so the series exist before the first
 *       failure (a missing series reads as "no data" to the verifier).
 *   <li>{@code secrets_payloads_encrypted_total{key_id}} and {@code
 *       secrets_payloads_decrypted_total{key_id}}: which keys are in use.
 *   <li>{@code secrets_keyring_keys{key_id, role}}: 1 per key in the ring, role {@code primary} or
 *       {@code decrypt-only}.
 *   <li>{@code secrets_faults_injected_total}: requests the fault switch failed on purpose.
 * </ul>
 */
@ApplicationScoped
public class SecretsMetrics {
  public static final String DECRYPT_FAILURES = "secrets.decrypt.failures";
  public static final String ENCRYPTED = "secrets.payloads.encrypted";
  public static final String DECRYPTED = "secrets.payloads.decrypted";
  public static final String KEYRING_KEYS = "secrets.keyring.keys";
  public static final String FAULTS_INJECTED = "secrets.faults.injected";
  public static final String KEY_ID = "key_id";

  @Inject MeterRegistry registry;

  void onStart(@Observes StartupEvent event, Keyring keyring) {
    for (String keyId : keyring.keyIds()) {
      decryptFailures(keyId);
      String role = keyId.equals(keyring.primaryKeyId()) ? "primary" : "decrypt-only";
      Gauge.builder(KEYRING_KEYS, () -> 1)
          .description("Keys in the keyring, by role")
          .tags(KEY_ID, keyId, "role", role)
          .register(registry);
    }
    faultsInjected();
  }

  public void decryptFailed(String keyId) {
    decryptFailures(keyId).increment();
  }

  public void encrypted(String keyId) {
    Counter.builder(ENCRYPTED)
        .description("Payloads encrypted, by key id")
        .tag(KEY_ID, keyId)
        .register(registry)
        .increment();
  }

  public void decrypted(String keyId) {
    Counter.builder(DECRYPTED)
        .description("Payloads decrypted, by key id")
        .tag(KEY_ID, keyId)
        .register(registry)
        .increment();
  }

  public void faultInjected() {
    faultsInjected().increment();
  }

  private Counter decryptFailures(String keyId) {
    return Counter.builder(DECRYPT_FAILURES)
        .description("Payloads that could not be decrypted, by the key id they name")
        .tag(KEY_ID, keyId)
        .register(registry);
  }

  private Counter faultsInjected() {
    return Counter.builder(FAULTS_INJECTED)
        .description("Requests failed on purpose by the fault switch")
        .register(registry);
  }
}
