package dev.rotor.ledger.ingest;

import dev.rotor.ledger.metrics.LedgerMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Instant;

/** Whether ingest keeps up: the last batch was stored, or the database refuses batches. */
@ApplicationScoped
public class IngestState {
  @Inject LedgerMetrics metrics;
  @Inject Clock clock;

  private volatile String problem;
  private volatile Instant failingSince;
  private volatile long treeSize = -1;

  void stored(long size) {
    treeSize = size;
    problem = null;
    failingSince = null;
    metrics.treeSize(size);
    metrics.ingestHealthy(true);
  }

  /** The problem reported by {@link #failing} is over, without a new batch stored yet. */
  void resumed() {
    problem = null;
    failingSince = null;
    metrics.ingestHealthy(true);
  }

  void failing(String what) {
    if (failingSince == null) {
      failingSince = clock.instant();
    }
    problem = what;
    metrics.ingestHealthy(false);
  }

  /** What keeps batches from being stored; null while they are stored. */
  public String problem() {
    return problem;
  }

  /** Since when batches are refused; null while they are stored. */
  public Instant failingSince() {
    return failingSince;
  }

  /** The log's size after the last stored batch, -1 before the first. */
  public long treeSize() {
    return treeSize;
  }
}
