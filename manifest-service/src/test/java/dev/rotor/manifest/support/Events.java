package dev.rotor.manifest.support;

import dev.rotor.common.event.CloudEventBinding;
import dev.rotor.common.event.EventCodec;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.RotorEvent;
import dev.rotor.common.event.Topics;
import dev.rotor.testsupport.KafkaTestClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/** Produces Rotor events onto the real broker and reads the manifest-service's answers. */
public final class Events implements AutoCloseable {
  public static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final KafkaTestClient kafka = new KafkaTestClient();

  /** An event with a fresh id from {@code source}. */
  public static EventEnvelope envelope(RotorEvent data, String source) {
    return new EventEnvelope(
        UUID.randomUUID().toString(),
        data.type(),
        source,
        data.subject(),
        data.rotationId(),
        Instant.now(),
        data);
  }

  /**
   * Sends an event to its topic, as its producer would (binary-mode CloudEvent). Only JDK types
   * cross into common's classes: Quarkus loads the Kafka client twice in a test JVM.
   */
  public EventEnvelope send(EventEnvelope event) {
    kafka.produce(
        event.type().topics().get(0),
        event.subject(),
        CloudEventBinding.headers(event),
        EventCodec.encode(event.data()));
    return event;
  }

  public KafkaTestClient kafka() {
    return kafka;
  }

  /** The manifest-service's events for a rotation so far. */
  public List<EventEnvelope> manifests(String rotationId) {
    return decode(kafka.readAll(Topics.MANIFESTS), rotationId);
  }

  /** Waits for an event of {@code type} for the rotation and returns it. */
  public EventEnvelope await(String rotationId, EventType type) {
    List<ConsumerRecord<byte[], byte[]>> records;
    try {
      records =
          kafka.readUntil(
              Topics.MANIFESTS,
              rs -> decode(rs, rotationId).stream().anyMatch(e -> e.type() == type),
              TIMEOUT);
    } catch (AssertionError e) {
      List<String> deadLetters =
          kafka.readAll(Topics.DLQ).stream()
              .filter(r -> rotationId.equals(KafkaTestClient.headerValue(r, "ce_rotationid")))
              .map(r -> KafkaTestClient.headerValue(r, "dead-letter-reason"))
              .toList();
      throw new AssertionError(
          "no " + type.eventName() + " for " + rotationId + "; dead letters: " + deadLetters, e);
    }
    return decode(records, rotationId).stream()
        .filter(e -> e.type() == type)
        .findFirst()
        .orElseThrow();
  }

  private static List<EventEnvelope> decode(
      List<ConsumerRecord<byte[], byte[]>> records, String rotationId) {
    List<EventEnvelope> events = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> record : records) {
      if (rotationId.equals(KafkaTestClient.headerValue(record, "ce_rotationid"))) {
        Map<String, List<byte[]>> headers = new LinkedHashMap<>();
        for (Header h : record.headers()) {
          headers.computeIfAbsent(h.key(), k -> new ArrayList<>()).add(h.value());
        }
        events.add(
            CloudEventBinding.decode(
                headers, record.value(), record.topic(), Instant.ofEpochMilli(record.timestamp())));
      }
    }
    return events;
  }

  @Override
  public void close() {
    kafka.close();
  }
}
