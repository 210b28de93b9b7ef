package dev.rotor.manifest;

import static dev.rotor.manifest.support.Rotations.PATH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.common.crypto.AgeIdentity;
import dev.rotor.common.event.CloudEventBinding;
import dev.rotor.common.event.EventCodec;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.event.RotationApproved;
import dev.rotor.common.event.Sources;
import dev.rotor.common.event.Topics;
import dev.rotor.common.messaging.TraceContext;
import dev.rotor.common.plan.ManifestFormat;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.ReviewProvider;
import dev.rotor.manifest.support.Events;
import dev.rotor.manifest.support.GitRemote;
import dev.rotor.manifest.support.GitServerResource;
import dev.rotor.manifest.support.Rotations;
import dev.rotor.manifest.support.SealingController;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.KafkaTestClient;
import dev.rotor.testsupport.PostgresResource;
import dev.rotor.testsupport.tracing.TracingOn;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * With tracing on (docs/tracing.md), the manifest-service's events continue the trace of the event
 * that caused them, although its worker writes them later, on its own thread, through the outbox:
 * manifest.proposed continues the key.generated's trace, manifest.approved the approval's.
 */
@QuarkusTest
@TestProfile(TracingOn.class)
@WithTestResource(
    value = KafkaResource.class,
    scope = TestResourceScope.MATCHING_RESOURCES,
    initArgs =
        @ResourceArg(
            name = KafkaResource.TOPICS,
            value =
                "rotor.keys,rotor.manifests,rotor.rollouts,rotor.verifications,rotor.approvals,"
                    + "rotor.dlq"))
@WithTestResource(value = PostgresResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
@WithTestResource(value = GitServerResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class TracingTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static SealingController controller;
  private static AgeIdentity manifestServiceIdentity;

  @GitServerResource.InjectGitRemote GitRemote remote;
  @Inject InMemorySpanExporter spans;

  private final Events events = new Events();
  private final List<Rotations.Generated> keys = new ArrayList<>();

  @BeforeAll
  static void setUp() {
    controller = SealingController.generate();
    manifestServiceIdentity =
        AgeIdentity.parseIdentityFile(GitServerResource.AGE_IDENTITY_FILE).get(0);
  }

  @AfterEach
  void close() {
    events.close();
    keys.forEach(k -> k.key().close());
  }

  @Test
  void theWorkersEventsContinueTheTraceOfTheEventThatCausedThem() {
    String name = "trace-gitops-" + UUID.randomUUID().toString().substring(0, 8);
    String url =
        remote.repositoryWith(
            name,
            Map.of(PATH, Rotations.sealedManifest(controller, "aaaaaaaa"), "README.md", "x\n"));
    Plan plan =
        Rotations.plan(
            url,
            ManifestFormat.SEALED_SECRET,
            controller,
            ReviewProvider.LOCAL,
            1,
            List.of("security"),
            2);
    Rotations.Generated generated =
        Rotations.generate(plan, "rot-" + UUID.randomUUID(), "alice", manifestServiceIdentity);
    keys.add(generated);
    KeyGenerated key = generated.event();

    String keyTrace = newTraceparent();
    sendTraced(Events.envelope(key, Sources.of("key-generator")), keyTrace);
    EventEnvelope proposed = events.await(key.rotationId(), EventType.MANIFEST_PROPOSED);
    assertContinues(proposed, keyTrace);

    String approvalTrace = newTraceparent();
    sendTraced(
        Events.envelope(
            new RotationApproved(key.rotationId(), key.targetId(), "bob", false, "ok"),
            "/rotor/cli"),
        approvalTrace);
    EventEnvelope approved = events.await(key.rotationId(), EventType.MANIFEST_APPROVED);
    assertContinues(approved, approvalTrace);
  }

  /** The event's record names a span of this service under the caller's span, in its trace. */
  private void assertContinues(EventEnvelope event, String callers) {
    ConsumerRecord<byte[], byte[]> record =
        events.kafka().readAll(Topics.MANIFESTS).stream()
            .filter(r -> event.id().equals(KafkaTestClient.headerValue(r, CloudEventBinding.H_ID)))
            .findFirst()
            .orElseThrow();
    List<String> traceparents = KafkaTestClient.headerValues(record, TraceContext.TRACEPARENT);
    assertThat(traceparents).as(event.type().eventName()).hasSize(1);
    String sent = traceparents.get(0);
    assertThat(part(sent, 1)).as("trace id").isEqualTo(part(callers, 1));
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () -> {
              List<SpanData> chain = ancestry(part(sent, 2));
              assertThat(chain.get(0).getKind()).isEqualTo(SpanKind.PRODUCER);
              assertThat(chain)
                  .anySatisfy(s -> assertThat(s.getKind()).isEqualTo(SpanKind.CONSUMER));
              assertThat(chain.get(chain.size() - 1).getParentSpanId()).isEqualTo(part(callers, 2));
            });
  }

  private void sendTraced(EventEnvelope event, String traceparent) {
    Map<String, String> headers = new LinkedHashMap<>(CloudEventBinding.headers(event));
    headers.put(TraceContext.TRACEPARENT, traceparent);
    events
        .kafka()
        .produce(
            event.type().topics().get(0),
            event.subject(),
            headers,
            EventCodec.encode(event.data()));
  }

  private List<SpanData> ancestry(String spanId) {
    List<SpanData> chain = new ArrayList<>();
    Optional<SpanData> next = span(spanId);
    while (next.isPresent()) {
      chain.add(next.get());
      next = span(next.get().getParentSpanId());
    }
    assertThat(chain).as("exported span %s", spanId).isNotEmpty();
    return chain;
  }

  private Optional<SpanData> span(String spanId) {
    return spans.getFinishedSpanItems().stream()
        .filter(s -> s.getSpanId().equals(spanId))
        .findFirst();
  }

  private static String part(String traceparent, int index) {
    return traceparent.split("-")[index];
  }

  private static String newTraceparent() {
    byte[] trace = new byte[16];
    byte[] span = new byte[8];
    RANDOM.nextBytes(trace);
    RANDOM.nextBytes(span);
    trace[0] |= 1;
    span[0] |= 1;
    return "00-" + HexFormat.of().formatHex(trace) + "-" + HexFormat.of().formatHex(span) + "-01";
  }
}
