package dev.rotor.notifier.delivery;

import dev.rotor.common.event.EventType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The notifier's metrics (Prometheus names in brackets):
 *
 * <ul>
 *   <li>{@code rotor.notifier.events{type,outcome}} [{@code rotor_notifier_events_total}]: events
 *       read, {@code routed} to at least one channel or {@code not-routed};
 *   <li>{@code rotor.notifier.messages{channel,outcome}} [{@code rotor_notifier_messages_total}]:
 *       per channel, {@code sent}, {@code duplicate} (delivered before, not sent again), {@code
 *       rejected} (Slack refused it for good) or {@code undeliverable} (attempts exhausted); the
 *       last two went to {@code rotor.dlq};
 *   <li>{@code rotor.notifier.retries{channel,cause}} [{@code rotor_notifier_retries_total}]:
 *       attempts that are followed by another, by cause ({@code server-error}, {@code network},
 *       {@code rate-limited}, {@code slack-error}, {@code database});
 *   <li>{@code rotor.notifier.rate.limit.waits{channel}} [{@code
 *       rotor_notifier_rate_limit_waits_seconds_count/_sum}]: waits Slack asked for with {@code
 *       Retry-After}, and their length;
 *   <li>{@code rotor.notifier.delivery.latency{channel}} [{@code
 *       rotor_notifier_delivery_latency_seconds}]: from the event's time to Slack taking the
 *       message;
 *   <li>{@code rotor.notifier.delivery.held} [{@code rotor_notifier_delivery_held_seconds}]: how
 *       long the event in hand has been waiting for Slack; above zero for long means an outage;
 * </ul>
 *
 * <p>Records sent to the dead-letter topic are also counted by {@code rotor_dlq_records_total}.
 */
@ApplicationScoped
public class DeliveryMetrics {
  private final MeterRegistry registry;
  private final Clock clock;
  private final AtomicReference<Instant> heldSince = new AtomicReference<>();

  @Inject
  public DeliveryMetrics(MeterRegistry registry, Clock clock) {
    this.registry = registry;
    this.clock = clock;
    Gauge.builder("rotor.notifier.delivery.held", this, DeliveryMetrics::heldSeconds)
        .baseUnit("seconds")
        .description("How long the event in hand has been waiting for Slack; 0 when none")
        .register(registry);
  }

  public void routed(EventType type, boolean routed) {
    Counter.builder("rotor.notifier.events")
        .description("Events read, routed to a channel or not")
        .tag("type", type.eventName())
        .tag("outcome", routed ? "routed" : "not-routed")
        .register(registry)
        .increment();
  }

  void message(String channel, String outcome) {
    Counter.builder("rotor.notifier.messages")
        .description("Messages per channel and outcome")
        .tag("channel", channel)
        .tag("outcome", outcome)
        .register(registry)
        .increment();
  }

  void retry(String channel, String cause) {
    Counter.builder("rotor.notifier.retries")
        .description("Failed delivery attempts followed by another")
        .tag("channel", channel)
        .tag("cause", cause)
        .register(registry)
        .increment();
  }

  void rateLimitWait(String channel, Duration wait) {
    Timer.builder("rotor.notifier.rate.limit.waits")
        .description("Waits that Slack asked for with Retry-After")
        .tag("channel", channel)
        .register(registry)
        .record(wait);
  }

  void delivered(String channel, Instant eventTime) {
    Duration latency = Duration.between(eventTime, clock.instant());
    Timer.builder("rotor.notifier.delivery.latency")
        .description("From the event's time to Slack taking the message")
        .tag("channel", channel)
        .register(registry)
        .record(latency.isNegative() ? Duration.ZERO : latency);
  }

  void holding() {
    heldSince.compareAndSet(null, clock.instant());
  }

  void released() {
    heldSince.set(null);
  }

  private double heldSeconds() {
    Instant since = heldSince.get();
    return since == null ? 0 : Duration.between(since, clock.instant()).toMillis() / 1000.0;
  }
}
