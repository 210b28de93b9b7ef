package dev.rotor.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.rotor.common.event.EventCodec;
import dev.rotor.common.event.EventEnvelope;

/** rotorctl's JSON output ({@code --output json}): one object per line, ISO-8601 times. */
public final class Json {
  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .addModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
          .serializationInclusion(JsonInclude.Include.NON_NULL)
          .build();

  private Json() {}

  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /** {@code value} as one line of JSON. */
  public static String line(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }

  /**
   * An event for scripts: its CloudEvents attributes, a line in words and its data as the contract
   * defines it.
   */
  public static ObjectNode event(EventEnvelope event, String summary) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("id", event.id());
    node.put("type", event.type().eventName());
    node.put("source", event.source());
    node.put("time", event.time().toString());
    if (event.subject() != null) {
      node.put("targetId", event.subject());
    }
    if (event.rotationId() != null) {
      node.put("rotationId", event.rotationId());
    }
    node.put("summary", summary);
    try {
      JsonNode data = MAPPER.readTree(EventCodec.encode(event.data()));
      node.set("data", data);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot read event data back", e);
    }
    return node;
  }
}
