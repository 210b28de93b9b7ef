package dev.rotor.clusteragent.scenario;

import static dev.rotor.common.event.EventType.ROLLOUT_COMPLETED;
import static dev.rotor.testsupport.tracing.Traces.ancestry;
import static dev.rotor.testsupport.tracing.Traces.newTraceparent;
import static dev.rotor.testsupport.tracing.Traces.publishTraced;
import static dev.rotor.testsupport.tracing.Traces.spanId;
import static dev.rotor.testsupport.tracing.Traces.traceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.clusteragent.work.JobJournal;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.Phase;
import dev.rotor.common.event.Topics;
import dev.rotor.common.messaging.KafkaEvents;
import dev.rotor.common.messaging.TraceContext;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.KafkaTestClient;
import dev.rotor.testsupport.kubernetes.ApiFault;
import dev.rotor.testsupport.kubernetes.KubernetesApiDispatcher.InjectedFault;
import dev.rotor.testsupport.kubernetes.KubernetesApiTestResource;
import dev.rotor.testsupport.tracing.TracingOn;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * With tracing on (docs/tracing.md), a stage's rollout continues the trace of the event that
 * started it: every {@code rotor.rollouts} record carries a traceparent of that trace, under spans
 * of each phase and of its apply, restart and rollout-status steps; the job in the state ConfigMap
 * keeps the trace context, so an agent that restarts in the middle of a phase resumes in the same
 * trace.
 */
@QuarkusTest
@TestProfile(TracingOn.class)
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = AgentScenario.TOPICS))
@WithTestResource(
    value = KubernetesApiTestResource.class,
    initArgs = @ResourceArg(name = KubernetesApiTestResource.SEALED_SECRETS, value = "true"))
@WithTestResource(AgentTestEnvironment.class)
class TracingTest extends AgentScenario {
  @Inject InMemorySpanExporter spans;
  @Inject JobJournal journal;

  @Test
  void eachPhaseContinuesTheApprovalsTraceWithSpansForApplyRestartAndRolloutStatus() {
    Targets.Target target = Targets.TRACED;
    Rotation rotation = rotate(target, seed(target));
    String callers = newTraceparent();

    publishTraced(kafka, approved(rotation), callers);

    awaitEvent(rotation.id(), ROLLOUT_COMPLETED, Phase.PROMOTE);
    List<ConsumerRecord<byte[], byte[]>> records = records(kafka, rotation.id());
    assertThat(records).hasSize(4);
    assertThat(records)
        .allSatisfy(r -> assertThat(traceId(traceparentOf(r))).isEqualTo(traceId(callers)));
    String completed = traceparentOf(records.get(3));
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              List<SpanData> chain = ancestry(spans, spanId(completed));
              assertThat(chain.get(0).getKind()).isEqualTo(SpanKind.PRODUCER);
              assertThat(chain).extracting(SpanData::getName).contains("rotor.rollout.promote");
              assertThat(chain.get(chain.size() - 1).getParentSpanId())
                  .as("the oldest span of the agent has the caller's span as parent")
                  .isEqualTo(spanId(callers));
              assertThat(namesIn(traceId(callers)))
                  .contains(
                      "rotor.rollout.distribute",
                      "rotor.rollout.promote",
                      "rotor.apply",
                      "rotor.restart",
                      "rotor.rollout-status");
            });
    assertThat(spans.getFinishedSpanItems())
        .as("no key material in any span")
        .allSatisfy(
            s ->
                assertThat(s.getName() + s.getAttributes() + s.getEvents())
                    .doesNotContain(rotation.newKey().base64())
                    .doesNotContain(rotation.newKey().fingerprint()));
  }

  @Test
  void aRolloutResumedAfterARestartContinuesTheTraceKeptWithItsJob() {
    Targets.Target target = Targets.TRACED_RESUME;
    Rotation rotation = rotate(target, seed(target));
    String callers = newTraceparent();
    InjectedFault hang =
        api.dispatcher()
            .inject(
                "PATCH",
                "/apis/apps/v1/namespaces/traced-resume/deployments/app",
                ApiFault.hang(),
                1);
    EventEnvelope approved = approved(rotation);

    publishTraced(kafka, approved, callers);
    await().atMost(TIMEOUT).until(() -> hang.hits() == 1);
    assertThat(journalEntries())
        .as("the pending job keeps the trace context it was accepted in")
        .anySatisfy(
            entry ->
                assertThat(entry)
                    .contains(approved.id())
                    .contains("\"traceparent\":\"00-" + traceId(callers) + "-"));
    coordinator.stop();
    spans.reset();

    coordinator.start();

    awaitEvent(rotation.id(), ROLLOUT_COMPLETED, Phase.PROMOTE);
    List<ConsumerRecord<byte[], byte[]>> records = records(kafka, rotation.id());
    assertThat(records).hasSizeGreaterThanOrEqualTo(4);
    assertThat(records)
        .as("the events before and after the restart are in the approval's trace")
        .allSatisfy(r -> assertThat(traceId(traceparentOf(r))).isEqualTo(traceId(callers)));
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(namesIn(traceId(callers)))
                    .as("spans of the resumed agent")
                    .contains("rotor.rollout.distribute", "rotor.rollout.promote"));
  }

  private List<String> namesIn(String traceId) {
    return spans.getFinishedSpanItems().stream()
        .filter(s -> s.getTraceId().equals(traceId))
        .map(SpanData::getName)
        .toList();
  }

  private List<String> journalEntries() {
    String[] location = journal.location().split("/", 2);
    ConfigMap state =
        api.client().configMaps().inNamespace(location[0]).withName(location[1]).get();
    Map<String, String> data = state.getData() == null ? Map.of() : state.getData();
    return List.copyOf(data.values());
  }

  /** The agent's records of {@code rotationId} on {@code rotor.rollouts}, in order. */
  static List<ConsumerRecord<byte[], byte[]>> records(KafkaTestClient kafka, String rotationId) {
    return kafka.readAll(Topics.ROLLOUTS).stream()
        .filter(
            r -> {
              EventEnvelope e = KafkaEvents.fromRecord(r);
              return rotationId.equals(e.rotationId()) && AGENT_SOURCE.equals(e.source());
            })
        .toList();
  }

  private static String traceparentOf(ConsumerRecord<byte[], byte[]> record) {
    List<String> values = KafkaTestClient.headerValues(record, TraceContext.TRACEPARENT);
    assertThat(values).as("traceparent headers").hasSize(1);
    return values.get(0);
  }
}
