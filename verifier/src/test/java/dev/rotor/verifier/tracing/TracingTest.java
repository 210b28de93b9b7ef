package dev.rotor.verifier.tracing;

import static dev.rotor.testsupport.tracing.Traces.ancestry;
import static dev.rotor.testsupport.tracing.Traces.newTraceparent;
import static dev.rotor.testsupport.tracing.Traces.publishTraced;
import static dev.rotor.testsupport.tracing.Traces.spanId;
import static dev.rotor.testsupport.tracing.Traces.traceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.common.event.EventType;
import dev.rotor.common.messaging.TraceContext;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.KafkaTestClient;
import dev.rotor.testsupport.PostgresResource;
import dev.rotor.testsupport.kubernetes.KubernetesApiTestResource;
import dev.rotor.verifier.Rotation;
import dev.rotor.verifier.store.SoakRecord;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * With tracing on (docs/tracing.md), the verdict the verifier sends after a soak continues the
 * trace of the {@code rollout.completed} that started the soak: the soak row keeps the trace
 * context, each round of checks runs in a span of that trace on the soak timer, and the verdict's
 * outbox row keeps the round's context.
 */
@QuarkusTest
@TestProfile(UnreachableCluster.Traced.class)
@WithTestResource(
    value = KafkaResource.class,
    initArgs =
        @ResourceArg(
            name = KafkaResource.TOPICS,
            value =
                "rotor.keys,rotor.manifests,rotor.rollouts,rotor.verifications,rotor.approvals,rotor.dlq"))
@WithTestResource(PostgresResource.class)
@WithTestResource(KubernetesApiTestResource.class)
class TracingTest {
  private final KafkaTestClient kafka = new KafkaTestClient();

  @Inject InMemorySpanExporter spans;

  @AfterEach
  void close() {
    kafka.close();
  }

  @Test
  void theVerdictAfterTheSoakContinuesTheTraceOfTheRolloutThatStartedIt() {
    Rotation rotation = UnreachableCluster.rotation("traced");
    String callers = newTraceparent();

    publishTraced(
        kafka, rotation.promoted(UnreachableCluster.CLUSTER, List.of(), Instant.now()), callers);

    List<ConsumerRecord<byte[], byte[]>> records =
        UnreachableCluster.awaitVerdict(kafka, rotation.id());
    assertThat(records)
        .extracting(r -> UnreachableCluster.decode(r).type())
        .containsExactly(EventType.VERIFICATION_STARTED, EventType.VERIFICATION_INCONCLUSIVE);
    assertThat(records)
        .allSatisfy(r -> assertThat(traceId(traceparentOf(r))).isEqualTo(traceId(callers)));
    SoakRecord soak =
        QuarkusTransaction.requiringNew()
            .call(() -> SoakRecord.<SoakRecord>find("rotationId", rotation.id()).firstResult());
    assertThat(soak.traceparent)
        .as("the soak keeps the trace context it was started in")
        .startsWith("00-" + traceId(callers) + "-");

    String verdict = traceparentOf(records.get(1));
    await()
        .atMost(UnreachableCluster.TIMEOUT)
        .untilAsserted(
            () -> {
              List<SpanData> chain = ancestry(spans, spanId(verdict));
              assertThat(chain.get(0).getKind()).isEqualTo(SpanKind.PRODUCER);
              assertThat(chain)
                  .as("the verdict's send, under the round that decided it")
                  .extracting(SpanData::getName)
                  .contains("rotor.soak.round");
              assertThat(chain)
                  .as("the round, under the span that consumed rotor.rollouts")
                  .anySatisfy(s -> assertThat(s.getKind()).isEqualTo(SpanKind.CONSUMER));
              assertThat(chain.get(chain.size() - 1).getParentSpanId()).isEqualTo(spanId(callers));
            });
  }

  private static String traceparentOf(ConsumerRecord<byte[], byte[]> record) {
    List<String> values = KafkaTestClient.headerValues(record, TraceContext.TRACEPARENT);
    assertThat(values).as("traceparent headers").hasSize(1);
    return values.get(0);
  }
}
