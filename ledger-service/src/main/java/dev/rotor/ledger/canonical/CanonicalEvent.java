package dev.rotor.ledger.canonical;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotor.common.event.CloudEventBinding;
import dev.rotor.common.event.EventCodec;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.RotorEvent;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * The bytes an entry stores and hashes: the event as a CloudEvent in the JSON format of CloudEvents
 * 1.0 (structured mode), canonicalized with RFC 8785 ({@link CanonicalJson}).
 *
 * <p>Members: {@code specversion} ("1.0"), {@code id}, {@code type} (e.g. {@code
 * dev.rotor.key.generated.v1}), {@code source}, {@code subject}, {@code time} (UTC, {@link
 * DateTimeFormatter#ISO_INSTANT}: {@code 2026-11-26T06:00:00Z}, fractions only when not zero),
 * {@code rotationid} (absent outside a rotation), {@code datacontenttype} ("application/json") and
 * {@code data}: the event's data as the contract's records write it (fields that are null are
 * absent). Kafka details (topic, partition, offset, headers' order) are not part of it: the same
 * event gives the same bytes however it arrived.
 */
public final class CanonicalEvent {
  private static final JsonFactory JSON = new JsonFactory();

  private CanonicalEvent() {}

  /**
   * The event time as the {@code event_time} column holds it: PostgreSQL's timestamptz keeps
   * microseconds, and the JDBC driver rounds the nanoseconds half up. The canonical bytes keep the
   * time as the event gave it; the column and verification both use this.
   */
  public static Instant columnTime(Instant time) {
    if (time == null) {
      return null;
    }
    int belowMicro = time.getNano() % 1_000;
    Instant truncated = time.minusNanos(belowMicro);
    return belowMicro >= 500 ? truncated.plusNanos(1_000) : truncated;
  }

  /** The canonical bytes of {@code event}. */
  public static byte[] bytes(EventEnvelope event) {
    ObjectNode root = EventCodec.mapper().createObjectNode();
    root.put("specversion", CloudEventBinding.SPEC_VERSION);
    root.put("id", event.id());
    root.put("type", event.type().cloudEventType());
    root.put("source", event.source());
    if (event.subject() != null) {
      root.put("subject", event.subject());
    }
    root.put("time", DateTimeFormatter.ISO_INSTANT.format(event.time()));
    if (event.rotationId() != null) {
      root.put(CloudEventBinding.EXT_ROTATION_ID, event.rotationId());
    }
    root.put("datacontenttype", CloudEventBinding.CONTENT_TYPE);
    root.set("data", EventCodec.mapper().valueToTree(event.data()));
    return CanonicalJson.bytes(root);
  }

  /**
   * Reads the event back from its canonical bytes, data included (to rebuild a rotation's record
   * from its entries).
   *
   * @throws IllegalArgumentException when the bytes are not an event of the contract
   */
  public static EventEnvelope event(byte[] canonical) {
    try {
      JsonNode root = EventCodec.mapper().readTree(canonical);
      if (root == null || !root.isObject()) {
        throw new IllegalArgumentException("entry: not a JSON object");
      }
      String cloudEventType = root.path("type").asText(null);
      EventType type =
          cloudEventType == null ? null : EventType.fromCloudEventType(cloudEventType).orElse(null);
      if (type == null) {
        throw new IllegalArgumentException("entry: not an event type of the contract");
      }
      RotorEvent data =
          EventCodec.decode(type, EventCodec.mapper().writeValueAsBytes(root.path("data")));
      return new EventEnvelope(
          root.path("id").asText(null),
          type,
          root.path("source").asText(null),
          root.path("subject").asText(null),
          root.path(CloudEventBinding.EXT_ROTATION_ID).asText(null),
          Instant.parse(root.path("time").asText()),
          data);
    } catch (IOException | RuntimeException e) {
      if (e instanceof IllegalArgumentException iae && iae.getMessage().startsWith("entry:")) {
        throw iae;
      }
      throw new IllegalArgumentException(
          "entry: not a readable event (" + e.getClass().getSimpleName() + ")");
    }
  }

  /**
   * Reads the attributes back from canonical bytes without building the data, to check that an
   * entry's indexed columns say what its bytes say.
   *
   * @throws IllegalArgumentException when the bytes are not a CloudEvent object
   */
  public static Attributes attributes(byte[] canonical) {
    String id = null;
    String type = null;
    String source = null;
    String subject = null;
    String rotationId = null;
    Instant time = null;
    try (JsonParser parser = JSON.createParser(canonical)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("entry: not a JSON object");
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        JsonToken value = parser.nextToken();
        if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
          parser.skipChildren();
          continue;
        }
        String text = value == JsonToken.VALUE_STRING ? parser.getText() : null;
        switch (name) {
          case "id" -> id = text;
          case "type" -> type = text;
          case "source" -> source = text;
          case "subject" -> subject = text;
          case "rotationid" -> rotationId = text;
          case "time" -> time = text == null ? null : Instant.parse(text);
          default -> {
            // specversion, datacontenttype: fixed values, not indexed
          }
        }
      }
    } catch (IOException | DateTimeParseException e) {
      throw new IllegalArgumentException("entry: not a readable CloudEvent (" + e.getClass() + ")");
    }
    return new Attributes(id, type, source, subject, rotationId, time);
  }

  /** The CloudEvents attributes an entry's bytes hold. */
  public record Attributes(
      String id, String type, String source, String subject, String rotationId, Instant time) {}
}
