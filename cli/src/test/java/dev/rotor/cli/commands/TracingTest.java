package dev.rotor.cli.commands;

import static dev.rotor.testsupport.tracing.Traces.newTraceparent;
import static dev.rotor.testsupport.tracing.Traces.spanId;
import static dev.rotor.testsupport.tracing.Traces.traceId;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.cli.Rotorctl;
import dev.rotor.cli.Tracing;
import dev.rotor.cli.rotation.Script;
import dev.rotor.common.event.CloudEventBinding;
import dev.rotor.common.event.EventCodec;
import dev.rotor.common.messaging.TraceContext;
import dev.rotor.testsupport.KafkaBroker;
import dev.rotor.testsupport.KafkaTestClient;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * With tracing on, {@code rotorctl request} starts the rotation's trace with a root span, writes
 * its traceparent into the request's record and gives the operator the trace id; a decision
 * continues the trace of the rotation's records. Off (the default), nothing carries a trace
 * context.
 */
class TracingTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static KafkaTestClient kafka;

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private final SdkTracerProvider tracing =
      SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build();

  @BeforeAll
  static void broker() {
    KafkaBroker.createTopics(dev.rotor.common.event.Topics.EVENT_TOPICS.toArray(String[]::new));
    kafka = new KafkaTestClient();
  }

  @AfterAll
  static void close() {
    kafka.close();
  }

  @AfterEach
  void tracingAsConfigured() {
    Tracing.use(null);
    tracing.close();
  }

  private void tracingOn() {
    Tracing.use(OpenTelemetrySdk.builder().setTracerProvider(tracing).build());
  }

  @Test
  void requestStartsTheRotationsTraceAndGivesItsId() throws Exception {
    tracingOn();

    Rotorctl.Result result =
        rotorctl("request", Script.TARGET, "--operator", "alice", "-o", "json");

    assertThat(result.exitCode()).as(result.errorOutput()).isZero();
    JsonNode out = JSON.readTree(result.output());
    String traceId = out.path("traceId").asText();
    assertThat(traceId).matches("[0-9a-f]{32}");
    String sent = traceparentOf("rotor.requests", out.path("rotationId").asText());
    assertThat(traceId(sent)).isEqualTo(traceId);
    SpanData root = only("rotorctl request");
    assertThat(root.getTraceId()).isEqualTo(traceId);
    assertThat(root.getParentSpanId()).as("a root span").isEqualTo(SpanId.getInvalid());
    assertThat(spanId(sent)).isEqualTo(root.getSpanId());

    Rotorctl.Result text = rotorctl("request", Script.TARGET, "--operator", "alice");
    assertThat(text.errorLines()).anySatisfy(l -> assertThat(l).matches("Trace [0-9a-f]{32}"));
  }

  @Test
  void anApprovalContinuesTheTraceOfTheRotationsRecords() throws Exception {
    String rotationId = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    String rotations = newTraceparent();
    Script script =
        new Script(rotationId, Instant.now().minusSeconds(60))
            .requested("alice")
            .after(Duration.ofSeconds(1))
            .keyGenerated()
            .after(Duration.ofSeconds(1))
            .proposed();
    for (Script.Step step : script.steps()) {
      Map<String, String> headers = new LinkedHashMap<>(CloudEventBinding.headers(step.event()));
      headers.put(TraceContext.TRACEPARENT, rotations);
      kafka.produce(
          step.topic(), step.event().subject(), headers, EventCodec.encode(step.event().data()));
    }
    tracingOn();

    Rotorctl.Result result = rotorctl("approve", rotationId, "--operator", "bob", "-o", "json");

    assertThat(result.exitCode()).as(result.errorOutput()).isZero();
    assertThat(JSON.readTree(result.output()).path("traceId").asText())
        .isEqualTo(traceId(rotations));
    String sent = traceparentOf("rotor.approvals", rotationId);
    assertThat(traceId(sent)).isEqualTo(traceId(rotations));
    SpanData approve = only("rotorctl approve");
    assertThat(approve.getParentSpanId()).isEqualTo(spanId(rotations));
  }

  @Test
  void offByDefaultNothingCarriesATraceContext() throws Exception {
    Rotorctl.Result result =
        rotorctl("request", Script.TARGET, "--operator", "alice", "-o", "json");

    assertThat(result.exitCode()).as(result.errorOutput()).isZero();
    JsonNode out = JSON.readTree(result.output());
    assertThat(out.has("traceId")).isFalse();
    ConsumerRecord<byte[], byte[]> record =
        record("rotor.requests", out.path("rotationId").asText());
    assertThat(KafkaTestClient.headerValues(record, TraceContext.TRACEPARENT)).isEmpty();
    assertThat(KafkaTestClient.headerValues(record, TraceContext.TRACESTATE)).isEmpty();
    assertThat(spans.getFinishedSpanItems()).isEmpty();
  }

  private SpanData only(String name) {
    List<SpanData> named =
        spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).toList();
    assertThat(named).hasSize(1);
    return named.get(0);
  }

  private static String traceparentOf(String topic, String rotationId) {
    List<String> values =
        KafkaTestClient.headerValues(record(topic, rotationId), TraceContext.TRACEPARENT);
    assertThat(values).hasSize(1);
    return values.get(0);
  }

  private static ConsumerRecord<byte[], byte[]> record(String topic, String rotationId) {
    List<ConsumerRecord<byte[], byte[]>> records =
        kafka.readAll(topic).stream()
            .filter(
                r ->
                    rotationId.equals(
                        KafkaTestClient.headerValue(r, CloudEventBinding.H_ROTATION_ID)))
            .toList();
    assertThat(records).hasSize(1);
    return records.get(0);
  }

  private static Rotorctl.Result rotorctl(String... args) {
    String[] all = java.util.Arrays.copyOf(args, args.length + 2);
    all[args.length] = "--bootstrap-servers";
    all[args.length + 1] = KafkaBroker.bootstrapServers();
    return Rotorctl.run(all);
  }
}
