package dev.rotor.testsupport.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.common.event.CloudEventBinding;
import dev.rotor.common.event.EventCodec;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.messaging.TraceContext;
import dev.rotor.testsupport.KafkaTestClient;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** W3C trace context on test records, and the spans behind them. */
public final class Traces {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Traces() {}

  /** A sampled traceparent of a fresh trace, as an upstream service would send it. */
  public static String newTraceparent() {
    return "00-" + hex(16) + "-" + hex(8) + "-01";
  }

  public static String traceId(String traceparent) {
    return traceparent.split("-")[1];
  }

  public static String spanId(String traceparent) {
    return traceparent.split("-")[2];
  }

  /** Publishes {@code event} with its CloudEvents headers, plus a {@code traceparent} header. */
  public static void publishTraced(KafkaTestClient client, EventEnvelope event, String parent) {
    Map<String, String> headers = new LinkedHashMap<>(CloudEventBinding.headers(event));
    headers.put(TraceContext.TRACEPARENT, parent);
    client.produce(
        event.type().topics().get(0), event.subject(), headers, EventCodec.encode(event.data()));
  }

  /** The record on {@code topic} whose {@code ce_id} is {@code eventId}. */
  public static ConsumerRecord<byte[], byte[]> record(
      KafkaTestClient client, String topic, String eventId) {
    return client.readAll(topic).stream()
        .filter(r -> eventId.equals(KafkaTestClient.headerValue(r, CloudEventBinding.H_ID)))
        .findFirst()
        .orElseThrow();
  }

  /** The exported span with {@code spanId}, if it is exported yet. */
  public static Optional<SpanData> span(InMemorySpanExporter spans, String spanId) {
    return spans.getFinishedSpanItems().stream()
        .filter(s -> s.getSpanId().equals(spanId))
        .findFirst();
  }

  /**
   * The spans from {@code spanId} up to the first one whose parent was not exported by this
   * application (the upstream caller's), nearest first.
   */
  public static List<SpanData> ancestry(InMemorySpanExporter spans, String spanId) {
    List<SpanData> chain = new java.util.ArrayList<>();
    Optional<SpanData> next = span(spans, spanId);
    while (next.isPresent()) {
      chain.add(next.get());
      next = span(spans, next.get().getParentSpanId());
    }
    assertThat(chain).as("exported span %s", spanId).isNotEmpty();
    return chain;
  }

  private static String hex(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    b[0] |= 1; // never all zero (invalid)
    return HexFormat.of().formatHex(b);
  }
}
