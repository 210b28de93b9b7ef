package dev.rotor.keygen;

import static dev.rotor.keygen.support.RotorEvents.awaitEvent;
import static dev.rotor.keygen.support.RotorEvents.causedId;
import static dev.rotor.keygen.support.RotorEvents.newRotationId;
import static dev.rotor.keygen.support.RotorEvents.request;
import static dev.rotor.testsupport.tracing.Traces.ancestry;
import static dev.rotor.testsupport.tracing.Traces.newTraceparent;
import static dev.rotor.testsupport.tracing.Traces.publishTraced;
import static dev.rotor.testsupport.tracing.Traces.spanId;
import static dev.rotor.testsupport.tracing.Traces.traceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.common.event.EventCodec;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.SampleEvents;
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
import dev.rotor.testsupport.tracing.TracingOn;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * With tracing on (docs/tracing.md), what the key-generator sends continues the trace of what it
 * received, also across its outbox: the record's traceparent names a span of this service whose
 * ancestors lead back to the caller's span.
 */
@QuarkusTest
@TestProfile(TracingOn.class)
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = RotorEvents.ALL_TOPICS))
@WithTestResource(PostgresResource.class)
@WithTestResource(
    value = TestPolicyResource.class,
    initArgs = @ResourceArg(name = TestPolicyResource.VARIANT, value = TestPolicy.MAIN))
class TracingTest {
  private static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");
  private static KafkaTestClient kafka;

  @Inject InMemorySpanExporter spans;
  @Inject DataSource dataSource;
  private Database database;

  @BeforeAll
  static void connect() {
    kafka = new KafkaTestClient();
  }

  @AfterAll
  static void disconnect() {
    kafka.close();
  }

  @BeforeEach
  void database() {
    database = new Database(dataSource);
  }

  @Test
  void keyGeneratedContinuesTheTraceOfItsRequestThroughTheOutbox() {
    String callers = newTraceparent();
    EventEnvelope request = request(newRotationId(), TestPolicy.TRACE_ON);
    publishTraced(kafka, request, callers);
    String keyEventId = causedId(request, EventType.KEY_GENERATED);
    awaitEvent(kafka, Topics.KEYS, keyEventId);

    ConsumerRecord<byte[], byte[]> record = Traces.record(kafka, Topics.KEYS, keyEventId);
    List<String> traceparents = KafkaTestClient.headerValues(record, TraceContext.TRACEPARENT);
    assertThat(traceparents).hasSize(1);
    String sent = traceparents.get(0);
    assertThat(traceId(sent)).isEqualTo(traceId(callers));
    assertThat(spanId(sent)).isNotEqualTo(spanId(callers));
    assertThat(
            database.count(
                "SELECT count(*) FROM outbox WHERE event_id = ? AND traceparent LIKE ?",
                keyEventId,
                "00-" + traceId(callers) + "-%"))
        .as("the outbox row keeps the trace context it was decided in")
        .isEqualTo(1);

    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () -> {
              List<SpanData> chain = ancestry(spans, spanId(sent));
              assertThat(chain.get(0).getKind()).isEqualTo(SpanKind.PRODUCER);
              assertThat(chain)
                  .as("the send, under the span that consumed rotor.requests")
                  .anySatisfy(s -> assertThat(s.getKind()).isEqualTo(SpanKind.CONSUMER));
              assertThat(chain)
                  .allSatisfy(s -> assertThat(s.getTraceId()).isEqualTo(traceId(callers)));
              assertThat(chain)
                  .allSatisfy(
                      s ->
                          assertThat(s.getResource().getAttribute(SERVICE_NAME))
                              .isEqualTo("rotor-key-generator"));
              assertThat(chain.get(chain.size() - 1).getParentSpanId())
                  .as("the oldest span of this service has the caller's span as parent")
                  .isEqualTo(spanId(callers));
            });
  }

  @Test
  void anEventLeftInTheOutboxIsRelayedLaterUnderTheSpanThatDecidedIt() {
    // As a crash after the commit leaves it: decided, stored with its trace context, not sent. A
    // rejection, not a key.generated: the run's leak scan opens the escrow of every key on the
    // topic, and a sample's escrow is not a real age file.
    String decidedIn = newTraceparent();
    String eventId = UUID.randomUUID().toString();
    EventEnvelope event =
        new EventEnvelope(
            eventId,
            EventType.ROTATION_REJECTED,
            "/rotor/key-generator",
            SampleEvents.TARGET,
            SampleEvents.ROTATION,
            SampleEvents.AT,
            SampleEvents.of(EventType.ROTATION_REJECTED));
    database.update(
        "INSERT INTO outbox (event_id, topic, event_type, source, subject, rotation_id,"
            + " event_time, payload, created_at, traceparent)"
            + " VALUES (?, ?, ?, ?, ?, ?, now(), ?, now(), ?)",
        eventId,
        Topics.KEYS,
        event.type().cloudEventType(),
        event.source(),
        event.subject(),
        event.rotationId(),
        new String(EventCodec.encode(event.data()), StandardCharsets.UTF_8),
        decidedIn);

    awaitEvent(kafka, Topics.KEYS, eventId); // the retry timer relays it
    String sent =
        KafkaTestClient.headerValue(
            Traces.record(kafka, Topics.KEYS, eventId), TraceContext.TRACEPARENT);

    assertThat(traceId(sent)).isEqualTo(traceId(decidedIn));
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () -> {
              SpanData send = Traces.span(spans, spanId(sent)).orElseThrow();
              assertThat(send.getKind()).isEqualTo(SpanKind.PRODUCER);
              assertThat(send.getParentSpanId())
                  .as("the relay's send hangs under the stored span, not the timer's")
                  .isEqualTo(spanId(decidedIn));
            });
  }
}
