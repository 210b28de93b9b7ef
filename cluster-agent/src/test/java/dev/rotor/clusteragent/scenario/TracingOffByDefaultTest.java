package dev.rotor.clusteragent.scenario;

import static dev.rotor.common.event.EventType.ROLLOUT_COMPLETED;
import static dev.rotor.testsupport.tracing.Traces.newTraceparent;
import static dev.rotor.testsupport.tracing.Traces.publishTraced;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.common.event.Phase;
import dev.rotor.common.messaging.TraceContext;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.KafkaTestClient;
import dev.rotor.testsupport.kubernetes.KubernetesApiTestResource;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/**
 * In the default configuration the agent neither reads nor writes trace headers: a traced approval
 * is rolled out, nothing it sends carries a trace context, and no span is exported.
 */
@QuarkusTest
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = AgentScenario.TOPICS))
@WithTestResource(
    value = KubernetesApiTestResource.class,
    initArgs = @ResourceArg(name = KubernetesApiTestResource.SEALED_SECRETS, value = "true"))
@WithTestResource(AgentTestEnvironment.class)
class TracingOffByDefaultTest extends AgentScenario {
  @Inject InMemorySpanExporter spans;

  @Test
  void aTracedApprovalIsRolledOutWithoutTraceHeadersOrSpans() {
    Targets.Target target = Targets.UNTRACED;
    Rotation rotation = rotate(target, seed(target));

    publishTraced(kafka, approved(rotation), newTraceparent());

    awaitEvent(rotation.id(), ROLLOUT_COMPLETED, Phase.PROMOTE);
    assertThat(TracingTest.records(kafka, rotation.id()))
        .hasSize(4)
        .allSatisfy(
            r -> {
              assertThat(KafkaTestClient.headerValues(r, TraceContext.TRACEPARENT)).isEmpty();
              assertThat(KafkaTestClient.headerValues(r, TraceContext.TRACESTATE)).isEmpty();
            });
    assertThat(spans.getFinishedSpanItems()).isEmpty();
  }
}
