package dev.rotor.ledger.config;

import dev.rotor.ledger.checkpoint.CheckpointPublisher;
import dev.rotor.ledger.checkpoint.LedgerKeys;
import dev.rotor.ledger.store.DatabaseGuards;
import dev.rotor.ledger.store.DuplicateEndRepair;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Start-up checks: the origin and the signing key load, and the database role the service runs as
 * can only read and append. Anything wrong stops the start with a message that names the
 * configuration key. Then records an earlier version ended with a {@code DUPLICATE} rejection are
 * folded again ({@link DuplicateEndRepair}), and checkpoints left unpublished by a previous run are
 * sent.
 */
@ApplicationScoped
public class LedgerStartup {
  private static final Logger LOG = Logger.getLogger(LedgerStartup.class);

  @Inject LedgerConfig config;
  @Inject LedgerKeys keys;
  @Inject DatabaseGuards guards;
  @Inject CheckpointPublisher publisher;
  @Inject DuplicateEndRepair duplicateEnds;

  void onStart(@Observes StartupEvent event) {
    try {
      if (config.checkpoint().everyEntries() < 1) {
        throw new LedgerConfigurationException(
            "rotor.ledger.checkpoint.every-entries",
            "must be at least 1, is " + config.checkpoint().everyEntries());
      }
      requirePositive("rotor.ledger.checkpoint.interval", config.checkpoint().interval());
      requirePositive(
          "rotor.ledger.checkpoint.publish-timeout", config.checkpoint().publishTimeout());
      requirePositive("rotor.ledger.ingest.retry-backoff", config.ingest().retryBackoff());
      if (config.ingest().maxRetryBackoff().compareTo(config.ingest().retryBackoff()) < 0) {
        throw new LedgerConfigurationException(
            "rotor.ledger.ingest.max-retry-backoff",
            "must not be shorter than rotor.ledger.ingest.retry-backoff ("
                + config.ingest().retryBackoff()
                + "), is "
                + config.ingest().maxRetryBackoff());
      }
      if (config.api().maxPageSize() < 1) {
        throw new LedgerConfigurationException(
            "rotor.ledger.api.max-page-size",
            "must be at least 1, is " + config.api().maxPageSize());
      }
      if (config.verification().maxFindings() < 1) {
        throw new LedgerConfigurationException(
            "rotor.ledger.verification.max-findings",
            "must be at least 1, is " + config.verification().maxFindings());
      }
      if (config.checkpoint().publishMaxAttempts() < 1) {
        throw new LedgerConfigurationException(
            "rotor.ledger.checkpoint.publish-max-attempts",
            "must be at least 1, is " + config.checkpoint().publishMaxAttempts());
      }
      if (config.checkpoint().quarantineAfter().isNegative()) {
        throw new LedgerConfigurationException(
            "rotor.ledger.checkpoint.quarantine-after",
            "must not be negative, is " + config.checkpoint().quarantineAfter());
      }
      keys.load();
      if (config.store().requireAppendOnlyRole()) {
        List<String> problems = guards.appendOnlyProblems();
        if (!problems.isEmpty()) {
          throw new LedgerConfigurationException(
              "quarkus.datasource.username",
              "the service's database role "
                  + String.join("; ", problems)
                  + ". Connect as a role that may only SELECT and INSERT (see"
                  + " docs/ledger-service.md), or set rotor.ledger.store.require-append-only-role"
                  + "=false to start anyway");
        }
      }
    } catch (LedgerConfigurationException e) {
      LOG.errorf("ROTOR-5040 the ledger cannot start: %s", e.getMessage());
      throw e;
    }
    for (String trigger : guards.triggersNotAlwaysEnabled()) {
      LOG.errorf(
          "ROTOR-5043 trigger %s is not ENABLE ALWAYS: the database no longer refuses changes to"
              + " the ledger on its own; verification still detects them",
          trigger);
    }
    duplicateEnds.run();
    LOG.infof(
        "ROTOR-5001 ledger %s ready; checkpoints signed by %s",
        keys.origin(), keys.verifier().verifierKey());
    publisher.signal();
  }

  private static void requirePositive(String key, Duration value) {
    if (value.isZero() || value.isNegative()) {
      throw new LedgerConfigurationException(key, "must be longer than 0, is " + value);
    }
  }
}
