package dev.rotor.cli;

import dev.rotor.common.messaging.Spans;
import dev.rotor.common.messaging.TraceContext;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.quarkus.arc.Arc;
import io.quarkus.arc.InstanceHandle;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * rotorctl's spans (docs/tracing.md). Off by default, like the services; on with {@code
 * QUARKUS_OTEL_SDK_DISABLED=false} (and {@code QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT}). Then {@code
 * rotorctl request} starts a rotation's trace with a root span and writes its {@code traceparent}
 * into the request's record, and a decision ({@code approve}, {@code reject}, {@code promote},
 * {@code rollback}) continues the trace of the rotation's own records, so that one trace shows the
 * whole rotation.
 */
public final class Tracing {
  private static volatile OpenTelemetry override;

  private Tracing() {}

  /** Tests: trace with {@code openTelemetry} (null: as configured again). */
  public static void use(OpenTelemetry openTelemetry) {
    override = openTelemetry;
  }

  /** The OpenTelemetry to trace with, if tracing is on. */
  private static Optional<OpenTelemetry> openTelemetry() {
    OpenTelemetry chosen = override;
    if (chosen != null) {
      return Optional.of(chosen);
    }
    boolean disabled =
        ConfigProvider.getConfig()
            .getOptionalValue("quarkus.otel.sdk.disabled", Boolean.class)
            .orElse(true);
    if (disabled || Arc.container() == null) {
      return Optional.empty();
    }
    InstanceHandle<OpenTelemetry> bean = Arc.container().instance(OpenTelemetry.class);
    return bean.isAvailable() ? Optional.of(bean.get()) : Optional.empty();
  }

  /**
   * Starts the span of a command that sends an event: a root span when {@code parent} is null (a
   * new trace), else a child of {@code parent}. An invalid (no-op) span when tracing is off.
   */
  public static Span start(String name, TraceContext.Stored parent, Attributes attributes) {
    Optional<OpenTelemetry> otel = openTelemetry();
    if (otel.isEmpty()) {
      return Span.getInvalid();
    }
    if (parent != null) {
      Span child = Spans.startChildOf(otel.get().getTracer("rotorctl"), name, attributes, parent);
      if (child.getSpanContext().isValid()) {
        return child;
      }
    }
    SpanBuilder root =
        otel.get()
            .getTracer("rotorctl")
            .spanBuilder(name)
            .setNoParent()
            .setSpanKind(SpanKind.PRODUCER)
            .setAllAttributes(attributes);
    return root.startSpan();
  }

  /**
   * Ends {@code span} and exports it now: rotorctl exits right after a command, before the batch
   * processor's next export.
   */
  public static void end(Span span) {
    span.end();
    if (!span.getSpanContext().isValid()) {
      return;
    }
    openTelemetry()
        .filter(OpenTelemetrySdk.class::isInstance)
        .map(OpenTelemetrySdk.class::cast)
        .ifPresent(sdk -> sdk.getSdkTracerProvider().forceFlush().join(5, TimeUnit.SECONDS));
  }

  /** The trace id of {@code span}, or null when it is not traced. */
  public static String traceId(Span span) {
    return span.getSpanContext().isValid() ? span.getSpanContext().getTraceId() : null;
  }
}
