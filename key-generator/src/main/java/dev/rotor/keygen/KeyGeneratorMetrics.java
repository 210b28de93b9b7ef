package dev.rotor.keygen;

import dev.rotor.common.event.Reasons.Rejection;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.Startup;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The key-generator's Micrometer meters ({@code rotor_key_generator_*} in Prometheus). Every meter
 * is registered at start-up, so dashboards and alerts see zeros rather than gaps. Records sent to
 * the dead-letter topic are counted by {@code rotor_dlq_records_total} (common).
 */
// Created at start-up, not at first use: its meters are listed at zero from the start.
@Startup
@Singleton
public class KeyGeneratorMetrics {
  public static final String REQUESTS = "rotor.key-generator.requests";
  public static final String REDELIVERIES = "rotor.key-generator.redeliveries";
  public static final String REJECTIONS = "rotor.key-generator.rejections";
  public static final String KEYS_GENERATED = "rotor.key-generator.keys.generated";
  public static final String GENERATION = "rotor.key-generator.generation";
  public static final String ROTATIONS_ENDED = "rotor.key-generator.rotations.ended";
  public static final String CADENCE_CHECKS = "rotor.key-generator.cadence.checks";
  public static final String CADENCE_REMINDERS = "rotor.key-generator.cadence.reminders";
  public static final String CADENCE_REQUESTS = "rotor.key-generator.cadence.requests";
  public static final String CADENCE_OVERDUE = "rotor.key-generator.cadence.overdue";
  public static final String OUTBOX_UNSENT = "rotor.key-generator.outbox.unsent";
  public static final String OUTBOX_SEND_FAILURES = "rotor.key-generator.outbox.send.failures";
  public static final String OUTBOX_QUARANTINED = "rotor.key-generator.outbox.quarantined";
  public static final String OUTBOX_PURGED = "rotor.key-generator.outbox.purged";

  private final MeterRegistry registry;
  private final Counter requests;
  private final Counter redeliveries;
  private final Map<Rejection, Counter> rejections = new EnumMap<>(Rejection.class);
  private final Counter keysGenerated;
  private final Timer generation;
  private final Counter cadenceChecks;
  private final Counter cadenceReminders;
  private final Counter cadenceRequests;
  private final Counter outboxSendFailures;
  private final Counter outboxPurged;
  private final AtomicLong overdue = new AtomicLong();
  private final AtomicLong unsent = new AtomicLong();
  private final AtomicLong quarantined = new AtomicLong();

  public KeyGeneratorMetrics(MeterRegistry registry) {
    this.registry = registry;
    requests =
        Counter.builder(REQUESTS)
            .description("Rotation requests processed (each event id once)")
            .register(registry);
    redeliveries =
        Counter.builder(REDELIVERIES)
            .description("Requests received again with an event id already processed")
            .register(registry);
    for (Rejection reason : Rejection.values()) {
      rejections.put(
          reason,
          Counter.builder(REJECTIONS)
              .description("Requests refused with rotation.rejected, by reason code")
              .tag("reason", reason.name())
              .register(registry));
    }
    keysGenerated =
        Counter.builder(KEYS_GENERATED)
            .description("Keys generated and sealed (one per admitted rotation)")
            .register(registry);
    generation =
        Timer.builder(GENERATION)
            .description("Time to generate a key and seal it for every recipient and the escrow")
            .register(registry);
    for (String status : new String[] {"COMPLETED", "ROLLED_BACK", "FAILED"}) {
      Counter.builder(ROTATIONS_ENDED)
          .description("Rotations released from the in-flight guard, by how they ended")
          .tag("status", status)
          .register(registry);
    }
    cadenceChecks =
        Counter.builder(CADENCE_CHECKS)
            .description("Runs of the cadence check over every target with a cadence")
            .register(registry);
    cadenceReminders =
        Counter.builder(CADENCE_REMINDERS)
            .description("rotation.due reminders sent ahead of a due date")
            .register(registry);
    cadenceRequests =
        Counter.builder(CADENCE_REQUESTS)
            .description("Rotations requested because a target fell due")
            .register(registry);
    Gauge.builder(CADENCE_OVERDUE, overdue, AtomicLong::get)
        .description("Targets past their due date (as of the last cadence check)")
        .register(registry);
    Gauge.builder(OUTBOX_UNSENT, unsent, AtomicLong::get)
        .description("Events decided but not yet acknowledged by Kafka (as of the last outbox run)")
        .register(registry);
    Gauge.builder(OUTBOX_QUARANTINED, quarantined, AtomicLong::get)
        .description(
            "Events set aside because they can never be sent, not re-queued (as of the last outbox"
                + " run)")
        .register(registry);
    outboxSendFailures =
        Counter.builder(OUTBOX_SEND_FAILURES)
            .description("Sends that failed or timed out and were left for a retry")
            .register(registry);
    outboxPurged =
        Counter.builder(OUTBOX_PURGED)
            .description("Sent events deleted from the outbox once outbox.keep-sent old")
            .register(registry);
  }

  public void requestProcessed() {
    requests.increment();
  }

  public void redelivered() {
    redeliveries.increment();
  }

  public void rejected(Rejection reason) {
    rejections.get(reason).increment();
  }

  public void keyGenerated() {
    keysGenerated.increment();
  }

  public void generationTook(Duration duration) {
    generation.record(duration);
  }

  public void rotationEnded(String status) {
    registry.counter(ROTATIONS_ENDED, "status", status).increment();
  }

  public void cadenceChecked(long overdueTargets) {
    overdue.set(overdueTargets);
    cadenceChecks.increment();
  }

  public void cadenceReminderSent() {
    cadenceReminders.increment();
  }

  public void cadenceRequestSent() {
    cadenceRequests.increment();
  }

  public void outbox(long unsentCount, long quarantinedCount) {
    unsent.set(unsentCount);
    quarantined.set(quarantinedCount);
  }

  public void outboxSendFailed() {
    outboxSendFailures.increment();
  }

  public void outboxPurged(long rows) {
    outboxPurged.increment(rows);
  }
}
