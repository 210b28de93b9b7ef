package dev.rotor.notifier.delivery;

import dev.rotor.common.event.EventType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

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
 *       long the longest-failing channel has been failing (its queue held); above zero for long
 *       means an outage;
 *   <li>{@code rotor.notifier.queue.pending{channel}} [{@code rotor_notifier_queue_pending}]: rows
 *       of the channel's queue not yet delivered nor given up;
 *   <li>{@code rotor.notifier.queue.oldest.age{channel}} [{@code
 *       rotor_notifier_queue_oldest_age_seconds}]: how long the oldest of them has been queued;
 * </ul>
 *
 * <p>Records sent to the dead-letter topic are also counted by {@code rotor_dlq_records_total}.
 */
// Created at start-up, not at first use: its meters are listed at zero from the start.
@Startup
@ApplicationScoped
public class DeliveryMetrics {
  private final MeterRegistry registry;
  private final Clock clock;
  private final Map<String, Instant> heldSince = new ConcurrentHashMap<>();

  @Inject
  public DeliveryMetrics(MeterRegistry registry, Clock clock) {
    this.registry = registry;
    this.clock = clock;
    Gauge.builder("rotor.notifier.delivery.held", this, DeliveryMetrics::heldSeconds)
        .baseUnit("seconds")
        .description("How long the longest-failing channel has been failing; 0 when none")
        .register(registry);
    purgedCounter();
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

  /** Delivery records deleted by the retention purge. */
  public void purged(long rows) {
    purgedCounter().increment(rows);
  }

  private Counter purgedCounter() {
    return Counter.builder("rotor.notifier.records.purged")
        .description("Delivery records deleted once retention.keep old")
        .register(registry);
  }

  /** A redelivered event found already queued (or delivered) for {@code channel}. */
  public void duplicate(String channel) {
    message(channel, "duplicate");
  }

  /** The consumer could not queue a record (the database is away) and tries again. */
  public void queueRetry() {
    Counter.builder("rotor.notifier.queue.retries")
        .description("Records the consumer could not queue yet (database unavailable)")
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

  /** {@code channel}'s attempts have been failing since {@code since}. */
  void holding(String channel, Instant since) {
    heldSince.put(channel, since);
  }

  /** {@code channel} is not failing (Slack answered, or its queue is empty). */
  void released(String channel) {
    heldSince.remove(channel);
  }

  /** The delivery loop of {@code channel} met trouble (database, a bug) and waits to go on. */
  void loopTrouble(String channel) {
    Counter.builder("rotor.notifier.loop.troubles")
        .description("Turns of a channel's delivery loop that failed (it waits and goes on)")
        .tag("channel", channel)
        .register(registry)
        .increment();
  }

  /** Whether the delivery loop of {@code channel} is alive: 1 or 0. */
  void loopUp(String channel, BooleanSupplier alive) {
    Gauge.builder("rotor.notifier.loop.up", alive, a -> a.getAsBoolean() ? 1 : 0)
        .description("1 while the channel's delivery loop runs and goes round; 0 if it stopped")
        .tag("channel", channel)
        .register(registry);
  }

  /** The gauges of one channel's queue, read from {@code backlog} (kept fresh by its loop). */
  void queue(String channel, Supplier<DeliveryQueue.Backlog> backlog) {
    Gauge.builder("rotor.notifier.queue.pending", backlog, b -> b.get().pending())
        .description("Rows of the channel's queue not yet delivered nor given up")
        .tag("channel", channel)
        .register(registry);
    Gauge.builder(
            "rotor.notifier.queue.oldest.age",
            backlog,
            b ->
                b.get()
                    .oldest()
                    .map(
                        at ->
                            Math.max(0, Duration.between(at, clock.instant()).toMillis()) / 1000.0)
                    .orElse(0.0))
        .description("How long the oldest pending row of the channel's queue has been queued")
        .baseUnit("seconds")
        .tag("channel", channel)
        .register(registry);
  }

  private double heldSeconds() {
    Instant now = clock.instant();
    return heldSince.values().stream()
        .mapToDouble(since -> Math.max(0, Duration.between(since, now).toMillis()) / 1000.0)
        .max()
        .orElse(0);
  }
}
