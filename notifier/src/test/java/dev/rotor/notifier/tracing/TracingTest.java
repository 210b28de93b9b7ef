package dev.rotor.notifier.tracing;

import static dev.rotor.notifier.NotifierTestSetup.TIMEOUT;
import static dev.rotor.testsupport.tracing.Traces.newTraceparent;
import static dev.rotor.testsupport.tracing.Traces.publishTraced;
import static dev.rotor.testsupport.tracing.Traces.spanId;
import static dev.rotor.testsupport.tracing.Traces.traceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.notifier.NotifierTestSetup;
import dev.rotor.notifier.TestEvents;
import dev.rotor.notifier.slack.FakeSlack;
import dev.rotor.notifier.slack.FakeSlackResource;
import dev.rotor.notifier.slack.InjectFakeSlack;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.KafkaTestClient;
import dev.rotor.testsupport.PostgresResource;
import dev.rotor.testsupport.tracing.Traces;
import dev.rotor.testsupport.tracing.TracingOn;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * With tracing on (docs/tracing.md), each delivery of an event to a channel is a span of the
 * event's trace, under the span that consumed its record, though it runs on the delivery thread.
 */
@QuarkusTest
@TestProfile(TracingOn.class)
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = NotifierTestSetup.TOPICS))
@WithTestResource(PostgresResource.class)
@WithTestResource(FakeSlackResource.class)
class TracingTest {
  private static final AttributeKey<String> CHANNEL =
      AttributeKey.stringKey("rotor.notifier.channel");

  @InjectFakeSlack FakeSlack slack;
  @Inject InMemorySpanExporter spans;

  @Test
  void eachDeliveryIsASpanOfTheEventsTrace() {
    String rotation = TestEvents.newRotationId();
    EventEnvelope failed = TestEvents.of(EventType.ROLLOUT_FAILED, rotation);
    String callers = newTraceparent();
    try (KafkaTestClient kafka = new KafkaTestClient()) {
      publishTraced(kafka, failed, callers);
    }

    await().atMost(TIMEOUT).until(() -> slack.messagesMentioning(rotation).size() == 2);
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              List<SpanData> deliveries =
                  spans.getFinishedSpanItems().stream()
                      .filter(s -> s.getName().equals("rotor.notifier.delivery"))
                      .filter(s -> s.getTraceId().equals(traceId(callers)))
                      .toList();
              assertThat(deliveries)
                  .extracting(s -> s.getAttributes().get(CHANNEL))
                  .containsExactlyInAnyOrder("security-ops", "platform-alerts");
              List<SpanData> chain = Traces.ancestry(spans, deliveries.get(0).getSpanId());
              assertThat(chain.get(chain.size() - 1).getParentSpanId())
                  .as("the oldest span of the notifier has the caller's span as parent")
                  .isEqualTo(spanId(callers));
            });
  }
}
