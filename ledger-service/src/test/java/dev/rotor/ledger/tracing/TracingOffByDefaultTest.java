package dev.rotor.ledger.tracing;

import static dev.rotor.testsupport.tracing.Traces.newTraceparent;
import static dev.rotor.testsupport.tracing.Traces.publishTraced;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.common.event.Topics;
import dev.rotor.common.messaging.TraceContext;
import dev.rotor.ledger.support.Consumption;
import dev.rotor.ledger.support.LedgerDatabaseResource;
import dev.rotor.ledger.support.LedgerTestProfile;
import dev.rotor.ledger.support.RotationEvents;
import dev.rotor.ledger.support.SigningKeyResource;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.KafkaTestClient;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * In the default configuration the ledger records traced events without spans, and its checkpoints
 * carry no trace headers.
 */
@QuarkusTest
@TestProfile(LedgerTestProfile.class)
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = LedgerTestProfile.TOPICS))
@WithTestResource(LedgerDatabaseResource.class)
@WithTestResource(SigningKeyResource.class)
class TracingOffByDefaultTest {
  @Inject InMemorySpanExporter spans;

  @Test
  void tracedEventsAreRecordedWithoutSpansOrTraceHeaders() {
    RotationEvents rotation = RotationEvents.completed("untraced");
    try (KafkaTestClient kafka = new KafkaTestClient()) {
      rotation.events().forEach(sent -> publishTraced(kafka, sent.event(), newTraceparent()));
      Consumption.awaitAllCommitted(Duration.ofSeconds(60));
      assertThat(kafka.readAll(Topics.LEDGER))
          .allSatisfy(
              r -> assertThat(KafkaTestClient.headerValues(r, TraceContext.TRACEPARENT)).isEmpty());
    }
    assertThat(spans.getFinishedSpanItems()).isEmpty();
  }
}
