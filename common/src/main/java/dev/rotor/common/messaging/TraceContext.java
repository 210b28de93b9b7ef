package dev.rotor.common.messaging;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.smallrye.reactive.messaging.TracingMetadata;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * The W3C trace context ({@code traceparent}, {@code tracestate}) of the span that decided an
 * event, kept with the event in an outbox row and restored when the row is relayed, so that a trace
 * goes on across the outbox instead of starting again at the relay.
 *
 * <p>When tracing is off (the default: {@code quarkus.otel.sdk.disabled=true}) no span is valid,
 * {@link #current()} is {@code null} and {@link #asParentOf} leaves the message unchanged: the
 * Kafka connector then adds no trace headers.
 */
public final class TraceContext {
  /** The W3C Trace Context header that carries trace id, parent span id and flags. */
  public static final String TRACEPARENT = "traceparent";

  /** The W3C Trace Context header with vendor-specific trace state. */
  public static final String TRACESTATE = "tracestate";

  private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();

  private static final TextMapGetter<Stored> GETTER =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Stored carrier) {
          return carrier.headers().keySet();
        }

        @Override
        public String get(Stored carrier, String key) {
          return carrier == null ? null : carrier.headers().get(key);
        }
      };

  /**
   * A stored trace context.
   *
   * @param traceparent the W3C {@code traceparent}, 55 characters for version 00
   * @param tracestate the W3C {@code tracestate}, or {@code null}
   */
  public record Stored(String traceparent, String tracestate) {
    public Stored {
      if (traceparent == null || traceparent.isBlank()) {
        throw new IllegalArgumentException("traceparent: is required");
      }
    }

    Map<String, String> headers() {
      Map<String, String> h = new LinkedHashMap<>();
      h.put(TRACEPARENT, traceparent);
      if (tracestate != null) {
        h.put(TRACESTATE, tracestate);
      }
      return h;
    }
  }

  private TraceContext() {}

  /** The trace context of the current span, or {@code null} when there is no valid span. */
  public static Stored current() {
    Context context = Context.current();
    if (!Span.fromContext(context).getSpanContext().isValid()) {
      return null;
    }
    Map<String, String> headers = new LinkedHashMap<>();
    W3C.inject(context, headers, Map::put);
    String traceparent = headers.get(TRACEPARENT);
    return traceparent == null ? null : new Stored(traceparent, headers.get(TRACESTATE));
  }

  /**
   * {@code message} with {@code stored} as the parent of the span the Kafka connector starts when
   * it sends it (the connector writes that span's {@code traceparent} header); unchanged when
   * {@code stored} is {@code null} or not a valid trace context.
   */
  public static <T> Message<T> asParentOf(Message<T> message, Stored stored) {
    if (stored == null) {
      return message;
    }
    Context parent = W3C.extract(Context.root(), stored, GETTER);
    if (!Span.fromContext(parent).getSpanContext().isValid()) {
      return message;
    }
    return message.addMetadata(TracingMetadata.withCurrent(parent));
  }

  /**
   * Makes {@code stored} the current context (work done later for an event, outside its consumer,
   * continues its trace); a no-op scope when {@code stored} is {@code null} or not valid.
   */
  public static Scope makeCurrent(Stored stored) {
    Context context = contextOf(stored);
    return context == null ? Scope.noop() : context.makeCurrent();
  }

  /** {@code stored} as an OpenTelemetry context; null when it is null or not valid. */
  static Context contextOf(Stored stored) {
    if (stored == null) {
      return null;
    }
    Context context = W3C.extract(Context.root(), stored, GETTER);
    return Span.fromContext(context).getSpanContext().isValid() ? context : null;
  }

  /**
   * The trace context a record arrived with (its {@code traceparent} and {@code tracestate}
   * headers), or {@code null}. For a consumer that works on records outside the connector's
   * consumer span (a batch consumer); read it only when tracing is on.
   */
  public static Stored ofRecord(ConsumerRecord<?, ?> record) {
    return of(lastHeader(record, TRACEPARENT), lastHeader(record, TRACESTATE));
  }

  /**
   * Writes {@code stored} into {@code headers} ({@code traceparent}, and {@code tracestate} if it
   * has one), for a producer that is not the Kafka connector; nothing when {@code stored} is null.
   */
  public static void writeTo(Headers headers, Stored stored) {
    if (stored == null) {
      return;
    }
    stored
        .headers()
        .forEach((name, value) -> headers.add(name, value.getBytes(StandardCharsets.UTF_8)));
  }

  private static String lastHeader(ConsumerRecord<?, ?> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null || header.value() == null
        ? null
        : new String(header.value(), StandardCharsets.UTF_8);
  }

  /**
   * Makes the span the Kafka connector started for an incoming {@code message} current (a {@code
   * Message}-based consumer then works, and what it records and sends is, in the record's trace); a
   * no-op scope when the message has no such span (tracing off).
   */
  public static Scope makeCurrentOf(Message<?> message) {
    Context context =
        message
            .getMetadata(TracingMetadata.class)
            .map(TracingMetadata::getCurrentContext)
            .orElse(null);
    if (context == null || !Span.fromContext(context).getSpanContext().isValid()) {
      return Scope.noop();
    }
    return context.makeCurrent();
  }

  /** {@code stored} from its two columns; {@code null} when no trace context was stored. */
  public static Stored of(String traceparent, String tracestate) {
    return traceparent == null || traceparent.isBlank()
        ? null
        : new Stored(traceparent, tracestate);
  }
}
