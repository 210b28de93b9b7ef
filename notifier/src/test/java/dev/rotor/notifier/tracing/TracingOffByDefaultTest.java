package dev.rotor.notifier.tracing;

import static dev.rotor.notifier.NotifierTestSetup.TIMEOUT;
import static dev.rotor.testsupport.tracing.Traces.newTraceparent;
import static dev.rotor.testsupport.tracing.Traces.publishTraced;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.common.event.EventType;
import dev.rotor.notifier.NotifierTestSetup;
import dev.rotor.notifier.TestEvents;
import dev.rotor.notifier.slack.FakeSlack;
import dev.rotor.notifier.slack.FakeSlackResource;
import dev.rotor.notifier.slack.InjectFakeSlack;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.KafkaTestClient;
import dev.rotor.testsupport.PostgresResource;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/** In the default configuration a traced event is delivered and no span is exported. */
@QuarkusTest
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = NotifierTestSetup.TOPICS))
@WithTestResource(PostgresResource.class)
@WithTestResource(FakeSlackResource.class)
class TracingOffByDefaultTest {
  @InjectFakeSlack FakeSlack slack;
  @Inject InMemorySpanExporter spans;

  @Test
  void aTracedEventIsDeliveredWithoutSpans() {
    String rotation = TestEvents.newRotationId();
    var event = TestEvents.of(EventType.ROLLOUT_FAILED, rotation);
    try (KafkaTestClient kafka = new KafkaTestClient()) {
      publishTraced(kafka, event, newTraceparent());
      try {
        await().atMost(TIMEOUT).until(() -> slack.messagesMentioning(rotation).size() == 2);
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        var dead = dev.rotor.notifier.NotifierTestSetup.deadLetterOf(kafka, event.id());
        throw new AssertionError(
            "dead-lettered: "
                + KafkaTestClient.headerValue(dead, "dead-letter-reason")
                + " / "
                + KafkaTestClient.headerValue(dead, "dead-letter-cause"),
            e);
      }
    }

    assertThat(spans.getFinishedSpanItems()).isEmpty();
  }
}
