package dev.rotor.ledger.tracing;

import static dev.rotor.testsupport.tracing.Traces.newTraceparent;
import static dev.rotor.testsupport.tracing.Traces.publishTraced;
import static dev.rotor.testsupport.tracing.Traces.spanId;
import static dev.rotor.testsupport.tracing.Traces.traceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.messaging.Spans;
import dev.rotor.ledger.support.LedgerDatabaseResource;
import dev.rotor.ledger.support.LedgerTestProfile;
import dev.rotor.ledger.support.RotationEvents;
import dev.rotor.ledger.support.SigningKeyResource;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.KafkaTestClient;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * With tracing on (docs/tracing.md), recording an event is a span of the trace the event came in, a
 * child of the sender's span, even though the ledger reads records in batches that mix traces.
 */
@QuarkusTest
@TestProfile(LedgerTracingOn.class)
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = LedgerTestProfile.TOPICS))
@WithTestResource(LedgerDatabaseResource.class)
@WithTestResource(SigningKeyResource.class)
class TracingTest {
  @Inject InMemorySpanExporter spans;

  @Test
  void eachEventIsRecordedInASpanOfItsOwnTrace() {
    List<RotationEvents.Sent> events = RotationEvents.completed("traced").events();
    EventEnvelope first = events.get(0).event();
    EventEnvelope second = events.get(1).event();
    String one = newTraceparent();
    String other = newTraceparent();
    try (KafkaTestClient kafka = new KafkaTestClient()) {
      publishTraced(kafka, first, one);
      publishTraced(kafka, second, other);
    }

    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              SpanData recorded = recording(first.id());
              assertThat(recorded.getTraceId()).isEqualTo(traceId(one));
              assertThat(recorded.getParentSpanId()).isEqualTo(spanId(one));
              assertThat(recorded.getAttributes().get(Spans.ROTATION_ID))
                  .isEqualTo(first.rotationId());
              SpanData otherRecorded = recording(second.id());
              assertThat(otherRecorded.getTraceId()).isEqualTo(traceId(other));
              assertThat(otherRecorded.getParentSpanId()).isEqualTo(spanId(other));
            });
  }

  private SpanData recording(String eventId) {
    return spans.getFinishedSpanItems().stream()
        .filter(s -> s.getName().equals("rotor.ledger.record"))
        .filter(s -> eventId.equals(s.getAttributes().get(Spans.EVENT_ID)))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no span recorded " + eventId));
  }
}
