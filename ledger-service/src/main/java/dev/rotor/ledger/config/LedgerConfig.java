package dev.rotor.ledger.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The ledger-service's configuration; checked at start-up by {@link LedgerStartup}. */
@ConfigMapping(prefix = "rotor.ledger")
public interface LedgerConfig {

  /**
   * The log's name: the first line of every checkpoint, e.g. {@code rotor.example.com/ledger}. No
   * spaces, no '+'. Required.
   */
  String origin();

  /** Signed checkpoints. */
  CheckpointConfig checkpoint();

  /** Reading events from Kafka into the store. */
  IngestConfig ingest();

  /** Verification of the whole log. */
  VerificationConfig verification();

  /** The REST API. */
  ApiConfig api();

  /** The database the entries live in. */
  StoreConfig store();

  /** Signed checkpoints. */
  interface CheckpointConfig {
    /**
     * Path of the Ed25519 private key that signs checkpoints: a PKCS#8 PEM file ({@code openssl
     * genpkey -algorithm ed25519 -out ledger-key.pem}), readable by the service only. Required.
     */
    Path signingKeyFile();

    /** The key's name in signature lines and in the verifier key; the origin if unset. */
    Optional<String> keyName();

    /** Issue a checkpoint once this many entries were appended since the last one. */
    @WithDefault("1000")
    int everyEntries();

    /**
     * Issue a checkpoint this often when entries other than checkpoints were appended since the
     * last one (e.g. {@code 5m}, {@code 30s}).
     */
    @WithDefault("5m")
    Duration interval();

    /** Issue a checkpoint when a rotation ends (completed, rolled back, failed or rejected). */
    @WithDefault("true")
    boolean atRotationEnd();

    /**
     * Verifier keys ({@code name+id+key}) of earlier signing keys, so that checkpoints signed
     * before a key rotation still verify.
     */
    Optional<List<String>> previousVerifierKeys();

    /** How long publishing one checkpoint on rotor.ledger may take before it is retried later. */
    @WithDefault("10s")
    Duration publishTimeout();

    /**
     * Failed publications of one checkpoint in a row, for a reason not known to be transient, after
     * which it is quarantined so that the checkpoints after it are published, once {@code
     * quarantine-after} has passed too (a timeout or an unreachable broker never counts; a record
     * Kafka refuses for good is quarantined at once).
     */
    @WithDefault("10")
    int publishMaxAttempts();

    /**
     * How long after the first of those failures a checkpoint is quarantined at the earliest, so
     * that a short failure every checkpoint meets alike does not quarantine one; {@code 0s}
     * quarantines on the count alone.
     */
    @WithDefault("5m")
    Duration quarantineAfter();
  }

  /** Reading events from Kafka into the store. */
  interface IngestConfig {
    /** The first wait after a batch failed on the database; it doubles up to max-retry-backoff. */
    @WithDefault("250ms")
    Duration retryBackoff();

    /** The longest wait between two attempts at the same batch. */
    @WithDefault("15s")
    Duration maxRetryBackoff();
  }

  /** Verification of the whole log. */
  interface VerificationConfig {
    /**
     * How often the service verifies its whole log by itself ({@code 24h}, {@code off}); the result
     * is logged, counted and served at /ledger/verification/latest.
     */
    @WithDefault("off")
    String every();

    /** The most findings one verification report lists (counting goes on past it). */
    @WithDefault("100")
    int maxFindings();
  }

  /** The REST API. */
  interface ApiConfig {
    /** The most rows one list request returns. */
    @WithDefault("500")
    int maxPageSize();
  }

  /** The database the entries live in. */
  interface StoreConfig {
    /**
     * Refuse to start when the application's database role may UPDATE, DELETE or TRUNCATE the
     * entries or checkpoints, or owns them (it should only SELECT and INSERT).
     */
    @WithDefault("true")
    boolean requireAppendOnlyRole();
  }
}
