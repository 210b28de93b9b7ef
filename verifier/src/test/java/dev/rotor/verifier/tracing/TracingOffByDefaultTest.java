package dev.rotor.verifier.tracing;

import static dev.rotor.testsupport.tracing.Traces.newTraceparent;
import static dev.rotor.testsupport.tracing.Traces.publishTraced;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.common.messaging.TraceContext;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.KafkaTestClient;
import dev.rotor.testsupport.PostgresResource;
import dev.rotor.testsupport.kubernetes.KubernetesApiTestResource;
import dev.rotor.verifier.Rotation;
import dev.rotor.verifier.store.SoakRecord;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * In the default configuration the verifier neither reads nor writes trace headers: a traced
 * rollout is soaked and decided, nothing it sends carries a trace context, the soak keeps none, and
 * no span is exported.
 */
@QuarkusTest
@TestProfile(UnreachableCluster.Default.class)
@WithTestResource(
    value = KafkaResource.class,
    initArgs =
        @ResourceArg(
            name = KafkaResource.TOPICS,
            value =
                "rotor.keys,rotor.manifests,rotor.rollouts,rotor.verifications,rotor.approvals,rotor.dlq"))
@WithTestResource(PostgresResource.class)
@WithTestResource(KubernetesApiTestResource.class)
class TracingOffByDefaultTest {
  private final KafkaTestClient kafka = new KafkaTestClient();

  @Inject InMemorySpanExporter spans;

  @AfterEach
  void close() {
    kafka.close();
  }

  @Test
  void aTracedRolloutIsVerifiedWithoutTraceHeadersOrSpans() {
    Rotation rotation = UnreachableCluster.rotation("untraced");

    publishTraced(
        kafka,
        rotation.promoted(UnreachableCluster.CLUSTER, List.of(), Instant.now()),
        newTraceparent());

    assertThat(UnreachableCluster.awaitVerdict(kafka, rotation.id()))
        .hasSize(2)
        .allSatisfy(
            r -> {
              assertThat(KafkaTestClient.headerValues(r, TraceContext.TRACEPARENT)).isEmpty();
              assertThat(KafkaTestClient.headerValues(r, TraceContext.TRACESTATE)).isEmpty();
            });
    SoakRecord soak =
        QuarkusTransaction.requiringNew()
            .call(() -> SoakRecord.<SoakRecord>find("rotationId", rotation.id()).firstResult());
    assertThat(soak.traceparent).isNull();
    assertThat(spans.getFinishedSpanItems()).isEmpty();
  }
}
