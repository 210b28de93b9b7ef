package dev.rotor.common.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SpansTest {
  private final InMemorySpanExporter exported = InMemorySpanExporter.create();
  private final SdkTracerProvider tracing =
      SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exported)).build();
  private final Tracer tracer = tracing.get("test");

  @AfterEach
  void close() {
    tracing.close();
  }

  @Test
  void aChildSpanContinuesTheCurrentTrace() {
    Span parent = tracer.spanBuilder("consume").startSpan();
    String inside;
    try (Scope ignored = parent.makeCurrent()) {
      inside =
          Spans.inChild(
              tracer,
              "rotor.apply",
              Attributes.of(AttributeKey.stringKey("rotor.phase"), "distribute"),
              () -> TraceContext.current().traceparent());
    } finally {
      parent.end();
    }
    SpanData child =
        exported.getFinishedSpanItems().stream()
            .filter(s -> s.getName().equals("rotor.apply"))
            .findFirst()
            .orElseThrow();
    assertThat(child.getTraceId()).isEqualTo(parent.getSpanContext().getTraceId());
    assertThat(child.getParentSpanId()).isEqualTo(parent.getSpanContext().getSpanId());
    assertThat(child.getAttributes().get(AttributeKey.stringKey("rotor.phase")))
        .isEqualTo("distribute");
    assertThat(inside).contains(child.getSpanId());
  }

  @Test
  void withoutACurrentTraceNoSpanIsStarted() {
    String result = Spans.inChild(tracer, "rotor.apply", Attributes.empty(), () -> "done");
    assertThat(result).isEqualTo("done");
    assertThat(exported.getFinishedSpanItems()).isEmpty();
    assertThat(TraceContext.current()).isNull();
  }

  @Test
  void aFailureMarksTheSpanWithTheExceptionTypeOnly() {
    Span parent = tracer.spanBuilder("consume").startSpan();
    try (Scope ignored = parent.makeCurrent()) {
      assertThatThrownBy(
              () ->
                  Spans.inChild(
                      tracer,
                      "rotor.restart",
                      Attributes.empty(),
                      () -> {
                        throw new IllegalStateException("secret detail");
                      }))
          .isInstanceOf(IllegalStateException.class);
    } finally {
      parent.end();
    }
    SpanData failed =
        exported.getFinishedSpanItems().stream()
            .filter(s -> s.getName().equals("rotor.restart"))
            .findFirst()
            .orElseThrow();
    assertThat(failed.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(failed.getStatus().getDescription()).isEqualTo("IllegalStateException");
    assertThat(failed.getEvents()).isEmpty();
  }

  @Test
  void aSpanCanBeStartedUnderAStoredContextAndIsNothingWithoutOne() {
    TraceContext.Stored stored =
        TraceContext.of("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", null);
    Span span = Spans.startChildOf(tracer, "rotor.ledger.record", Attributes.empty(), stored);
    span.end();
    assertThat(span.getSpanContext().getTraceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(exported.getFinishedSpanItems().get(0).getParentSpanId())
        .isEqualTo("00f067aa0ba902b7");

    Span none = Spans.startChildOf(tracer, "rotor.ledger.record", Attributes.empty(), null);
    none.end();
    assertThat(none.getSpanContext().isValid()).isFalse();
    assertThat(exported.getFinishedSpanItems()).hasSize(1);
  }
}
