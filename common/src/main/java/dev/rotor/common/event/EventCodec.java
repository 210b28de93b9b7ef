package dev.rotor.common.event;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.rotor.common.event.EventDecodingException.Reason;
import java.io.IOException;

/**
 * JSON mapping of event data. Decoding is strict: unknown fields, duplicate keys, trailing data,
 * type coercion and missing required fields are refused with an {@link EventDecodingException} that
 * names the field.
 */
public final class EventCodec {
  /** The largest event data accepted, in bytes. */
  public static final int MAX_DATA_BYTES = 64 * 1024;

  /** The deepest nesting of arrays and objects accepted in event data. */
  public static final int MAX_NESTING_DEPTH = 32;

  /** The longest number accepted in event data, in characters. */
  public static final int MAX_NUMBER_DIGITS = 32;

  private static final ObjectMapper MAPPER = newMapper();

  private EventCodec() {}

  /** The mapper every Rotor service uses for event data (thread-safe, shared). */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  private static ObjectMapper newMapper() {
    JsonMapper mapper =
        JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
            .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .build();
    mapper
        .getFactory()
        .setStreamReadConstraints(
            StreamReadConstraints.builder()
                .maxNestingDepth(MAX_NESTING_DEPTH)
                .maxStringLength(MAX_DATA_BYTES)
                .maxNumberLength(MAX_NUMBER_DIGITS)
                .build());
    return mapper;
  }

  /** The JSON data of {@code event}. */
  public static byte[] encode(RotorEvent event) {
    try {
      return MAPPER.writeValueAsBytes(event);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode " + event.type().eventName(), e);
    }
  }

  /**
   * Reads the data of an event of {@code type}.
   *
   * @throws EventDecodingException naming the field that is missing or wrong
   */
  public static RotorEvent decode(EventType type, byte[] data) {
    if (data == null || data.length == 0) {
      throw new EventDecodingException(Reason.NOT_JSON, "data", "is empty");
    }
    if (data.length > MAX_DATA_BYTES) {
      throw new EventDecodingException(
          Reason.TOO_LARGE,
          "data",
          "is " + data.length + " bytes, more than the limit of " + MAX_DATA_BYTES);
    }
    try {
      RotorEvent event = MAPPER.readValue(data, type.dataClass());
      if (event == null) {
        throw new EventDecodingException(Reason.NOT_JSON, "data", "is null, not an object");
      }
      requireNoNul(MAPPER.readTree(data), "");
      return event;
    } catch (StreamConstraintsException e) {
      throw tooLarge(e);
    } catch (UnrecognizedPropertyException e) {
      String field = JsonPaths.of(e);
      throw new EventDecodingException(
          Reason.UNKNOWN_FIELD, field, "is not a field of " + type.eventName());
    } catch (ValueInstantiationException e) {
      throw invalid(e, e.getCause());
    } catch (InvalidFormatException e) {
      throw invalid(e, e.getCause());
    } catch (MismatchedInputException e) {
      String path = JsonPaths.of(e);
      if (path.isEmpty()) {
        throw new EventDecodingException(Reason.NOT_JSON, "data", "is not a JSON object");
      }
      throw new EventDecodingException(
          Reason.INVALID_FIELD, path, "has the wrong type (" + expected(e) + " expected)");
    } catch (JsonMappingException e) {
      if (e.getCause() instanceof StreamConstraintsException limit) {
        throw tooLarge(limit);
      }
      throw invalid(e, e.getCause());
    } catch (StreamReadException e) {
      throw new EventDecodingException(
          Reason.NOT_JSON, "data", "is not well-formed JSON (" + JsonPaths.problem(e) + ")");
    } catch (JsonProcessingException e) {
      // Any other refusal of the parser is a property of the record, not of this service: it must
      // reach the dead-letter topic like the rest, never stop a consumer.
      throw new EventDecodingException(
          Reason.NOT_JSON, "data", "cannot be read (" + JsonPaths.problem(e) + ")");
    } catch (IOException e) {
      // Reading a byte array does no I/O; this is a parser failure all the same.
      throw new EventDecodingException(
          Reason.NOT_JSON, "data", "cannot be read (" + e.getClass().getSimpleName() + ")");
    }
  }

  /**
   * Refuses a NUL character in any string of the data (a field name with one is an unknown field):
   * no database Rotor's services use can store it (PostgreSQL's text and jsonb refuse U+0000), so
   * an event holding one would stall whichever consumer records it.
   */
  private static void requireNoNul(JsonNode node, String path) {
    if (node.isTextual() && node.textValue().indexOf('\u0000') >= 0) {
      throw new EventDecodingException(
          Reason.INVALID_FIELD, path.isEmpty() ? "data" : path, "holds a NUL character");
    }
    if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        requireNoNul(node.get(i), path + "[" + i + "]");
      }
    } else if (node.isObject()) {
      for (var fields = node.fields(); fields.hasNext(); ) {
        var field = fields.next();
        String name = field.getKey();
        requireNoNul(field.getValue(), path.isEmpty() ? name : path + "." + name);
      }
    }
  }

  /**
   * A parser limit the data exceeds (number length, nesting depth, string length), named by kind
   * and limit; Jackson's message holds only lengths, and the value itself is never repeated.
   */
  private static EventDecodingException tooLarge(StreamConstraintsException e) {
    String message = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
    String what;
    if (message.startsWith("Number")) {
      what = "holds a number longer than " + MAX_NUMBER_DIGITS + " characters";
    } else if (message.contains("nesting depth") || message.contains("Nesting depth")) {
      what = "is nested deeper than " + MAX_NESTING_DEPTH + " levels";
    } else if (message.startsWith("String")) {
      what = "holds a string longer than " + MAX_DATA_BYTES + " characters";
    } else {
      what = "exceeds a limit of the parser";
    }
    String at =
        e.getLocation() == null
            ? ""
            : " (at line "
                + e.getLocation().getLineNr()
                + ", column "
                + e.getLocation().getColumnNr()
                + ")";
    return new EventDecodingException(Reason.TOO_LARGE, "data", what + at);
  }

  private static EventDecodingException invalid(JsonMappingException e, Throwable cause) {
    String path = JsonPaths.of(e);
    if (cause instanceof IllegalArgumentException iae && iae.getMessage() != null) {
      String message = iae.getMessage();
      int colon = message.indexOf(": ");
      if (colon > 0) {
        String field = JsonPaths.nest(path, message.substring(0, colon));
        return new EventDecodingException(
            Reason.INVALID_FIELD, field, message.substring(colon + 2));
      }
      return new EventDecodingException(
          Reason.INVALID_FIELD, path.isEmpty() ? "data" : path, message);
    }
    return new EventDecodingException(
        Reason.INVALID_FIELD, path.isEmpty() ? "data" : path, "has a value of the wrong type");
  }

  private static String expected(MismatchedInputException e) {
    Class<?> t = e.getTargetType();
    return t == null ? "another type" : t.getSimpleName();
  }
}
