package dev.rotor.verifier.soak;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.rotor.common.event.EventCodec;
import dev.rotor.common.event.Evidence;
import dev.rotor.common.event.PodStatus;
import dev.rotor.common.plan.Plan;
import java.util.List;

/**
 * JSON in the verifier's rows: the plan, pods and evidence with the event contract's mapper; the
 * soak's progress with a lenient one, so that a newer verifier reads what an older one wrote.
 */
public final class StoredJson {
  private static final ObjectMapper PROGRESS =
      JsonMapper.builder()
          .addModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .build();
  private static final TypeReference<List<PodStatus>> PODS = new TypeReference<>() {};
  private static final TypeReference<List<Evidence>> EVIDENCE = new TypeReference<>() {};
  private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {};

  private StoredJson() {}

  public static String write(Object value) {
    try {
      return value instanceof SoakProgress
          ? PROGRESS.writeValueAsString(value)
          : EventCodec.mapper().writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + value.getClass().getSimpleName(), e);
    }
  }

  public static Plan plan(String json) {
    return read(json, EventCodec.mapper(), new TypeReference<Plan>() {});
  }

  public static SoakProgress progress(String json) {
    return read(json, PROGRESS, new TypeReference<SoakProgress>() {});
  }

  public static List<PodStatus> pods(String json) {
    return read(json, EventCodec.mapper(), PODS);
  }

  public static List<Evidence> evidence(String json) {
    return json == null ? List.of() : read(json, EventCodec.mapper(), EVIDENCE);
  }

  public static List<String> strings(String json) {
    return json == null ? List.of() : read(json, EventCodec.mapper(), STRINGS);
  }

  private static <T> T read(String json, ObjectMapper mapper, TypeReference<T> type) {
    try {
      return mapper.readValue(json, type);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot read stored JSON: " + e.getOriginalMessage(), e);
    }
  }
}
