package dev.rotor.ledger.support;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/**
 * The application under test, with intervals shortened by configuration. Every {@code @QuarkusTest}
 * class of this module uses it together with the same three test resources (a real KRaft broker
 * with Rotor's topics, a fresh PostgreSQL database with owner and application roles, a fresh
 * signing key), so Quarkus starts once for all of them.
 */
public class LedgerTestProfile implements QuarkusTestProfile {
  public static final String TOPICS =
      "rotor.requests,rotor.keys,rotor.manifests,rotor.rollouts,rotor.verifications,"
          + "rotor.approvals,rotor.ledger,rotor.dlq";

  /** Checkpoints every this many entries in tests. */
  public static final int EVERY_ENTRIES = 40;

  @Override
  public Map<String, String> getConfigOverrides() {
    return Map.of(
        "rotor.ledger.checkpoint.every-entries", Integer.toString(EVERY_ENTRIES),
        "rotor.ledger.checkpoint.interval", "2s",
        "rotor.ledger.ingest.retry-backoff", "100ms",
        "rotor.ledger.ingest.max-retry-backoff", "1s",
        "quarkus.datasource.jdbc.acquisition-timeout", "2s",
        "mp.messaging.incoming.events.auto.commit.interval.ms", "300",
        "quarkus.log.file.enabled", "true",
        "quarkus.log.file.path", LogFile.path().toString());
  }
}
