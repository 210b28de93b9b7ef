package dev.rotor.notifier.delivery;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.messaging.DeadLetterException;
import dev.rotor.common.messaging.IncomingEvents;
import dev.rotor.common.messaging.Spans;
import dev.rotor.common.messaging.TraceContext;
import dev.rotor.notifier.config.ChannelSettings;
import dev.rotor.notifier.config.NotifierSettings;
import dev.rotor.notifier.config.RetrySettings;
import dev.rotor.notifier.config.Secrets;
import dev.rotor.notifier.message.MessageComposer;
import dev.rotor.notifier.message.SlackMessage;
import dev.rotor.notifier.slack.Posted;
import dev.rotor.notifier.slack.SlackDeliveryException;
import dev.rotor.notifier.slack.SlackDeliveryException.Kind;
import dev.rotor.notifier.slack.SlackTransport;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;

/**
 * Delivers one event to its channels, each exactly once, in the calling thread: it returns when
 * every channel has the message, and until then it retries, so the consumer does not acknowledge
 * the record and the offset does not move past it.
 *
 * <p>Per channel: if the delivery is on record, nothing is sent again. Otherwise the message is
 * posted (as a reply in the rotation's thread when it has one) and the delivery recorded. A 5xx, a
 * network error, a retryable Slack error or a database error is retried with exponential backoff; a
 * 429 or {@code ratelimited} after {@code Retry-After}. Once Slack took a message, only the
 * recording is retried, never the post.
 *
 * <p>The channels are tried in turn, each on its own schedule: first one attempt each, in order;
 * then, until every channel finished, the channel whose next attempt is due first is tried again,
 * so a channel in trouble delays neither the first attempt nor the retries of the others. One wait
 * at a time, on the {@link Pauser}, which shutdown interrupts.
 *
 * <p>A permanent Slack error, or {@code max-attempts} failed attempts, ends the delivery to that
 * channel only: every other channel of the event is still tried, because one broken channel must
 * not keep a failure or a rollback from the others. Once all finished, the event goes to {@code
 * rotor.dlq} once, with a reason that names each channel that lacks the message and why; channels
 * that have it keep it and are skipped if the event is replayed.
 */
@ApplicationScoped
public class Deliverer {
  private static final Logger LOG = Logger.getLogger(Deliverer.class);

  /** Dead-letter reason code: Slack refused the message for good. */
  public static final String SLACK_REJECTED = "SLACK_REJECTED";

  /** Dead-letter reason code: no attempt succeeded. */
  public static final String UNDELIVERABLE = "UNDELIVERABLE";

  private final DeliveryStore store;
  private final SlackTransport transport;
  private final MessageComposer composer;
  private final RetrySettings retry;
  private final NotifierSettings settings;
  private final DeliveryMetrics metrics;
  private final Pauser pauser;
  private final Secrets secrets;
  private final Clock clock;

  /** A span per delivery to a channel, in the event's trace (none when tracing is off). */
  @Inject Tracer tracer;

  private static final AttributeKey<String> CHANNEL =
      AttributeKey.stringKey("rotor.notifier.channel");

  /**
   * Why a channel did not get the message.
   *
   * @param code {@link #SLACK_REJECTED} or {@link #UNDELIVERABLE}
   * @param reason {@code channel <name>: <why>}, not yet redacted
   */
  private record Failure(String code, String reason) {}

  @Inject
  public Deliverer(
      DeliveryStore store,
      SlackTransport transport,
      MessageComposer composer,
      NotifierSettings settings,
      DeliveryMetrics metrics,
      Pauser pauser,
      Secrets secrets,
      Clock clock) {
    this.store = store;
    this.transport = transport;
    this.composer = composer;
    this.retry = settings.retry();
    this.settings = settings;
    this.metrics = metrics;
    this.pauser = pauser;
    this.secrets = secrets;
    this.clock = clock;
  }

  /**
   * Delivers {@code event}, read from {@code record}, to each of {@code channels}: first one
   * attempt for each, in order, then the retries of the channels still pending, each at its own
   * next-attempt time, earliest first. A channel that fails, refuses the message or runs out of
   * attempts neither stops nor delays the others.
   *
   * @throws DeadLetterException after every channel finished, when one or more of them refused it
   *     or ran out of attempts: the consumer sends the record to the dead-letter topic, once
   * @throws InterruptedException when the application shuts down while the event waits: the record
   *     stays unacknowledged (the channels that have the message are on record)
   */
  public void deliver(
      ConsumerRecord<?, ?> record, EventEnvelope event, List<ChannelSettings> channels)
      throws InterruptedException {
    TraceContext.Stored parent = TraceContext.current();
    List<ChannelDelivery> deliveries = new ArrayList<>();
    try {
      for (ChannelSettings channel : channels) {
        ChannelDelivery delivery =
            new ChannelDelivery(
                channel,
                Spans.startChildOf(
                    tracer, "rotor.notifier.delivery", attributes(event, channel), parent));
        deliveries.add(delivery);
        attempt(event, delivery);
      }
      for (Optional<ChannelDelivery> next = nextDue(deliveries);
          next.isPresent();
          next = nextDue(deliveries)) {
        pauser.pause(next.get().remainingWait(clock.instant()));
        attempt(event, next.get());
      }
    } catch (RuntimeException | InterruptedException e) {
      for (ChannelDelivery delivery : deliveries) {
        if (!delivery.finished) {
          delivery.span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
        }
      }
      throw e;
    } finally {
      for (ChannelDelivery delivery : deliveries) {
        if (!delivery.finished) {
          delivery.span.end();
        }
      }
      metrics.released();
    }
    List<String> reached = new ArrayList<>();
    List<String> missed = new ArrayList<>();
    List<Failure> failures = new ArrayList<>();
    for (ChannelDelivery delivery : deliveries) {
      if (delivery.failure.isPresent()) {
        failures.add(delivery.failure.get());
        missed.add(delivery.channel.name());
      } else {
        reached.add(delivery.channel.name());
      }
    }
    if (!failures.isEmpty()) {
      throw deadLetter(record, event, reached, missed, failures);
    }
  }

  /** The pending channel whose next attempt is due first (the first in order on a tie). */
  private static Optional<ChannelDelivery> nextDue(List<ChannelDelivery> deliveries) {
    return deliveries.stream()
        .filter(delivery -> !delivery.finished)
        .min(Comparator.comparing(delivery -> delivery.due));
  }

  /**
   * The one dead-letter of an event that some channels lack. Its code is {@link #SLACK_REJECTED}
   * when any channel refused the message (that needs a person), else {@link #UNDELIVERABLE}; its
   * reason lists each failed channel and why, in channel order.
   */
  private DeadLetterException deadLetter(
      ConsumerRecord<?, ?> record,
      EventEnvelope event,
      List<String> reached,
      List<String> missed,
      List<Failure> failures) {
    String code =
        failures.stream().anyMatch(f -> f.code().equals(SLACK_REJECTED))
            ? SLACK_REJECTED
            : UNDELIVERABLE;
    String reason =
        secrets.redact(String.join("; ", failures.stream().map(Failure::reason).toList()));
    if (!reached.isEmpty()) {
      LOG.warnf(
          "ROTOR-6017 %s %s is partly delivered: channels %s have it, channels %s do not; the"
              + " event goes to the dead-letter topic once, and a replay sends it only to the"
              + " channels that lack it",
          event.type().eventName(), event.id(), reached, missed);
    }
    return IncomingEvents.deadLetter(record, new DeadLetterException(code, reason));
  }

  private static Attributes attributes(EventEnvelope event, ChannelSettings channel) {
    Attributes attributes =
        Attributes.of(
            Spans.EVENT_TYPE,
            event.type().cloudEventType(),
            Spans.EVENT_ID,
            event.id(),
            Spans.TARGET_ID,
            event.subject(),
            CHANNEL,
            channel.name());
    return event.rotationId() == null
        ? attributes
        : attributes.toBuilder().put(Spans.ROTATION_ID, event.rotationId()).build();
  }

  /**
   * One channel's delivery of the event in hand: its span (ended when the channel finishes), its
   * attempts so far and, while it is pending, when the next one is due.
   */
  private static final class ChannelDelivery {
    final ChannelSettings channel;
    final Span span;
    int attempts;
    Instant firstAttempt;

    /** What Slack answered when it took the message: from then on only recording is retried. */
    Posted posted;

    Optional<String> threadTs = Optional.empty();
    Instant due;
    Duration wait;
    boolean finished;

    /** Why the channel lacks the message, once it finished without it. */
    Optional<Failure> failure = Optional.empty();

    ChannelDelivery(ChannelSettings channel, Span span) {
      this.channel = channel;
      this.span = span;
    }

    void finish(Optional<Failure> failure) {
      this.finished = true;
      this.failure = failure;
    }

    /**
     * The wait left until the next attempt at {@code now}: never negative, and never longer than
     * the wait that was decided (should the clock be set back meanwhile).
     */
    Duration remainingWait(Instant now) {
      Duration left = Duration.between(now, due);
      if (left.isNegative()) {
        return Duration.ZERO;
      }
      return left.compareTo(wait) > 0 ? wait : left;
    }
  }

  /**
   * Makes the next attempt to deliver to one channel, in its span. Afterwards the channel has
   * either finished (and its span ended) or is due again.
   */
  private void attempt(EventEnvelope event, ChannelDelivery delivery) throws InterruptedException {
    try (Scope ignored = delivery.span.makeCurrent()) {
      tryOnce(event, delivery);
    }
    if (delivery.finished) {
      delivery.failure.ifPresent(f -> delivery.span.setStatus(StatusCode.ERROR, f.code()));
      delivery.span.end();
    }
  }

  /**
   * One attempt for one channel: it finishes the channel (delivered, a duplicate, refused, or out
   * of attempts), or schedules its next attempt after the backoff or Slack's {@code Retry-After}.
   */
  private void tryOnce(EventEnvelope event, ChannelDelivery delivery) throws InterruptedException {
    ChannelSettings channel = delivery.channel;
    String slackChannel = channel.slackChannel();
    int attempt = ++delivery.attempts;
    if (attempt == 1) {
      delivery.firstAttempt = clock.instant();
    }
    String cause;
    String detail;
    Optional<Duration> retryAfter = Optional.empty();
    try {
      if (delivery.posted == null) {
        DeliveryStore.Prior prior = store.prepare(event, slackChannel);
        if (prior.delivered()) {
          metrics.message(channel.name(), "duplicate");
          LOG.debugf(
              "ROTOR-6008 %s %s was delivered to channel %s before; not sent again",
              event.type().eventName(), event.id(), channel.name());
          delivery.finish(Optional.empty());
          return;
        }
        delivery.threadTs = transport.supportsThreads() ? prior.threadTs() : Optional.empty();
        SlackMessage message = composer.compose(event, prior.context());
        boolean broadcast =
            delivery.threadTs.isPresent()
                && event.type().severity().compareTo(settings.broadcastSeverity()) >= 0;
        delivery.posted = transport.post(channel, message, delivery.threadTs, broadcast);
      }
      store.recordDelivery(event, slackChannel, delivery.posted, delivery.threadTs, attempt);
      metrics.message(channel.name(), "sent");
      metrics.delivered(channel.name(), event.time());
      if (attempt > 1) {
        LOG.infof(
            "ROTOR-6009 %s %s delivered to channel %s after %d attempts in %s",
            event.type().eventName(),
            event.id(),
            channel.name(),
            attempt,
            seconds(Duration.between(delivery.firstAttempt, clock.instant())));
      } else {
        LOG.debugf(
            "ROTOR-6003 %s %s delivered to channel %s%s",
            event.type().eventName(),
            event.id(),
            channel.name(),
            delivery.threadTs.isPresent() ? " in the rotation's thread" : "");
      }
      delivery.finish(Optional.empty());
      return;
    } catch (SlackDeliveryException e) {
      if (!e.kind().retryable()) {
        metrics.message(channel.name(), "rejected");
        String reason = "channel " + channel.name() + ": Slack refused the message: " + e.detail();
        LOG.errorf(
            "ROTOR-6006 %s %s: %s; its other channels are still tried, then the event goes to"
                + " the dead-letter topic",
            event.type().eventName(), event.id(), secrets.redact(reason));
        delivery.finish(Optional.of(new Failure(SLACK_REJECTED, reason)));
        return;
      }
      cause = e.kind().tag();
      detail = e.detail();
      retryAfter = e.kind() == Kind.RATE_LIMITED ? e.retryAfter() : Optional.empty();
      if (e.kind() == Kind.RATE_LIMITED && retryAfter.isEmpty()) {
        retryAfter = Optional.of(retry.waitAfter(attempt, Optional.empty()));
      }
    } catch (StoreUnavailableException e) {
      cause = "database";
      detail = "database: " + e.getMessage();
    }
    metrics.holding();
    if (attempt >= retry.maxAttempts()) {
      metrics.message(channel.name(), "undeliverable");
      String reason =
          "channel "
              + channel.name()
              + ": no success in "
              + attempt
              + " attempts over "
              + seconds(Duration.between(delivery.firstAttempt, clock.instant()))
              + "; last: "
              + detail;
      LOG.errorf(
          "ROTOR-6007 %s %s: %s; its other channels are still tried, then the event goes to the"
              + " dead-letter topic",
          event.type().eventName(), event.id(), secrets.redact(reason));
      delivery.finish(Optional.of(new Failure(UNDELIVERABLE, reason)));
      return;
    }
    Duration wait = retry.waitAfter(attempt, retryAfter);
    metrics.retry(channel.name(), cause);
    if (cause.equals(Kind.RATE_LIMITED.tag())) {
      metrics.rateLimitWait(channel.name(), wait);
      LOG.infof(
          "ROTOR-6005 Slack rate-limits channel %s: waiting %s as asked before attempt %d of %d"
              + " for %s %s",
          channel.name(),
          seconds(wait),
          attempt + 1,
          retry.maxAttempts(),
          event.type().eventName(),
          event.id());
    } else {
      LOG.warnf(
          "ROTOR-6004 %s %s to channel %s: attempt %d of %d failed (%s)%s; next in %s",
          event.type().eventName(),
          event.id(),
          channel.name(),
          attempt,
          retry.maxAttempts(),
          secrets.redact(detail),
          delivery.posted != null
              ? " after Slack took the message; only recording it is retried"
              : "",
          seconds(wait));
    }
    delivery.wait = wait;
    delivery.due = clock.instant().plus(wait);
  }

  /** A duration for people: {@code 0.4 s}, {@code 61.2 s}. */
  static String seconds(Duration duration) {
    return String.format(java.util.Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0);
  }
}
