package dev.rotor.ledger.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ledger's Micrometer meters (Prometheus names in brackets):
 *
 * <ul>
 *   <li>{@code rotor.ledger.entries{type}} appended entries ({@code rotor_ledger_entries_total})
 *   <li>{@code rotor.ledger.duplicates{conflicting}} redelivered events skipped, {@code
 *       conflicting=true} when the same id came with other content
 *   <li>{@code rotor.ledger.ingest.batches{outcome=stored|retried}} and {@code
 *       rotor.ledger.ingest.batch.duration}, {@code rotor.ledger.ingest.batch.size}
 *   <li>{@code rotor.ledger.checkpoints{reason}} issued, {@code
 *       rotor.ledger.checkpoints.published}, {@code rotor.ledger.checkpoints.publish.failures},
 *       gauge {@code rotor.ledger.checkpoints.quarantined} (checkpoints that cannot be published)
 *   <li>{@code rotor.ledger.verifications{result=ok|failed}} and {@code
 *       rotor.ledger.verification.duration}
 *   <li>gauges {@code rotor.ledger.tree.size}, {@code rotor.ledger.checkpoint.tree.size}, {@code
 *       rotor.ledger.ingest.healthy} (1 or 0), {@code rotor.ledger.verification.ok} (1, 0, or -1
 *       before the first verification)
 * </ul>
 */
// Created at start-up, not at first use: its meters are listed at zero from the start.
@Startup
@ApplicationScoped
public class LedgerMetrics {
  @Inject MeterRegistry registry;

  private final AtomicLong treeSize = new AtomicLong();
  private final AtomicLong checkpointSize = new AtomicLong();
  private final AtomicLong ingestHealthy = new AtomicLong(1);
  private final AtomicLong verificationOk = new AtomicLong(-1);
  private final AtomicLong checkpointsQuarantined = new AtomicLong();
  private Timer batchDuration;
  private DistributionSummary batchSize;
  private Timer verificationDuration;

  @PostConstruct
  void register() {
    Gauge.builder("rotor.ledger.tree.size", treeSize, AtomicLong::get)
        .description("Entries in the log")
        .register(registry);
    Gauge.builder("rotor.ledger.checkpoint.tree.size", checkpointSize, AtomicLong::get)
        .description("Entries covered by the latest signed checkpoint")
        .register(registry);
    Gauge.builder("rotor.ledger.ingest.healthy", ingestHealthy, AtomicLong::get)
        .description("1 while batches are stored, 0 while the database refuses them")
        .register(registry);
    Gauge.builder("rotor.ledger.verification.ok", verificationOk, AtomicLong::get)
        .description("Result of the latest full verification: 1 ok, 0 failed, -1 none yet")
        .register(registry);
    Gauge.builder("rotor.ledger.checkpoints.quarantined", checkpointsQuarantined, AtomicLong::get)
        .description("Checkpoints set aside because Kafka will not take them")
        .register(registry);
    batchDuration =
        Timer.builder("rotor.ledger.ingest.batch.duration")
            .description("Time to store one batch, retries included")
            .register(registry);
    batchSize =
        DistributionSummary.builder("rotor.ledger.ingest.batch.size")
            .description("Events per stored batch")
            .register(registry);
    verificationDuration =
        Timer.builder("rotor.ledger.verification.duration")
            .description("Time of a full verification")
            .register(registry);
  }

  public void entryAppended(String eventName) {
    Counter.builder("rotor.ledger.entries")
        .description("Entries appended to the log")
        .tag("type", eventName)
        .register(registry)
        .increment();
  }

  public void duplicates(boolean conflicting, int count) {
    if (count == 0) {
      return;
    }
    Counter.builder("rotor.ledger.duplicates")
        .description("Redelivered events that added nothing")
        .tag("conflicting", Boolean.toString(conflicting))
        .register(registry)
        .increment(count);
  }

  public void batchStored(int events, Duration took) {
    batchCounter("stored").increment();
    batchSize.record(events);
    batchDuration.record(took);
  }

  public void batchRetried() {
    batchCounter("retried").increment();
  }

  private Counter batchCounter(String outcome) {
    return Counter.builder("rotor.ledger.ingest.batches")
        .description("Ingest batches by outcome")
        .tag("outcome", outcome)
        .register(registry);
  }

  public void checkpointIssued(String reason, long size) {
    Counter.builder("rotor.ledger.checkpoints")
        .description("Checkpoints signed, by reason")
        .tag("reason", reason)
        .register(registry)
        .increment();
    checkpointSize.accumulateAndGet(size, Math::max);
  }

  public void checkpointPublished() {
    registry.counter("rotor.ledger.checkpoints.published").increment();
  }

  public void checkpointsQuarantined(long count) {
    checkpointsQuarantined.set(count);
  }

  public void checkpointPublishFailed() {
    registry.counter("rotor.ledger.checkpoints.publish.failures").increment();
  }

  public void verified(boolean ok, Duration took) {
    Counter.builder("rotor.ledger.verifications")
        .description("Full verifications, by result")
        .tag("result", ok ? "ok" : "failed")
        .register(registry)
        .increment();
    verificationDuration.record(took);
    verificationOk.set(ok ? 1 : 0);
  }

  public void treeSize(long size) {
    treeSize.accumulateAndGet(size, Math::max);
  }

  public void checkpointSize(long size) {
    checkpointSize.accumulateAndGet(size, Math::max);
  }

  public void ingestHealthy(boolean healthy) {
    ingestHealthy.set(healthy ? 1 : 0);
  }
}
