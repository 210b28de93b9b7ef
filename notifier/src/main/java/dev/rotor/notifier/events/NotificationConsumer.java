package dev.rotor.notifier.events;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.messaging.DeadLetterException;
import dev.rotor.common.messaging.IncomingEvents;
import dev.rotor.common.messaging.TraceContext;
import dev.rotor.notifier.config.ChannelSettings;
import dev.rotor.notifier.delivery.Deliverer;
import dev.rotor.notifier.delivery.DeliveryMetrics;
import dev.rotor.notifier.delivery.DeliveryWorker;
import dev.rotor.notifier.routing.Router;
import io.opentelemetry.context.Scope;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Reads every event topic and hands each routed event to the delivery thread. The returned stage
 * completes when every channel has the message; SmallRye takes the next record only then, and
 * acknowledges this one only then, so during a Slack outage the committed offset stays before the
 * undelivered event. A record that is not a valid event, or that cannot be delivered, goes to
 * {@code rotor.dlq} with its reason and the consumer goes on.
 */
@ApplicationScoped
public class NotificationConsumer {
  private static final Logger LOG = Logger.getLogger(NotificationConsumer.class);

  /** Dead-letter reason code: the notifier failed on an event for a reason of its own (a bug). */
  public static final String INTERNAL_ERROR = "INTERNAL_ERROR";

  private final Router router;
  private final Deliverer deliverer;
  private final DeliveryWorker worker;
  private final DeliveryMetrics metrics;

  /** Whether tracing is on (docs/tracing.md): only then is a record's trace context read. */
  @ConfigProperty(
      name = "mp.messaging.connector.smallrye-kafka.tracing-enabled",
      defaultValue = "false")
  boolean tracing;

  @Inject
  public NotificationConsumer(
      Router router, Deliverer deliverer, DeliveryWorker worker, DeliveryMetrics metrics) {
    this.router = router;
    this.deliverer = deliverer;
    this.worker = worker;
    this.metrics = metrics;
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
    // Delivered on the delivery thread: it continues the trace of the record (the connector's
    // consumer span, or the record's own context when no span is current).
    TraceContext.Stored trace = tracing ? TraceContext.current() : null;
    if (tracing && trace == null) {
      trace = TraceContext.ofRecord(record);
    }
    TraceContext.Stored parent = trace;
    return worker.submit(
        what,
        () -> {
          try (Scope ignored = TraceContext.makeCurrent(parent)) {
            deliverer.deliver(record, event, channels);
          } catch (DeadLetterException e) {
            throw e;
          } catch (RuntimeException e) {
            LOG.errorf(e, "ROTOR-6016 %s failed in the notifier", what);
            throw IncomingEvents.deadLetter(
                record,
                new DeadLetterException(
                    INTERNAL_ERROR, "the notifier failed: " + e.getClass().getSimpleName()));
          }
        });
  }
}
