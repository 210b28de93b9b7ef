package dev.rotor.notifier.delivery;

import dev.rotor.common.event.EventDecodingException;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.messaging.DeadLetterException;
import dev.rotor.common.messaging.KafkaEvents;
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
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.jboss.logging.Logger;

/**
 * Delivers the message at the head of one channel's queue, one attempt at a time; the channel's
 * {@link ChannelLoop} waits between attempts and holds the rest of the queue meanwhile.
 *
 * <p>If the delivery is on record, nothing is sent again. Otherwise the message is posted (as a
 * reply in the rotation's thread when it has one) and the delivery recorded, with the queue row, in
 * one transaction. A 5xx, a network error, a retryable Slack error or a database error is retried
 * with exponential backoff; a 429 or {@code ratelimited} after {@code Retry-After}. Once Slack took
 * a message, only the recording is retried, never the post.
 *
 * <p>Giving up: a permanent Slack error ends the message in that channel at once ({@code
 * SLACK_REJECTED}). A retryable failure ends it ({@code UNDELIVERABLE}) after {@code max-attempts}
 * attempts, or, for a message that was queued behind a failing one, after its first failed attempt
 * once it has waited longer than the retry budget ({@link RetrySettings#longestHold()}) since it
 * was queued or since the channel started failing, whichever is later. The backoff belongs to the
 * channel: a failure streak goes on from one message to the next and ends with Slack's first
 * answer. A message given up goes to {@code rotor.dlq} once, with a reason that names the channel,
 * and its row is kept as {@code given-up}.
 */
@ApplicationScoped
public class Deliverer {
  private static final Logger LOG = Logger.getLogger(Deliverer.class);

  /** Dead-letter reason code: Slack refused the message for good. */
  public static final String SLACK_REJECTED = "SLACK_REJECTED";

  /** Dead-letter reason code: no attempt succeeded. */
  public static final String UNDELIVERABLE = "UNDELIVERABLE";

  /** Dead-letter reason code: the notifier failed on an event for a reason of its own (a bug). */
  public static final String INTERNAL_ERROR = "INTERNAL_ERROR";

  /** Dead-letter reason code: the queue row cannot be read back (its stored headers, say). */
  public static final String UNREADABLE_ROW = "UNREADABLE_ROW";

  private static final AttributeKey<String> CHANNEL =
      AttributeKey.stringKey("rotor.notifier.channel");

  private final DeliveryStore store;
  private final DeliveryQueue queue;
  private final DeadLetters deadLetters;
  private final SlackTransport transport;
  private final MessageComposer composer;
  private final RetrySettings retry;
  private final NotifierSettings settings;
  private final DeliveryMetrics metrics;
  private final Secrets secrets;
  private final Clock clock;

  /** A span per delivery to a channel, in the event's trace (none when tracing is off). */
  @Inject Tracer tracer;

  /**
   * Why a channel did not get the message.
   *
   * @param code {@link #SLACK_REJECTED}, {@link #UNDELIVERABLE} or another reason code
   * @param reason {@code channel <name>: <why>}, redacted
   */
  record Failure(String code, String reason) {}

  /** A channel's failure streak: since when its attempts fail, and how many did in a row. */
  static final class ChannelState {
    Instant failingSince;
    int failures;

    void failed(Instant at) {
      if (failingSince == null) {
        failingSince = at;
      }
      failures++;
    }

    void answered() {
      failingSince = null;
      failures = 0;
    }
  }

  /** The message at the head of a channel's queue, while the channel's loop works on it. */
  static final class Head {
    final long seq;
    final Instant enqueuedAt;
    final ConsumerRecord<String, byte[]> record;
    final EventEnvelope event;
    final Span span;
    int attempts;
    Instant firstAttempt;

    /** What Slack answered when it took the message: from then on only recording is retried. */
    Posted posted;

    /** Failed tries at recording the message since Slack took it. */
    int recordingFailures;

    Optional<String> threadTs = Optional.empty();
    Instant due;
    Duration wait;

    /** Why the channel will not get the message; the give-up is being completed. */
    Failure failure;

    boolean deadLettered;
    boolean finished;

    Head(
        QueuedMessage row,
        ConsumerRecord<String, byte[]> record,
        EventEnvelope event,
        Span span,
        Failure failure) {
      this.seq = row.seq;
      this.enqueuedAt = row.enqueuedAt;
      this.record = record;
      this.event = event;
      this.span = span;
      this.attempts = row.attempts;
      this.firstAttempt = row.firstAttemptAt;
      this.failure = failure;
    }

    /**
     * The wait left until the next attempt at {@code now}: never negative, and never longer than
     * the wait that was decided (should the clock be set back meanwhile).
     */
    Duration remainingWait(Instant now) {
      if (due == null) {
        return Duration.ZERO;
      }
      Duration left = Duration.between(now, due);
      if (left.isNegative()) {
        return Duration.ZERO;
      }
      return wait != null && left.compareTo(wait) > 0 ? wait : left;
    }
  }

  @Inject
  public Deliverer(
      DeliveryStore store,
      DeliveryQueue queue,
      DeadLetters deadLetters,
      SlackTransport transport,
      MessageComposer composer,
      NotifierSettings settings,
      DeliveryMetrics metrics,
      Secrets secrets,
      Clock clock) {
    this.store = store;
    this.queue = queue;
    this.deadLetters = deadLetters;
    this.transport = transport;
    this.composer = composer;
    this.retry = settings.retry();
    this.settings = settings;
    this.metrics = metrics;
    this.secrets = secrets;
    this.clock = clock;
  }

  /** Takes up the queue row {@code row} of {@code channel}: its record, event and span. */
  Head open(QueuedMessage row, ChannelSettings channel, ChannelState state) {
    Headers headers;
    TraceContext.Stored parent;
    try {
      headers = RecordHeadersJson.read(row.recordHeaders);
      parent = TraceContext.of(row.traceparent, row.tracestate);
    } catch (RuntimeException e) {
      // Retrying cannot help, and the row would hold the channel for ever: it is given up, and
      // dead-lettered with the record's key and value (its headers are what cannot be read).
      String reason =
          "channel "
              + channel.name()
              + ": queue row "
              + row.seq
              + " cannot be read back: "
              + e.getClass().getSimpleName()
              + (e.getMessage() == null ? "" : " " + secrets.redact(e.getMessage()));
      LOG.errorf(
          "ROTOR-6023 %s %s: %s; it goes to the dead-letter topic, the channel goes on with its"
              + " next message",
          row.eventType, row.eventId, reason);
      RecordHeaders known = new RecordHeaders();
      known.add("ce_id", row.eventId.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return new Head(
          row, record(row, known), null, Span.getInvalid(), new Failure(UNREADABLE_ROW, reason));
    }
    ConsumerRecord<String, byte[]> record = record(row, headers);
    EventEnvelope event = null;
    Failure failure = null;
    try {
      event = KafkaEvents.fromRecord(record);
    } catch (EventDecodingException e) {
      // It was read when it was queued; only a change of the contract can make it unreadable.
      failure =
          new Failure(
              e.reason().name(),
              "channel " + channel.name() + ": " + secrets.redact(e.getMessage()));
    }
    Span span =
        Spans.startChildOf(
            tracer, "rotor.notifier.delivery", attributes(row, event, channel), parent);
    if (state.failingSince == null && row.attempts > 0 && row.firstAttemptAt != null) {
      // Taken up again (a restart, another replica): the channel was failing on this message.
      state.failingSince = row.firstAttemptAt;
      state.failures = row.attempts;
    }
    Head head = new Head(row, record, event, span, failure);
    if (failure == null && row.nextAttemptAt != null) {
      // Taken up again with a wait decided (a backoff, or Slack's Retry-After): it is kept, so a
      // restart or another replica does not post at once to a channel Slack asked to wait. A due
      // time further off than any wait the settings decide (clocks that disagree) is cut to that.
      head.due = row.nextAttemptAt;
      head.wait = retry.longestWait();
    }
    return head;
  }

  private static ConsumerRecord<String, byte[]> record(QueuedMessage row, Headers headers) {
    return new ConsumerRecord<>(
        row.recordTopic,
        row.recordPartition,
        row.recordOffset,
        row.recordTimestamp,
        TimestampType.CREATE_TIME,
        -1,
        -1,
        row.recordKey,
        row.recordValue,
        headers,
        Optional.empty());
  }

  /** Ends the span of a head that is left unfinished (shutdown, or another replica took it). */
  void abandon(Head head, String why) {
    if (!head.finished) {
      head.span.setStatus(StatusCode.ERROR, why);
      head.span.end();
    }
  }

  /**
   * The next step for {@code head} in {@code channel}: an attempt, or the completion of a give-up.
   * Afterwards the head is finished (its span ended) or due again.
   *
   * @throws RuntimeException when the dead-letter topic or the database cannot complete a give-up;
   *     the loop tries the step again later
   */
  void step(ChannelSettings channel, Head head, ChannelState state) throws InterruptedException {
    if (head.failure == null) {
      try (Scope ignored = head.span.makeCurrent()) {
        tryOnce(channel, head, state);
      } catch (StoreUnavailableException e) {
        throw e;
      } catch (RuntimeException e) {
        // Never the exception itself: a lower layer's message can repeat a token or a URL.
        LOG.errorf(
            "ROTOR-6016 %s %s failed in the notifier for channel %s: %s",
            head.event.type().eventName(), head.event.id(), channel.name(), describe(e));
        if (head.posted != null) {
          // Slack has the message: giving it up would lose the record and post it again later.
          retryRecording(channel, head, "the notifier failed: " + e.getClass().getSimpleName());
          return;
        }
        head.failure =
            new Failure(
                INTERNAL_ERROR,
                "channel "
                    + channel.name()
                    + ": the notifier failed: "
                    + e.getClass().getSimpleName());
      }
    }
    if (head.failure != null) {
      giveUp(head);
    }
    if (head.finished) {
      if (head.failure != null) {
        head.span.setStatus(StatusCode.ERROR, head.failure.code());
      }
      head.span.end();
    }
  }

  /** Dead-letters the head once, then marks its row given up. */
  private void giveUp(Head head) {
    if (!head.deadLettered) {
      deadLetters.send(
          head.record, new DeadLetterException(head.failure.code(), head.failure.reason()));
      head.deadLettered = true;
    }
    queue.markGivenUp(head.seq, head.attempts, head.failure.code() + " " + head.failure.reason());
    head.finished = true;
  }

  /**
   * One attempt: it finishes the head (delivered, a duplicate, refused, or given up), or schedules
   * its next attempt after the channel's backoff or Slack's {@code Retry-After}.
   */
  private void tryOnce(ChannelSettings channel, Head head, ChannelState state)
      throws InterruptedException {
    EventEnvelope event = head.event;
    String slackChannel = channel.slackChannel();
    int attempt = ++head.attempts;
    Instant started = clock.instant();
    if (head.firstAttempt == null) {
      head.firstAttempt = started;
    }
    String cause;
    String detail;
    Optional<Duration> retryAfter = Optional.empty();
    try {
      if (head.posted == null) {
        DeliveryStore.Prior prior = store.prepare(event, slackChannel);
        if (prior.delivered()) {
          store.recordDelivery(head.seq, event, slackChannel, null, Optional.empty(), attempt);
          metrics.message(channel.name(), "duplicate");
          LOG.debugf(
              "ROTOR-6008 %s %s was delivered to channel %s before; not sent again",
              event.type().eventName(), event.id(), channel.name());
          head.finished = true;
          return;
        }
        head.threadTs = transport.supportsThreads() ? prior.threadTs() : Optional.empty();
        SlackMessage message = composer.compose(event, prior.context());
        boolean broadcast =
            head.threadTs.isPresent()
                && event.type().severity().compareTo(settings.broadcastSeverity()) >= 0;
        head.posted = transport.post(channel, message, head.threadTs, broadcast);
        // Slack answered: the channel's failure streak ends here, whatever the recording does.
        state.answered();
      }
      store.recordDelivery(head.seq, event, slackChannel, head.posted, head.threadTs, attempt);
      state.answered();
      metrics.released(channel.name());
      metrics.message(channel.name(), "sent");
      metrics.delivered(channel.name(), event.time());
      if (attempt > 1) {
        LOG.infof(
            "ROTOR-6009 %s %s delivered to channel %s after %d attempts in %s",
            event.type().eventName(),
            event.id(),
            channel.name(),
            attempt,
            seconds(Duration.between(head.firstAttempt, clock.instant())));
      } else {
        LOG.debugf(
            "ROTOR-6003 %s %s delivered to channel %s%s",
            event.type().eventName(),
            event.id(),
            channel.name(),
            head.threadTs.isPresent() ? " in the rotation's thread" : "");
      }
      head.finished = true;
      return;
    } catch (SlackDeliveryException e) {
      if (!e.kind().retryable()) {
        state.answered();
        metrics.released(channel.name());
        metrics.message(channel.name(), "rejected");
        String reason =
            secrets.redact(
                "channel " + channel.name() + ": Slack refused the message: " + e.detail());
        LOG.errorf(
            "ROTOR-6006 %s %s: %s; it goes to the dead-letter topic, the channel goes on with its"
                + " next message",
            event.type().eventName(), event.id(), reason);
        head.failure = new Failure(SLACK_REJECTED, reason);
        return;
      }
      cause = e.kind().tag();
      detail = e.detail();
      retryAfter = e.kind() == Kind.RATE_LIMITED ? e.retryAfter() : Optional.empty();
    } catch (StoreUnavailableException e) {
      if (head.posted != null) {
        // Slack took the message: it is never given up; only recording it is retried.
        retryRecording(channel, head, "database: " + e.getMessage());
        return;
      }
      cause = "database";
      detail = "database: " + e.getMessage();
    }
    Instant now = clock.instant();
    state.failed(started);
    metrics.holding(channel.name(), state.failingSince);
    boolean channelWide = cause.equals(Kind.AUTH.tag());
    if (channelWide) {
      LOG.errorf(
          "ROTOR-6024 channel %s: Slack refuses the notifier itself (%s), not this message; the"
              + " channel is held and retried until the token or proxy is fixed (failing since %s)",
          channel.name(), secrets.redact(detail), state.failingSince);
    }
    // A channel-wide refusal is never charged to the message: nothing is given up for it.
    Optional<String> giveUp =
        channelWide ? Optional.empty() : giveUpReason(head, state, attempt, now);
    if (giveUp.isPresent()) {
      metrics.message(channel.name(), "undeliverable");
      String reason =
          secrets.redact("channel " + channel.name() + ": " + giveUp.get() + "; last: " + detail);
      LOG.errorf(
          "ROTOR-6007 %s %s: %s; it goes to the dead-letter topic, the channel goes on with its"
              + " next message",
          event.type().eventName(), event.id(), reason);
      head.failure = new Failure(UNDELIVERABLE, reason);
      return;
    }
    if (cause.equals(Kind.RATE_LIMITED.tag()) && retryAfter.isEmpty()) {
      retryAfter = Optional.of(retry.waitAfter(state.failures, Optional.empty()));
    }
    Duration wait = retry.waitAfter(state.failures, retryAfter);
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
          head.posted != null ? " after Slack took the message; only recording it is retried" : "",
          seconds(wait));
    }
    head.wait = wait;
    head.due = now.plus(wait);
    try {
      queue.noteAttempt(
          head.seq, attempt, head.firstAttempt, head.due, secrets.redact(cause + ": " + detail));
    } catch (StoreUnavailableException e) {
      // Bookkeeping only: the attempts are counted in memory; the next attempt tells the database.
      LOG.debugf(
          "could not note attempt %d on queue row %d: %s", attempt, head.seq, e.getMessage());
    }
  }

  /**
   * Schedules another try at recording a message Slack took: with the channel's backoff, however
   * many tries it takes, since giving it up would lose its record (and its thread) and a re-queue
   * would post it twice.
   */
  private void retryRecording(ChannelSettings channel, Head head, String detail) {
    head.recordingFailures++;
    Duration wait = retry.waitAfter(head.recordingFailures, Optional.empty());
    metrics.retry(channel.name(), "database");
    LOG.warnf(
        "ROTOR-6004 %s %s to channel %s: Slack took the message, recording it failed (%s); it is"
            + " never given up, recording is tried again in %s",
        head.event.type().eventName(),
        head.event.id(),
        channel.name(),
        secrets.redact(detail),
        seconds(wait));
    head.wait = wait;
    head.due = clock.instant().plus(wait);
  }

  /**
   * Why the head is given up after a failed attempt, if it is: {@code max-attempts} attempts, or,
   * for a message that did not start the channel's failure streak, a wait longer than the retry
   * budget since it was queued or since the channel started failing, whichever is later.
   */
  private Optional<String> giveUpReason(Head head, ChannelState state, int attempt, Instant now) {
    if (attempt >= retry.maxAttempts()) {
      return Optional.of(
          "no success in "
              + attempt
              + " attempts over "
              + seconds(Duration.between(head.firstAttempt, now)));
    }
    Duration budget = retry.longestHold();
    Instant waitingSince =
        head.enqueuedAt.isAfter(state.failingSince) ? head.enqueuedAt : state.failingSince;
    if (head.firstAttempt.isAfter(state.failingSince)
        && Duration.between(waitingSince, now).compareTo(budget) >= 0) {
      return Optional.of(
          "no success in "
              + attempt
              + (attempt == 1 ? " attempt" : " attempts")
              + "; it waited "
              + seconds(Duration.between(waitingSince, now))
              + " behind a failing channel, longer than the retry budget of "
              + seconds(budget));
    }
    return Optional.empty();
  }

  private static Attributes attributes(
      QueuedMessage row, EventEnvelope event, ChannelSettings channel) {
    AttributesBuilder attributes =
        Attributes.builder()
            .put(Spans.EVENT_ID, row.eventId)
            .put(CHANNEL, channel.name())
            .put(Spans.EVENT_TYPE, event == null ? row.eventType : event.type().cloudEventType());
    if (event != null) {
      attributes.put(Spans.TARGET_ID, event.subject());
    }
    if (row.rotationId != null) {
      attributes.put(Spans.ROTATION_ID, row.rotationId);
    }
    return attributes.build();
  }

  /** An exception for a log line: class, redacted message and where it was thrown. */
  private String describe(Throwable e) {
    StackTraceElement[] frames = e.getStackTrace();
    return e.getClass().getName()
        + (e.getMessage() == null ? "" : ": " + secrets.redact(e.getMessage()))
        + (frames.length == 0 ? "" : " at " + frames[0]);
  }

  /** A duration for people: {@code 0.4 s}, {@code 61.2 s}. */
  static String seconds(Duration duration) {
    return String.format(java.util.Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0);
  }
}
