package dev.rotor.keygen;

import static dev.rotor.keygen.support.RotorEvents.awaitEvent;
import static dev.rotor.keygen.support.RotorEvents.causedId;
import static dev.rotor.keygen.support.RotorEvents.newRotationId;
import static dev.rotor.keygen.support.RotorEvents.request;
import static dev.rotor.testsupport.tracing.Traces.newTraceparent;
import static dev.rotor.testsupport.tracing.Traces.publishTraced;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.Topics;
import dev.rotor.common.messaging.TraceContext;
import dev.rotor.keygen.support.Database;
import dev.rotor.keygen.support.RotorEvents;
import dev.rotor.keygen.support.TestPolicy;
import dev.rotor.keygen.support.TestPolicyResource;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.KafkaTestClient;
import dev.rotor.testsupport.PostgresResource;
import dev.rotor.testsupport.tracing.Traces;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tracing is off unless configured: the key-generator serves traced and untraced requests alike,
 * exports no span, and neither reads nor writes trace headers (a caller's traceparent ends here).
 */
@QuarkusTest
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = RotorEvents.ALL_TOPICS))
@WithTestResource(PostgresResource.class)
@WithTestResource(
    value = TestPolicyResource.class,
    initArgs = @ResourceArg(name = TestPolicyResource.VARIANT, value = TestPolicy.MAIN))
class TracingOffByDefaultTest {
  private static KafkaTestClient kafka;

  @Inject InMemorySpanExporter spans;
  @Inject DataSource dataSource;

  @BeforeAll
  static void connect() {
    kafka = new KafkaTestClient();
  }

  @AfterAll
  static void disconnect() {
    kafka.close();
  }

  @Test
  void aRequestWithoutTraceContextGetsAnAnswerWithoutTraceHeaders() {
    EventEnvelope request = request(newRotationId(), TestPolicy.TRACE_OFF_UNTRACED);
    RotorEvents.publish(kafka, request);
    String keyEventId = causedId(request, EventType.KEY_GENERATED);
    awaitEvent(kafka, Topics.KEYS, keyEventId);

    var record = Traces.record(kafka, Topics.KEYS, keyEventId);
    assertThat(KafkaTestClient.headerValues(record, TraceContext.TRACEPARENT)).isEmpty();
    assertThat(KafkaTestClient.headerValues(record, TraceContext.TRACESTATE)).isEmpty();
    assertThat(
            new Database(dataSource)
                .count(
                    "SELECT count(*) FROM outbox WHERE event_id = ? AND traceparent IS NULL",
                    keyEventId))
        .isEqualTo(1);
    assertThat(spans.getFinishedSpanItems()).isEmpty();
  }

  @Test
  void aCallersTraceContextIsIgnoredAndNoSpanIsRecorded() {
    EventEnvelope request = request(newRotationId(), TestPolicy.TRACE_OFF);
    publishTraced(kafka, request, newTraceparent());
    String keyEventId = causedId(request, EventType.KEY_GENERATED);
    awaitEvent(kafka, Topics.KEYS, keyEventId);

    var record = Traces.record(kafka, Topics.KEYS, keyEventId);
    assertThat(KafkaTestClient.headerValues(record, TraceContext.TRACEPARENT)).isEmpty();
    assertThat(
            new Database(dataSource)
                .count(
                    "SELECT count(*) FROM outbox WHERE event_id = ? AND traceparent IS NULL",
                    keyEventId))
        .isEqualTo(1);
    assertThat(spans.getFinishedSpanItems()).isEmpty();
  }
}
