package dev.rotor.testsupport.contract;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.common.event.CloudEventBinding;
import dev.rotor.common.event.EventCodec;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.SampleEvents;
import dev.rotor.common.event.Topics;
import dev.rotor.common.messaging.KafkaEvents;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.KafkaTestClient;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * The event contract end to end on a real broker: what a service produces through SmallRye with
 * CloudEvents metadata arrives with every {@code ce_*} header and the target as key, and maps back
 * to the same record; what is malformed lands in {@code rotor.dlq} with its reason while the
 * consumer goes on.
 */
@QuarkusTest
@WithTestResource(
    value = KafkaResource.class,
    initArgs =
        @ResourceArg(
            name = KafkaResource.TOPICS,
            value =
                "rotor.requests,rotor.keys,rotor.manifests,rotor.rollouts,rotor.verifications,"
                    + "rotor.approvals,rotor.ledger,rotor.dlq"))
class EventContractOnKafkaTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  @Inject ContractProbe probe;

  @Test
  void everyEventTypeArrivesWithItsCloudEventsHeadersAndTheTargetAsKey() {
    Map<String, EventEnvelope> sent = new LinkedHashMap<>();
    for (EventType type : EventType.values()) {
      EventEnvelope event = withFreshId(SampleEvents.envelope(type));
      probe.send(event, type.topics().get(0));
      sent.put(event.id(), event);
    }

    try (KafkaTestClient client = new KafkaTestClient()) {
      for (EventEnvelope event : sent.values()) {
        String topic = event.type().topics().get(0);
        ConsumerRecord<byte[], byte[]> record =
            client.readUntil(topic, records -> find(records, event.id()) != null, TIMEOUT).stream()
                .filter(r -> event.id().equals(KafkaTestClient.headerValue(r, "ce_id")))
                .findFirst()
                .orElseThrow();

        assertThat(KafkaTestClient.key(record)).isEqualTo(event.subject());
        assertThat(single(record, "ce_specversion")).isEqualTo("1.0");
        assertThat(single(record, "ce_type")).isEqualTo(event.type().cloudEventType());
        assertThat(single(record, "ce_source")).isEqualTo(event.source());
        assertThat(single(record, "ce_subject")).isEqualTo(event.subject());
        assertThat(single(record, "ce_partitionkey")).isEqualTo(event.subject());
        assertThat(single(record, "ce_time")).isNotBlank();
        assertThat(single(record, "content-type")).isEqualTo("application/json");
        if (event.rotationId() != null) {
          assertThat(single(record, "ce_rotationid")).isEqualTo(event.rotationId());
        }
        assertThat(KafkaEvents.fromRecord(bytesKeyed(record))).isEqualTo(event);
      }
    }
  }

  @Test
  void aConsumerConfiguredLikeRotorsServicesReadsBackEveryEventType() {
    List<EventEnvelope> sent = new ArrayList<>();
    for (EventType type : EventType.values()) {
      EventEnvelope event = withFreshId(SampleEvents.envelope(type));
      probe.send(event, type.topics().get(0));
      sent.add(event);
    }

    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(probe.received()).containsAll(sent));
  }

  @Test
  void aMalformedRecordGoesToTheDeadLetterTopicWithItsReasonAndTheConsumerGoesOn() {
    EventEnvelope valid = withFreshId(SampleEvents.envelope(EventType.ROTATION_APPROVED));
    Map<String, String> poisonHeaders = new LinkedHashMap<>(CloudEventBinding.headers(valid));
    poisonHeaders.remove("ce_source");
    poisonHeaders.put("ce_id", "poison-" + UUID.randomUUID());
    String forgedId = "forged-" + UUID.randomUUID();
    Map<String, String> forgedHeaders =
        new LinkedHashMap<>(
            CloudEventBinding.headers(
                withFreshId(SampleEvents.envelope(EventType.VERIFICATION_PASSED))));
    forgedHeaders.put("ce_id", forgedId);
    forgedHeaders.put("ce_source", "/rotor/cli");

    try (KafkaTestClient client = new KafkaTestClient()) {
      long poisonOffset =
          client
              .produce(
                  Topics.APPROVALS, valid.subject(), poisonHeaders, EventCodec.encode(valid.data()))
              .offset();
      client.produce(Topics.APPROVALS, valid.subject(), Map.of(), "{not json".getBytes(UTF_8));
      client.produce(
          Topics.VERIFICATIONS,
          valid.subject(),
          forgedHeaders,
          EventCodec.encode(SampleEvents.of(EventType.VERIFICATION_PASSED)));
      probe.send(valid, Topics.APPROVALS);

      await().atMost(TIMEOUT).untilAsserted(() -> assertThat(probe.received()).contains(valid));
      List<ConsumerRecord<byte[], byte[]>> dead =
          client.readUntil(
              Topics.DLQ,
              records ->
                  find(records, poisonHeaders.get("ce_id")) != null
                      && find(records, forgedId) != null,
              TIMEOUT);

      ConsumerRecord<byte[], byte[]> poison = find(dead, poisonHeaders.get("ce_id"));
      assertThat(single(poison, "dead-letter-reason"))
          .isEqualTo("MISSING_ATTRIBUTE ce_source: is required");
      assertThat(single(poison, "dead-letter-topic")).isEqualTo(Topics.APPROVALS);
      assertThat(single(poison, "dead-letter-partition")).isEqualTo("0");
      assertThat(single(poison, "dead-letter-offset")).isEqualTo(Long.toString(poisonOffset));
      assertThat(KafkaTestClient.key(poison)).isEqualTo(valid.subject());

      assertThat(single(find(dead, forgedId), "dead-letter-reason"))
          .startsWith("FORGED_SOURCE ce_source: verification.passed may only come from verifier");
      assertThat(dead)
          .anySatisfy(
              r ->
                  assertThat(KafkaTestClient.headerValue(r, "dead-letter-reason"))
                      .startsWith("MISSING_ATTRIBUTE"));
    }
    assertThat(probe.received()).noneMatch(e -> e.id().equals(forgedId));
  }

  private static EventEnvelope withFreshId(EventEnvelope e) {
    return new EventEnvelope(
        UUID.randomUUID().toString(),
        e.type(),
        e.source(),
        e.subject(),
        e.rotationId(),
        e.time(),
        e.data());
  }

  private static ConsumerRecord<byte[], byte[]> find(
      List<ConsumerRecord<byte[], byte[]>> records, String ceId) {
    return records.stream()
        .filter(r -> ceId.equals(KafkaTestClient.headerValue(r, "ce_id")))
        .findFirst()
        .orElse(null);
  }

  private static String single(ConsumerRecord<?, ?> record, String header) {
    List<String> values = KafkaTestClient.headerValues(record, header);
    assertThat(values).as("values of header %s", header).hasSize(1);
    return values.get(0);
  }

  private static ConsumerRecord<String, byte[]> bytesKeyed(ConsumerRecord<byte[], byte[]> r) {
    return new ConsumerRecord<>(
        r.topic(),
        r.partition(),
        r.offset(),
        r.timestamp(),
        r.timestampType(),
        r.serializedKeySize(),
        r.serializedValueSize(),
        KafkaTestClient.key(r),
        r.value(),
        r.headers(),
        r.leaderEpoch());
  }
}
