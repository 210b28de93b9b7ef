package dev.rotor.common.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.common.event.CloudEventBinding;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.SampleEvents;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.smallrye.reactive.messaging.TracingMetadata;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TraceContextTest {
  private final SdkTracerProvider tracing = SdkTracerProvider.builder().build();

  @AfterEach
  void close() {
    tracing.close();
  }

  @Test
  void theCurrentSpanIsCapturedAndBecomesTheParentOfTheRelayedMessage() {
    Span span = tracing.get("test").spanBuilder("decide").startSpan();
    TraceContext.Stored stored;
    try (Scope ignored = span.makeCurrent()) {
      stored = TraceContext.current();
    } finally {
      span.end();
    }
    SpanContext decided = span.getSpanContext();
    assertThat(stored.traceparent())
        .isEqualTo("00-" + decided.getTraceId() + "-" + decided.getSpanId() + "-01");

    // Later, on another thread, outside the span: the row's columns restore it.
    TraceContext.Stored fromRow = TraceContext.of(stored.traceparent(), stored.tracestate());
    Message<byte[]> message = TraceContext.asParentOf(Message.of(new byte[] {1}), fromRow);

    SpanContext parent =
        Span.fromContext(
                message.getMetadata(TracingMetadata.class).orElseThrow().getCurrentContext())
            .getSpanContext();
    assertThat(parent.getTraceId()).isEqualTo(decided.getTraceId());
    assertThat(parent.getSpanId()).isEqualTo(decided.getSpanId());
    assertThat(parent.isRemote()).isTrue();
  }

  @Test
  void withoutASpanNothingIsCapturedAndTheMessageIsLeftAlone() {
    assertThat(TraceContext.current()).isNull();
    assertThat(TraceContext.of(null, null)).isNull();

    Message<byte[]> message = Message.of(new byte[] {1});
    assertThat(TraceContext.asParentOf(message, null)).isSameAs(message);
    assertThat(TraceContext.asParentOf(message, TraceContext.of("00-garbage-01", null)))
        .isSameAs(message);
  }

  @Test
  void aStoredContextCanBeMadeCurrentForWorkDoneLater() {
    TraceContext.Stored stored =
        TraceContext.of("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "rojo=1");
    try (Scope ignored = TraceContext.makeCurrent(stored)) {
      assertThat(TraceContext.current()).isEqualTo(stored);
    }
    assertThat(TraceContext.current()).isNull();
    try (Scope ignored = TraceContext.makeCurrent(null)) {
      assertThat(TraceContext.current()).isNull();
    }
  }

  @Test
  void aStoredContextNeedsATraceparent() {
    assertThatThrownBy(() -> new TraceContext.Stored(" ", "k=v"))
        .hasMessage("traceparent: is required");
  }

  @Test
  void traceHeadersOnARecordDoNotDisturbTheCloudEventsBinding() {
    EventEnvelope event = SampleEvents.envelope(EventType.KEY_GENERATED);
    ProducerRecord<String, byte[]> produced = KafkaEvents.toRecord(event, "rotor.keys");
    RecordHeaders headers = new RecordHeaders(produced.headers().toArray());
    headers.add(
        TraceContext.TRACEPARENT,
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".getBytes(StandardCharsets.UTF_8));
    headers.add(TraceContext.TRACESTATE, "rojo=00f067aa0ba902b7".getBytes(StandardCharsets.UTF_8));

    ConsumerRecord<String, byte[]> record =
        new ConsumerRecord<>(
            "rotor.keys",
            0,
            7L,
            Instant.now().toEpochMilli(),
            TimestampType.CREATE_TIME,
            0,
            0,
            produced.key(),
            produced.value(),
            headers,
            java.util.Optional.empty());

    assertThat(KafkaEvents.fromRecord(record)).isEqualTo(event);
    assertThat(TraceContext.ofRecord(record))
        .isEqualTo(
            new TraceContext.Stored(
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                "rojo=00f067aa0ba902b7"));
    assertThat(CloudEventBinding.headers(event)).doesNotContainKeys("traceparent", "tracestate");
  }
}
