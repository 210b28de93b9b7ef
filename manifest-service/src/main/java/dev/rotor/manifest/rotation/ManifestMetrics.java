package dev.rotor.manifest.rotation;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The manifest-service's metrics ({@code rotor_manifest_service_*} in Prometheus): proposals,
 * merges, rollbacks, failures by reason, retries by step, step durations, open rotations, unsent
 * events and quarantined events.
 */
// Created at start-up, not at first use: its meters are listed at zero from the start.
@Startup
@ApplicationScoped
public class ManifestMetrics {
  private final MeterRegistry registry;
  private final AtomicLong open = new AtomicLong();
  private final AtomicLong unsent = new AtomicLong();
  private final AtomicLong quarantined = new AtomicLong();

  public ManifestMetrics(MeterRegistry registry) {
    this.registry = registry;
    registry.gauge("rotor.manifest-service.rotations.open", open);
    registry.gauge("rotor.manifest-service.outbox.unsent", unsent);
    registry.gauge("rotor.manifest-service.outbox.quarantined", quarantined);
    registry.counter("rotor.manifest-service.outbox.purged");
    registry.counter("rotor.manifest-service.key-material.purged");
  }

  public void proposed(String provider, boolean reused) {
    registry
        .counter(
            "rotor.manifest-service.proposals",
            "provider",
            provider,
            "reused",
            Boolean.toString(reused))
        .increment();
  }

  public void merged(String mode) {
    registry.counter("rotor.manifest-service.merges", "mode", mode).increment();
  }

  public void rolledBack(boolean reused) {
    registry
        .counter("rotor.manifest-service.rollbacks", "reused", Boolean.toString(reused))
        .increment();
  }

  public void failed(String reason) {
    registry.counter("rotor.manifest-service.failures", "reason", reason).increment();
  }

  public void retried(String step) {
    registry.counter("rotor.manifest-service.retries", "step", step).increment();
  }

  public void received(String type) {
    registry.counter("rotor.manifest-service.events.received", "type", type).increment();
  }

  public Timer.Sample start() {
    return Timer.start(registry);
  }

  public void stepDone(Timer.Sample sample, String step, String outcome) {
    sample.stop(
        registry.timer("rotor.manifest-service.step.duration", "step", step, "outcome", outcome));
  }

  void outboxPurged(long rows) {
    registry.counter("rotor.manifest-service.outbox.purged").increment(rows);
  }

  void keyMaterialPurged(long rows) {
    registry.counter("rotor.manifest-service.key-material.purged").increment(rows);
  }

  void gauges(long openRotations, long unsentEvents, long quarantinedEvents) {
    open.set(openRotations);
    unsent.set(unsentEvents);
    quarantined.set(quarantinedEvents);
  }
}
