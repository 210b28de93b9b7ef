package dev.rotor.verifier;

import dev.rotor.verifier.store.SoakKind;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The verifier's own metrics (Prometheus names in brackets):
 *
 * <ul>
 *   <li>{@code rotor.verifier.verdicts} [{@code
 *       rotor_verifier_verdicts_total{kind,outcome,reason}}]: verdicts decided, by soak kind
 *       ({@code stage}, {@code rollback}), outcome ({@code passed}, {@code failed}, {@code
 *       inconclusive}, {@code forced}) and reason ({@code none} or a reason code).
 *   <li>{@code rotor.verifier.soaks.in.progress} [{@code rotor_verifier_soaks_in_progress{kind}}]:
 *       soaks running now.
 *   <li>{@code rotor.verifier.soaks.awaiting.decision}: stages inconclusive, waiting for a person.
 *   <li>{@code rotor.verifier.check.duration} [{@code rotor_verifier_check_duration_seconds}]: one
 *       round of checks of one soak, by metrics source.
 *   <li>{@code rotor.verifier.metric.reads} [{@code
 *       rotor_verifier_metric_reads_total{source,result}}]: metric values read, {@code data} or
 *       {@code no_data}.
 *   <li>{@code rotor.verifier.outbox.unsent}: events decided but not acknowledged by Kafka (the
 *       quarantined ones not counted).
 *   <li>{@code rotor.verifier.outbox.quarantined}: events set aside because they cannot be sent,
 *       and those of the same rotation after them (docs/verifier.md).
 * </ul>
 */
// Created at start-up, not at first use: its meters are listed at zero from the start.
@Startup
@ApplicationScoped
public class VerifierMetrics {
  @Inject MeterRegistry registry;

  private final Map<SoakKind, AtomicLong> running = new EnumMap<>(SoakKind.class);
  private final AtomicLong awaitingDecision = new AtomicLong();
  private final AtomicLong outboxUnsent = new AtomicLong();
  private final AtomicLong outboxQuarantined = new AtomicLong();

  @jakarta.annotation.PostConstruct
  void register() {
    // A registry can outlive this bean (the global one, across a restart of the application in
    // one JVM): gauges left by an earlier instance would report its values, so they go first.
    for (String name :
        List.of(
            "rotor.verifier.soaks.in.progress",
            "rotor.verifier.soaks.awaiting.decision",
            "rotor.verifier.outbox.unsent",
            "rotor.verifier.outbox.quarantined")) {
      registry.find(name).meters().forEach(registry::remove);
    }
    for (SoakKind kind : SoakKind.values()) {
      AtomicLong value = new AtomicLong();
      running.put(kind, value);
      Gauge.builder("rotor.verifier.soaks.in.progress", value, AtomicLong::doubleValue)
          .description("Soaks running now")
          .tag("kind", tag(kind))
          .strongReference(true)
          .register(registry);
    }
    Gauge.builder(
            "rotor.verifier.soaks.awaiting.decision", awaitingDecision, AtomicLong::doubleValue)
        .description("Stages inconclusive, waiting for a person to force or roll back")
        .strongReference(true)
        .register(registry);
    Gauge.builder("rotor.verifier.outbox.unsent", outboxUnsent, AtomicLong::doubleValue)
        .description("Events decided but not yet acknowledged by Kafka")
        .strongReference(true)
        .register(registry);
    Counter.builder("rotor.verifier.outbox.purged")
        .description("Sent events deleted from the outbox once outbox.keep-sent old")
        .register(registry);
    Counter.builder("rotor.verifier.processed.events.purged")
        .description("Ids of processed events deleted once processed-events.keep old")
        .register(registry);
    Gauge.builder("rotor.verifier.outbox.quarantined", outboxQuarantined, AtomicLong::doubleValue)
        .description("Events set aside because they cannot be sent, and those held behind them")
        .strongReference(true)
        .register(registry);
  }

  public void verdict(SoakKind kind, String outcome, String reason) {
    Counter.builder("rotor.verifier.verdicts")
        .description("Verdicts decided")
        .tag("kind", tag(kind))
        .tag("outcome", outcome.toLowerCase(Locale.ROOT))
        .tag("reason", reason == null ? "none" : reason)
        .register(registry)
        .increment();
  }

  public void checkDuration(String source, Duration duration) {
    Timer.builder("rotor.verifier.check.duration")
        .description("One round of checks of one soak")
        .tag("source", source)
        .register(registry)
        .record(duration);
  }

  public void metricRead(String source, boolean data) {
    Counter.builder("rotor.verifier.metric.reads")
        .description("Metric values read")
        .tag("source", source)
        .tag("result", data ? "data" : "no_data")
        .register(registry)
        .increment();
  }

  public void soaks(Map<SoakKind, Long> runningByKind, long inconclusive) {
    running.forEach((kind, value) -> value.set(runningByKind.getOrDefault(kind, 0L)));
    awaitingDecision.set(inconclusive);
  }

  public void processedEventsPurged(long rows) {
    Counter.builder("rotor.verifier.processed.events.purged")
        .description("Ids of processed events deleted once processed-events.keep old")
        .register(registry)
        .increment(rows);
  }

  public void outboxPurged(long rows) {
    Counter.builder("rotor.verifier.outbox.purged")
        .description("Sent events deleted from the outbox once outbox.keep-sent old")
        .register(registry)
        .increment(rows);
  }

  public void outbox(long unsent, long quarantined) {
    outboxUnsent.set(unsent);
    outboxQuarantined.set(quarantined);
  }

  private static String tag(SoakKind kind) {
    return kind.name().toLowerCase(Locale.ROOT);
  }
}
