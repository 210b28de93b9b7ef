package dev.rotor.common.messaging;

import dev.rotor.common.event.CloudEventBinding;
import dev.rotor.common.event.EventCodec;
import dev.rotor.common.event.EventDecodingException;
import dev.rotor.common.event.EventEnvelope;
import io.smallrye.reactive.messaging.ce.OutgoingCloudEventMetadata;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Rotor events on Kafka: outgoing as SmallRye messages with CloudEvents metadata (the connector
 * writes the {@code ce_*} headers in binary mode) or as plain producer records; incoming decoded
 * and checked by {@link CloudEventBinding}.
 *
 * <p>Incoming channels run with {@code cloud-events=false}: Rotor reads the headers itself, so that
 * a malformed record becomes an {@link EventDecodingException} with a reason (and goes to the
 * dead-letter topic) instead of a half-parsed event.
 */
public final class KafkaEvents {
  private KafkaEvents() {}

  /**
   * A message for an outgoing channel whose value serializer writes {@code byte[]}: the JSON data
   * as payload, the CloudEvents attributes as metadata, the target id as record key.
   */
  public static Message<byte[]> toMessage(EventEnvelope event) {
    return Message.of(EventCodec.encode(event.data()))
        .addMetadata(cloudEventMetadata(event))
        .addMetadata(
            OutgoingKafkaRecordMetadata.<String>builder().withKey(event.subject()).build());
  }

  /** Like {@link #toMessage(EventEnvelope)}, written to {@code topic} instead of the channel's. */
  public static Message<byte[]> toMessage(EventEnvelope event, String topic) {
    return Message.of(EventCodec.encode(event.data()))
        .addMetadata(cloudEventMetadata(event))
        .addMetadata(
            OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(event.subject())
                .withTopic(topic)
                .build());
  }

  private static OutgoingCloudEventMetadata<byte[]> cloudEventMetadata(EventEnvelope event) {
    var builder =
        OutgoingCloudEventMetadata.<byte[]>builder()
            .withId(event.id())
            .withType(event.type().cloudEventType())
            .withSource(URI.create(event.source()))
            .withTimestamp(event.time().atZone(ZoneOffset.UTC))
            .withDataContentType(CloudEventBinding.CONTENT_TYPE);
    if (event.subject() != null) {
      builder
          .withSubject(event.subject())
          .withExtension(CloudEventBinding.EXT_PARTITION_KEY, event.subject());
    }
    if (event.rotationId() != null) {
      builder.withExtension(CloudEventBinding.EXT_ROTATION_ID, event.rotationId());
    }
    return builder.build();
  }

  /** A plain producer record (for {@code rotorctl} and tools that use a KafkaProducer). */
  public static ProducerRecord<String, byte[]> toRecord(EventEnvelope event, String topic) {
    Headers headers = new RecordHeaders();
    CloudEventBinding.headers(event)
        .forEach((name, value) -> headers.add(name, value.getBytes(StandardCharsets.UTF_8)));
    return new ProducerRecord<>(
        topic, null, event.subject(), EventCodec.encode(event.data()), headers);
  }

  /**
   * Reads the event of a consumed record.
   *
   * @throws EventDecodingException naming what is wrong
   */
  public static EventEnvelope fromRecord(ConsumerRecord<?, byte[]> record) {
    return CloudEventBinding.decode(
        headerMap(record.headers()),
        record.value(),
        record.topic(),
        Instant.ofEpochMilli(record.timestamp()));
  }

  /**
   * Reads the event of a message from an incoming Kafka channel.
   *
   * @throws EventDecodingException naming what is wrong
   * @throws IllegalArgumentException if the message did not come from Kafka
   */
  public static EventEnvelope fromMessage(Message<byte[]> message) {
    IncomingKafkaRecordMetadata<?, ?> metadata =
        message
            .getMetadata(IncomingKafkaRecordMetadata.class)
            .orElseThrow(() -> new IllegalArgumentException("not a message from a Kafka channel"));
    return CloudEventBinding.decode(
        headerMap(metadata.getHeaders()),
        message.getPayload(),
        metadata.getTopic(),
        metadata.getTimestamp());
  }

  /** Every header of a record by name, with all its values in order (duplicates kept). */
  public static Map<String, List<byte[]>> headerMap(Headers headers) {
    Map<String, List<byte[]>> map = new LinkedHashMap<>();
    for (Header h : headers) {
      map.computeIfAbsent(h.key(), k -> new ArrayList<>()).add(h.value());
    }
    return map;
  }
}
