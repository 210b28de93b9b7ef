package dev.rotor.examples.secrets;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;

/** Configuration of the Secrets Service; see {@code examples/secrets-service/README.md}. */
@ConfigMapping(prefix = "secrets-service")
public interface SecretsServiceConfig {

  /** Where the keyring comes from. */
  KeyringConfig keyring();

  /** The fault switch: errors and latency on purpose, to exercise Rotor's verifier. */
  FaultConfig fault();

  /** Where the keyring comes from. */
  interface KeyringConfig {
    /**
     * {@code directory}: the Secret mounted as files ({@code keyring.primary}, {@code
     * keyring.key.<keyid>}), the recommended way; {@code environment}: the variables {@code
     * ROTOR_KEYRING_PRIMARY} and {@code ROTOR_KEYRING_KEY_<KEYID>} (base64 keys).
     */
    @WithDefault("directory")
    KeyringSource source();

    /** The directory the Secret is mounted at; read when {@code source} is {@code directory}. */
    @WithDefault("/etc/rotor/keyring")
    Path dir();
  }

  /** Where the keyring comes from. */
  enum KeyringSource {
    DIRECTORY,
    ENVIRONMENT
  }

  /**
   * The fault switch; both settings can also be changed at runtime through {@code /admin/fault}.
   */
  interface FaultConfig {
    /**
     * Share of {@code /payloads} requests answered with HTTP 500 on purpose, from 0 (none, the
     * default) to 1 (all).
     */
    @WithDefault("0")
    double errorRatio();

    /**
     * Delay added to every {@code /payloads} request ({@code PT0.5S}, {@code 500ms}); none by
     * default.
     */
    @WithDefault("PT0S")
    Duration extraLatency();

    /** Whether {@code PUT /admin/fault} may change the fault switch of the running service. */
    @WithDefault("false")
    boolean adminEnabled();
  }
}
