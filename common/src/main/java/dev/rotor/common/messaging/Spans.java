package dev.rotor.common.messaging;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import java.util.function.Supplier;

/**
 * A service's own spans inside a rotation's trace (a cluster-agent phase, a verifier round, a
 * ledger append, a notifier delivery). Such a span is only started as a child of a current, valid
 * span: when tracing is off (the default), or an event came without a trace context, there is none,
 * and no span is started. A span never starts a trace of its own, so tracing off leaves no trace
 * context behind (nothing for an outbox row to keep).
 *
 * <p>Attributes must never carry key material: give ids, names, phases and counts only.
 */
public final class Spans {
  /** The rotation a span works for (the event's {@code rotationid}). */
  public static final AttributeKey<String> ROTATION_ID =
      AttributeKey.stringKey("rotor.rotation.id");

  /** The target a span works for (the event's {@code subject}). */
  public static final AttributeKey<String> TARGET_ID = AttributeKey.stringKey("rotor.target.id");

  /** The cluster a span works on. */
  public static final AttributeKey<String> CLUSTER = AttributeKey.stringKey("rotor.cluster");

  /** The phase of a stage ({@code distribute}, {@code promote}, {@code rollback}). */
  public static final AttributeKey<String> PHASE = AttributeKey.stringKey("rotor.phase");

  /** The CloudEvents type of the event a span handles. */
  public static final AttributeKey<String> EVENT_TYPE = AttributeKey.stringKey("rotor.event.type");

  /** The CloudEvents id of the event a span handles. */
  public static final AttributeKey<String> EVENT_ID = AttributeKey.stringKey("rotor.event.id");

  private Spans() {}

  /** The attributes that name a rotation and its target. */
  public static Attributes rotation(String rotationId, String targetId) {
    return Attributes.of(ROTATION_ID, rotationId, TARGET_ID, targetId);
  }

  /** Runs {@code work} in a child span {@code name} of the current span, if there is one. */
  public static <T> T inChild(Tracer tracer, String name, Attributes attributes, Supplier<T> work) {
    if (!Span.current().getSpanContext().isValid()) {
      return work.get();
    }
    Span span = tracer.spanBuilder(name).setAllAttributes(attributes).startSpan();
    try (Scope ignored = span.makeCurrent()) {
      return work.get();
    } catch (RuntimeException | Error e) {
      // The exception's type only: its message may quote what a span must not carry.
      span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
      throw e;
    } finally {
      span.end();
    }
  }

  /**
   * Starts a span {@code name} with {@code parent} as its parent (not the current span), for work
   * that ends later or elsewhere; the caller ends it. A no-op span when {@code parent} is null or
   * not valid.
   */
  public static Span startChildOf(
      Tracer tracer, String name, Attributes attributes, TraceContext.Stored parent) {
    io.opentelemetry.context.Context context = TraceContext.contextOf(parent);
    if (context == null) {
      return Span.getInvalid();
    }
    return tracer.spanBuilder(name).setParent(context).setAllAttributes(attributes).startSpan();
  }

  /** Runs {@code work} in a child span {@code name} of the current span, if there is one. */
  public static void inChild(Tracer tracer, String name, Attributes attributes, Runnable work) {
    inChild(
        tracer,
        name,
        attributes,
        () -> {
          work.run();
          return null;
        });
  }
}
