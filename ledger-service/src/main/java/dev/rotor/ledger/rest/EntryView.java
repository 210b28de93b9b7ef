package dev.rotor.ledger.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.common.event.EventType;
import dev.rotor.ledger.store.EntryEntity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Base64;

/**
 * One entry as the API shows it: the event, where it came from, and the hashes that tie it into the
 * log (base64, like checkpoints and proofs).
 *
 * @param leafIndex its position in the log (RFC 9162 leaf index)
 * @param eventId the CloudEvents id
 * @param type the CloudEvents type
 * @param eventName the short type name, e.g. {@code key.generated}
 * @param source the producer
 * @param subject the target (or the log's origin for checkpoints)
 * @param rotationId the rotation, if any
 * @param time the event's time
 * @param ingestedAt when the ledger appended it
 * @param kafka where it was read (informational: not covered by any hash)
 * @param canonical the exact bytes hashed (base64 of RFC 8785 JSON)
 * @param leafHash {@code SHA-256(0x00 || canonical)}
 * @param prevHash the chain hash of the entry before
 * @param chainHash {@code SHA-256(prevHash || leafHash)}
 * @param event the canonical bytes as JSON, for reading
 */
public record EntryView(
    long leafIndex,
    String eventId,
    String type,
    String eventName,
    String source,
    String subject,
    String rotationId,
    Instant time,
    Instant ingestedAt,
    KafkaOrigin kafka,
    String canonical,
    String leafHash,
    String prevHash,
    String chainHash,
    JsonNode event) {

  /** Topic, partition and offset the event was read from. */
  public record KafkaOrigin(String topic, Integer partition, Long offset) {}

  /**
   * A timeline line: the event without the hashes.
   *
   * @param leafIndex its position in the log
   * @param eventId the CloudEvents id
   * @param eventName the short type name
   * @param source the producer
   * @param time the event's time
   * @param data the event's data
   */
  public record Line(
      long leafIndex,
      String eventId,
      String eventName,
      String source,
      Instant time,
      JsonNode data) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  static EntryView of(EntryEntity e) {
    Base64.Encoder b64 = Base64.getEncoder();
    return new EntryView(
        e.leafIndex,
        e.eventId,
        e.eventType,
        eventName(e.eventType),
        e.source,
        e.subject,
        e.rotationId,
        e.eventTime,
        e.ingestedAt,
        new KafkaOrigin(e.kafkaTopic, e.kafkaPartition, e.kafkaOffset),
        b64.encodeToString(e.canonical),
        b64.encodeToString(e.leafHash),
        b64.encodeToString(e.prevHash),
        b64.encodeToString(e.chainHash),
        parse(e.canonical));
  }

  static Line line(EntryEntity e) {
    return new Line(
        e.leafIndex,
        e.eventId,
        eventName(e.eventType),
        e.source,
        e.eventTime,
        parse(e.canonical).get("data"));
  }

  private static String eventName(String cloudEventType) {
    return EventType.fromCloudEventType(cloudEventType)
        .map(EventType::eventName)
        .orElse(cloudEventType);
  }

  private static JsonNode parse(byte[] canonical) {
    try {
      return JSON.readTree(canonical);
    } catch (IOException e) {
      throw new UncheckedIOException("an entry's bytes are not JSON", e);
    }
  }
}
