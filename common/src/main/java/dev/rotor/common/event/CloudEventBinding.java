package dev.rotor.common.event;

import dev.rotor.common.event.EventDecodingException.Reason;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The CloudEvents 1.0 Kafka protocol binding in binary mode, as Rotor uses it: attributes in {@code
 * ce_*} headers, the JSON data as the record value, the target id as the record key.
 *
 * <p>Decoding checks everything the contract promises before a consumer acts on a record: each
 * attribute present once, a known type on its own topic, a source allowed to produce it, data that
 * agree with the attributes. Kafka-free, so it is tested without a broker; {@code
 * dev.rotor.common.messaging} adapts it to Kafka records and SmallRye messages.
 */
public final class CloudEventBinding {
  public static final String SPEC_VERSION = "1.0";
  public static final String CONTENT_TYPE = "application/json";

  public static final String H_SPEC_VERSION = "ce_specversion";
  public static final String H_ID = "ce_id";
  public static final String H_TYPE = "ce_type";
  public static final String H_SOURCE = "ce_source";
  public static final String H_SUBJECT = "ce_subject";
  public static final String H_TIME = "ce_time";
  public static final String H_DATA_CONTENT_TYPE = "ce_datacontenttype";
  public static final String H_CONTENT_TYPE = "content-type";

  /** CloudEvents extension carrying the rotation id. */
  public static final String EXT_ROTATION_ID = "rotationid";

  /** CloudEvents extension carrying the partition key (the Kafka record key). */
  public static final String EXT_PARTITION_KEY = "partitionkey";

  public static final String H_ROTATION_ID = "ce_" + EXT_ROTATION_ID;
  public static final String H_PARTITION_KEY = "ce_" + EXT_PARTITION_KEY;

  private static final List<String> SINGLE_VALUED =
      List.of(
          H_SPEC_VERSION,
          H_ID,
          H_TYPE,
          H_SOURCE,
          H_SUBJECT,
          H_TIME,
          H_DATA_CONTENT_TYPE,
          H_CONTENT_TYPE,
          H_ROTATION_ID,
          H_PARTITION_KEY);

  private static final int MAX_ATTRIBUTE_CHARS = 512;

  private CloudEventBinding() {}

  /** The headers of {@code event} in binary mode, in a stable order. */
  public static Map<String, String> headers(EventEnvelope event) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put(H_SPEC_VERSION, SPEC_VERSION);
    headers.put(H_ID, event.id());
    headers.put(H_TYPE, event.type().cloudEventType());
    headers.put(H_SOURCE, event.source());
    if (event.subject() != null) {
      headers.put(H_SUBJECT, event.subject());
      headers.put(H_PARTITION_KEY, event.subject());
    }
    headers.put(H_TIME, DateTimeFormatter.ISO_INSTANT.format(event.time()));
    headers.put(H_DATA_CONTENT_TYPE, CONTENT_TYPE);
    headers.put(H_CONTENT_TYPE, CONTENT_TYPE);
    if (event.rotationId() != null) {
      headers.put(H_ROTATION_ID, event.rotationId());
    }
    return headers;
  }

  /**
   * Reads an event from a record's headers and value.
   *
   * @param headers every header of the record, each name with all its values (in order)
   * @param value the record value (the JSON data)
   * @param topic the topic it arrived on; {@code null} skips the topic check
   * @param recordTime the record's timestamp, used when {@code ce_time} is absent
   * @throws EventDecodingException naming the header or field that is wrong
   */
  public static EventEnvelope decode(
      Map<String, List<byte[]>> headers, byte[] value, String topic, Instant recordTime) {
    Map<String, String> attributes = new LinkedHashMap<>();
    for (String name : SINGLE_VALUED) {
      List<byte[]> values = headers.getOrDefault(name, List.of());
      if (values.size() > 1) {
        throw new EventDecodingException(
            Reason.DUPLICATE_ATTRIBUTE, name, "appears " + values.size() + " times");
      }
      if (values.size() == 1) {
        attributes.put(name, text(name, values.get(0)));
      }
    }
    String specVersion = required(attributes, H_SPEC_VERSION);
    if (!SPEC_VERSION.equals(specVersion)) {
      throw new EventDecodingException(
          Reason.INVALID_ATTRIBUTE, H_SPEC_VERSION, "must be " + SPEC_VERSION);
    }
    String id = required(attributes, H_ID);
    String ceType = required(attributes, H_TYPE);
    EventType type =
        EventType.fromCloudEventType(ceType)
            .orElseThrow(
                () ->
                    new EventDecodingException(
                        Reason.UNKNOWN_TYPE,
                        H_TYPE,
                        ceType.startsWith(EventType.TYPE_PREFIX)
                            ? "is not a type (or type version) this reader knows"
                            : "is not a Rotor event type"));
    if (topic != null && !type.topics().contains(topic)) {
      throw new EventDecodingException(
          Reason.WRONG_TOPIC,
          H_TYPE,
          type.eventName() + " does not belong on topic " + JsonPaths.safe(topic));
    }
    String source = required(attributes, H_SOURCE);
    requireUriReference(source);
    if (!type.mayBeProducedBy(source)) {
      throw new EventDecodingException(
          Reason.FORGED_SOURCE,
          H_SOURCE,
          type.eventName() + " may only come from " + String.join(", ", type.producers()));
    }
    String subject = required(attributes, H_SUBJECT);
    for (String contentTypeHeader : List.of(H_CONTENT_TYPE, H_DATA_CONTENT_TYPE)) {
      String contentType = attributes.get(contentTypeHeader);
      if (contentType != null && !isJson(contentType)) {
        throw new EventDecodingException(
            Reason.INVALID_ATTRIBUTE, contentTypeHeader, "must be " + CONTENT_TYPE);
      }
    }
    Instant time = time(attributes.get(H_TIME), recordTime);

    RotorEvent data = EventCodec.decode(type, value);

    if (!subject.equals(data.subject())) {
      throw new EventDecodingException(
          Reason.MISMATCH, H_SUBJECT, "differs from the target of the data");
    }
    if (!Objects.equals(attributes.get(H_ROTATION_ID), data.rotationId())) {
      throw new EventDecodingException(
          Reason.MISMATCH, H_ROTATION_ID, "differs from the rotation id of the data");
    }
    String agentCluster = agentClusterOf(data);
    if (agentCluster != null && !source.equals(Sources.of("cluster-agent", agentCluster))) {
      throw new EventDecodingException(
          Reason.FORGED_SOURCE,
          H_SOURCE,
          "a cluster-agent reports only on its own cluster, and this source is not the agent of"
              + " the cluster the data names");
    }
    return new EventEnvelope(id, type, source, subject, data.rotationId(), time, data);
  }

  /** The cluster whose agent alone may send {@code data}; null for events not from an agent. */
  private static String agentClusterOf(RotorEvent data) {
    if (data instanceof RolloutWaiting e) {
      return e.cluster();
    } else if (data instanceof RolloutStarted e) {
      return e.cluster();
    } else if (data instanceof RolloutCompleted e) {
      return e.cluster();
    } else if (data instanceof RolloutFailed e) {
      return e.cluster();
    } else if (data instanceof RollbackCompleted e) {
      return e.cluster();
    } else if (data instanceof RollbackFailed e) {
      return e.cluster();
    }
    return null;
  }

  private static String required(Map<String, String> attributes, String name) {
    String value = attributes.get(name);
    if (value == null || value.isEmpty()) {
      throw new EventDecodingException(Reason.MISSING_ATTRIBUTE, name, "is required");
    }
    return value;
  }

  private static String text(String name, byte[] bytes) {
    if (bytes == null) {
      return null;
    }
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
              .toString();
    } catch (CharacterCodingException e) {
      throw new EventDecodingException(Reason.INVALID_ATTRIBUTE, name, "is not valid UTF-8");
    }
    if (text.length() > MAX_ATTRIBUTE_CHARS) {
      throw new EventDecodingException(
          Reason.INVALID_ATTRIBUTE, name, "is longer than " + MAX_ATTRIBUTE_CHARS + " characters");
    }
    if (text.chars()
        .anyMatch(c -> Character.isISOControl(c) || Character.getType(c) == Character.FORMAT)) {
      throw new EventDecodingException(
          Reason.INVALID_ATTRIBUTE, name, "contains control or invisible formatting characters");
    }
    return text;
  }

  private static void requireUriReference(String source) {
    try {
      new URI(source);
    } catch (URISyntaxException e) {
      throw new EventDecodingException(
          Reason.INVALID_ATTRIBUTE, H_SOURCE, "is not a URI-reference");
    }
  }

  private static boolean isJson(String contentType) {
    String base = contentType.split(";", 2)[0].trim();
    return base.equalsIgnoreCase(CONTENT_TYPE);
  }

  private static Instant time(String value, Instant recordTime) {
    if (value == null) {
      if (recordTime == null) {
        throw new EventDecodingException(Reason.MISSING_ATTRIBUTE, H_TIME, "is required");
      }
      return recordTime;
    }
    try {
      return OffsetDateTime.parse(value, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
    } catch (DateTimeParseException e) {
      throw new EventDecodingException(
          Reason.INVALID_ATTRIBUTE, H_TIME, "is not an RFC 3339 timestamp");
    }
  }
}
