package dev.rotor.notifier.tracing;

import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The spans the notifier exports, kept in memory for the tests to inspect. Quarkus exports to every
 * {@code SpanExporter} bean (and then starts no OTLP exporter); with tracing off (the default) it
 * receives nothing.
 */
public class InMemorySpans {
  @Produces
  @Singleton
  InMemorySpanExporter exporter() {
    return InMemorySpanExporter.create();
  }
}
