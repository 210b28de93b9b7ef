package dev.rotor.keygen;

import static dev.rotor.keygen.support.RotorEvents.awaitKey;
import static dev.rotor.keygen.support.RotorEvents.newRotationId;
import static dev.rotor.keygen.support.RotorEvents.publish;
import static dev.rotor.keygen.support.RotorEvents.request;
import static io.restassured.RestAssured.given;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.rotor.common.event.CloudEventBinding;
import dev.rotor.common.event.EventCodec;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.SampleEvents;
import dev.rotor.common.event.Topics;
import dev.rotor.keygen.support.RotorEvents;
import dev.rotor.keygen.support.Scrape;
import dev.rotor.keygen.support.TestPolicy;
import dev.rotor.keygen.support.TestPolicyResource;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.KafkaTestClient;
import dev.rotor.testsupport.PostgresResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A corpus of hostile records: every one lands in rotor.dlq with the reason and the field, never
 * the value; none produces a key or an answer; the consumer goes on and the service stays ready.
 */
@QuarkusTest
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = RotorEvents.ALL_TOPICS))
@WithTestResource(PostgresResource.class)
@WithTestResource(
    value = TestPolicyResource.class,
    initArgs = @ResourceArg(name = TestPolicyResource.VARIANT, value = TestPolicy.MAIN))
class HostileInputTest {
  private static KafkaTestClient kafka;

  /** One hostile record: what is sent, and the dead-letter reason it must get. */
  private record Hostile(
      String name, String topic, List<Header> headers, byte[] value, String expectedReason) {}

  private record Sent(Hostile hostile, long offset) {}

  @BeforeAll
  static void connect() {
    kafka = new KafkaTestClient();
  }

  @AfterAll
  static void disconnect() {
    kafka.close();
  }

  @Test
  void everyHostileRecordGoesToTheDeadLetterTopicWithItsReasonAndTheServiceGoesOn() {
    List<Hostile> corpus = corpus();
    double deadBefore = Scrape.value("rotor_dlq_records_total");
    List<Sent> sent = new ArrayList<>();
    for (Hostile hostile : corpus) {
      sent.add(
          new Sent(
              hostile,
              kafka
                  .produce(hostile.topic(), TestPolicy.HOSTILE, hostile.headers(), hostile.value())
                  .offset()));
    }
    // The consumer reads in order: a valid request after the corpus is answered after it.
    EventEnvelope valid = request(newRotationId(), TestPolicy.HOSTILE);
    publish(kafka, valid);
    awaitKey(kafka, valid);

    List<ConsumerRecord<byte[], byte[]>> dead =
        kafka.readUntil(
            Topics.DLQ,
            records -> sent.stream().allMatch(s -> deadLetterOf(records, s) != null),
            RotorEvents.TIMEOUT);
    for (Sent s : sent) {
      ConsumerRecord<byte[], byte[]> record = deadLetterOf(dead, s);
      String reason = KafkaTestClient.headerValue(record, "dead-letter-reason");
      assertThat(reason).as(s.hostile().name()).startsWith(s.hostile().expectedReason());
      for (String value : HOSTILE_VALUES) {
        assertThat(reason)
            .as("%s: the reason never repeats the value", s.hostile().name())
            .doesNotContain(value);
      }
    }
    assertThat(Scrape.value("rotor_dlq_records_total"))
        .isGreaterThanOrEqualTo(deadBefore + sent.size());
    assertThat(
            Scrape.value(
                "rotor_dlq_records_total", "topic=\"rotor.requests\"", "reason=\"INVALID_FIELD\""))
        .isPositive();
    assertThat(RotorEvents.events(kafka, Topics.KEYS, e -> true))
        .as("the only answer about the hostile target is the valid request's key")
        .filteredOn(e -> e.subject().startsWith("hostile"))
        .extracting(EventEnvelope::rotationId)
        .containsExactly(valid.rotationId());
    given().when().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
  }

  private static final List<String> HOSTILE_VALUES =
      List.of(
          "../../etc/passwd",
          "$(touch /tmp/pwned)",
          "`id`",
          "; rm -rf /",
          "*anchor",
          "!!python/object",
          "{x: y}",
          "\u0000",
          "\u202e");

  private static List<Hostile> corpus() {
    EventEnvelope template = request(newRotationId(), TestPolicy.HOSTILE);
    List<Hostile> corpus = new ArrayList<>();
    corpus.add(
        new Hostile(
            "not JSON",
            Topics.REQUESTS,
            headers(template, Map.of()),
            "{not json".getBytes(UTF_8),
            "NOT_JSON data"));
    corpus.add(
        new Hostile(
            "a JSON array",
            Topics.REQUESTS,
            headers(template, Map.of()),
            "[1,2]".getBytes(UTF_8),
            "NOT_JSON data"));
    corpus.add(
        new Hostile(
            "an empty value",
            Topics.REQUESTS,
            headers(template, Map.of()),
            new byte[0],
            "NOT_JSON data"));
    corpus.add(
        new Hostile(
            "no CloudEvents headers at all",
            Topics.REQUESTS,
            List.of(),
            EventCodec.encode(template.data()),
            "MISSING_ATTRIBUTE ce_specversion"));
    Map<String, String> noType = new LinkedHashMap<>();
    noType.put("ce_type", null);
    corpus.add(
        new Hostile(
            "no ce_type",
            Topics.REQUESTS,
            headers(template, noType),
            EventCodec.encode(template.data()),
            "MISSING_ATTRIBUTE ce_type"));
    corpus.add(
        new Hostile(
            "an unknown type",
            Topics.REQUESTS,
            headers(template, Map.of("ce_type", "dev.rotor.rotation.exploded.v1")),
            EventCodec.encode(template.data()),
            "UNKNOWN_TYPE ce_type"));
    corpus.add(
        new Hostile(
            "a newer version of the type",
            Topics.REQUESTS,
            headers(template, Map.of("ce_type", "dev.rotor.rotation.requested.v2")),
            EventCodec.encode(template.data()),
            "UNKNOWN_TYPE ce_type"));
    EventEnvelope keyGenerated = SampleEvents.envelope(EventType.KEY_GENERATED);
    corpus.add(
        new Hostile(
            "a key.generated written to rotor.requests",
            Topics.REQUESTS,
            headers(keyGenerated, Map.of()),
            EventCodec.encode(keyGenerated.data()),
            "WRONG_TOPIC ce_type"));
    // A dead letter is the record plus its dead-letter headers: this one only fits rotor.dlq
    // because that topic and the dead-letter producer take more than an event topic.
    List<Header> nearLimit = headers(template, Map.of());
    corpus.add(
        new Hostile(
            "a record at the topic's size limit",
            Topics.REQUESTS,
            nearLimit,
            KafkaTestClient.valueNearTheTopicLimit(
                TestPolicy.HOSTILE,
                nearLimit,
                padding -> requestJson(TestPolicy.HOSTILE, "x".repeat(padding)),
                128),
            "TOO_LARGE data"));
    corpus.add(
        new Hostile(
            "data over 64 KiB",
            Topics.REQUESTS,
            headers(template, Map.of()),
            requestJson(TestPolicy.HOSTILE, "x".repeat(70_000)),
            "TOO_LARGE data"));
    corpus.add(
        new Hostile(
            "an unknown field",
            Topics.REQUESTS,
            headers(template, Map.of()),
            ("{\"rotationId\":\""
                    + template.rotationId()
                    + "\",\"targetId\":\""
                    + TestPolicy.HOSTILE
                    + "\",\"requestedBy\":\"alice\",\"stages\":[],\"keyMaterial\":\"x\"}")
                .getBytes(UTF_8),
            "UNKNOWN_FIELD keyMaterial"));
    Map<String, String> twoIds = new LinkedHashMap<>();
    corpus.add(
        new Hostile(
            "ce_id twice",
            Topics.REQUESTS,
            Stream.concat(
                    headers(template, twoIds).stream(),
                    Stream.of(KafkaTestClient.header("ce_id", "second-id")))
                .toList(),
            EventCodec.encode(template.data()),
            "DUPLICATE_ATTRIBUTE ce_id"));
    corpus.add(
        new Hostile(
            "a control character in ce_id",
            Topics.REQUESTS,
            headers(template, Map.of("ce_id", "id\u0000with-nul")),
            EventCodec.encode(template.data()),
            "INVALID_ATTRIBUTE ce_id"));
    corpus.add(
        new Hostile(
            "a right-to-left override in ce_subject",
            Topics.REQUESTS,
            headers(template, Map.of("ce_subject", "hostile/app\u202ekey")),
            EventCodec.encode(template.data()),
            "INVALID_ATTRIBUTE ce_subject"));
    for (String target :
        List.of(
            "../../etc/passwd",
            "hostile/../../etc/passwd",
            "hostile/$(touch /tmp/pwned)",
            "hostile/`id`",
            "hostile/app; rm -rf /",
            "hostile/*anchor",
            "hostile/!!python/object",
            "hostile/{x: y}",
            "hostile/app\u0000key",
            "hostile/app\nkey",
            "HOSTILE/APP-KEY")) {
      corpus.add(
          new Hostile(
              "target id " + target.replace("\u0000", "\\0").replace("\n", "\\n"),
              Topics.REQUESTS,
              headers(template, Map.of("ce_subject", TestPolicy.HOSTILE)),
              requestJson(target, "rotate"),
              "INVALID_FIELD targetId"));
    }
    corpus.add(
        new Hostile(
            "a rotation id with path traversal",
            Topics.REQUESTS,
            headers(template, Map.of()),
            ("{\"rotationId\":\"../../refs/heads/main\",\"targetId\":\""
                    + TestPolicy.HOSTILE
                    + "\",\"requestedBy\":\"alice\",\"stages\":[]}")
                .getBytes(UTF_8),
            "INVALID_FIELD rotationId"));
    EventEnvelope completed = SampleEvents.envelope(EventType.ROTATION_COMPLETED);
    corpus.add(
        new Hostile(
            "not JSON on rotor.verifications",
            Topics.VERIFICATIONS,
            headers(completed, Map.of()),
            "{not json".getBytes(UTF_8),
            "NOT_JSON data"));
    corpus.add(
        new Hostile(
            "a rotation.completed that does not come from the verifier",
            Topics.VERIFICATIONS,
            headers(completed, Map.of("ce_source", "/rotor/cli")),
            EventCodec.encode(completed.data()),
            "FORGED_SOURCE ce_source"));
    return corpus;
  }

  /** The template's headers with a fresh ce_id, some replaced ({@code null}: removed), in order. */
  private static List<Header> headers(EventEnvelope template, Map<String, String> changes) {
    Map<String, String> headers = new LinkedHashMap<>(CloudEventBinding.headers(template));
    headers.put("ce_id", "hostile-" + UUID.randomUUID());
    changes.forEach(
        (name, value) -> {
          if (value == null) {
            headers.remove(name);
          } else {
            headers.put(name, value);
          }
        });
    List<Header> list = new ArrayList<>();
    headers.forEach((name, value) -> list.add(KafkaTestClient.header(name, value)));
    return list;
  }

  private static byte[] requestJson(String target, String reason) {
    return ("{\"rotationId\":\""
            + newRotationId()
            + "\",\"targetId\":\""
            + target
                .replace("\\", "\\\\")
                .replace("\"", "\\\"")
                .replace("\n", "\\n")
                .replace("\u0000", "\\u0000")
            + "\",\"requestedBy\":\"alice\",\"reason\":\""
            + reason
            + "\",\"stages\":[]}")
        .getBytes(UTF_8);
  }

  private static ConsumerRecord<byte[], byte[]> deadLetterOf(
      List<ConsumerRecord<byte[], byte[]>> records, Sent sent) {
    return records.stream()
        .filter(
            r -> sent.hostile().topic().equals(KafkaTestClient.headerValue(r, "dead-letter-topic")))
        .filter(
            r ->
                Long.toString(sent.offset())
                    .equals(KafkaTestClient.headerValue(r, "dead-letter-offset")))
        .findFirst()
        .orElse(null);
  }
}
