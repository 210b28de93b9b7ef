package dev.rotor.notifier.events;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.messaging.IncomingEvents;
import dev.rotor.common.messaging.TraceContext;
import dev.rotor.notifier.config.ChannelSettings;
import dev.rotor.notifier.config.NotifierSettings;
import dev.rotor.notifier.delivery.ChannelLoops;
import dev.rotor.notifier.delivery.DeliveryMetrics;
import dev.rotor.notifier.delivery.DeliveryQueue;
import dev.rotor.notifier.delivery.DeliveryWorker;
import dev.rotor.notifier.delivery.Pauser;
import dev.rotor.notifier.delivery.StoreUnavailableException;
import dev.rotor.notifier.routing.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Reads every event topic and queues each routed event for each of its channels, in one
 * transaction, then lets the record be acknowledged; each channel's loop delivers from its queue
 * ({@link ChannelLoops}). While the database is away, the record is retried with backoff and stays
 * unacknowledged, so nothing is lost. A record that is not a valid event goes to {@code rotor.dlq}
 * with its reason and the consumer goes on.
 */
@ApplicationScoped
public class NotificationConsumer {
  private static final Logger LOG = Logger.getLogger(NotificationConsumer.class);

  private final Router router;
  private final DeliveryQueue queue;
  private final ChannelLoops loops;
  private final DeliveryWorker worker;
  private final DeliveryMetrics metrics;
  private final Pauser pauser;
  private final NotifierSettings settings;

  /** Whether tracing is on (docs/tracing.md): only then is a record's trace context stored. */
  @ConfigProperty(
      name = "mp.messaging.connector.smallrye-kafka.tracing-enabled",
      defaultValue = "false")
  boolean tracing;

  @Inject
  public NotificationConsumer(
      Router router,
      DeliveryQueue queue,
      ChannelLoops loops,
      DeliveryWorker worker,
      DeliveryMetrics metrics,
      Pauser pauser,
      NotifierSettings settings) {
    this.router = router;
    this.queue = queue;
    this.loops = loops;
    this.worker = worker;
    this.metrics = metrics;
    this.pauser = pauser;
    this.settings = settings;
  }

  @Incoming("events")
  public CompletionStage<Void> consume(ConsumerRecord<String, byte[]> record) {
    EventEnvelope event = IncomingEvents.decode(record);
    List<ChannelSettings> channels = router.channelsFor(event);
    metrics.routed(event.type(), !channels.isEmpty());
    if (channels.isEmpty()) {
      LOG.debugf(
          "ROTOR-6002 %s %s goes to no channel; skipped", event.type().eventName(), event.id());
      return CompletableFuture.completedFuture(null);
    }
    String what = event.type().eventName() + " " + event.id();
    // Each delivery continues the trace of the record (the connector's consumer span, or the
    // record's own context when no span is current): stored with the queued rows.
    TraceContext.Stored trace = tracing ? TraceContext.current() : null;
    if (tracing && trace == null) {
      trace = TraceContext.ofRecord(record);
    }
    TraceContext.Stored parent = trace;
    return worker.submit(what, () -> enqueue(record, event, channels, parent));
  }

  /** Queues the event, retrying while the database is away; interrupted by shutdown. */
  private void enqueue(
      ConsumerRecord<String, byte[]> record,
      EventEnvelope event,
      List<ChannelSettings> channels,
      TraceContext.Stored trace)
      throws InterruptedException {
    for (int attempt = 1; ; attempt++) {
      try {
        List<ChannelSettings> duplicates = queue.enqueue(record, event, channels, trace);
        for (ChannelSettings channel : duplicates) {
          metrics.duplicate(channel.name());
          LOG.debugf(
              "ROTOR-6008 %s %s was queued for channel %s before; not queued again",
              event.type().eventName(), event.id(), channel.name());
        }
        List<ChannelSettings> queued = new ArrayList<>(channels);
        queued.removeAll(duplicates);
        loops.wake(queued);
        if (attempt > 1) {
          LOG.infof(
              "ROTOR-6021 %s %s queued after %d attempts; the consumer goes on",
              event.type().eventName(), event.id(), attempt);
        }
        return;
      } catch (StoreUnavailableException e) {
        Duration wait = settings.retry().waitAfter(attempt, Optional.empty());
        metrics.queueRetry();
        LOG.warnf(
            "ROTOR-6018 cannot queue %s %s (%s); the record stays unacknowledged, next try in"
                + " %.1f s",
            event.type().eventName(), event.id(), e.getMessage(), wait.toMillis() / 1000.0);
        pauser.pause(wait);
      }
    }
  }
}
