package dev.rotor.common.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotor.common.event.EventDecodingException.Reason;
import org.junit.jupiter.api.Test;

/**
 * A NUL character anywhere in an event's data is refused by name: PostgreSQL's text and jsonb
 * cannot store it, and a well-formed request whose reason held one stalled the ledger-service's
 * ingestion (found by the devstack's HostileInputIT).
 */
class NulCharacterTest {
  private static final ObjectMapper JSON = EventCodec.mapper();

  @Test
  void aNulInAFreeTextFieldIsRefusedNamingTheField() {
    ObjectNode json = json(EventType.ROTATION_REQUESTED);
    json.put("reason", "quarterly\u0000rotation");

    assertRefused(EventType.ROTATION_REQUESTED, json, "reason");
  }

  @Test
  void aNulDeepInTheDataIsRefusedNamingItsPath() {
    ObjectNode json = json(EventType.KEY_GENERATED);
    ((ObjectNode) json.with("plan").withArray("stages").get(0))
        .withArray("deployments")
        .add("app\u0000");

    assertThatThrownBy(() -> decode(EventType.KEY_GENERATED, json))
        .isInstanceOfSatisfying(
            EventDecodingException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.INVALID_FIELD);
              assertThat(e.field()).startsWith("plan.stages[0].deployments[");
              assertThat(e.getMessage()).doesNotContain("\u0000");
            });
  }

  @Test
  void aNulInAFieldNameIsRefusedAsAnUnknownFieldWithoutEchoingIt() {
    ObjectNode json = json(EventType.ROTATION_REQUESTED);
    json.put("reason\u0000", "x");

    assertThatThrownBy(() -> decode(EventType.ROTATION_REQUESTED, json))
        .isInstanceOfSatisfying(
            EventDecodingException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_FIELD);
              assertThat(e.getMessage()).doesNotContain("\u0000");
            });
  }

  @Test
  void otherCharactersOfFreeTextStillPass() throws Exception {
    ObjectNode json = json(EventType.ROTATION_REQUESTED);
    json.put("reason", "line one\nline two\ttabbed, caf\u00e9");

    RotationRequested decoded = (RotationRequested) decode(EventType.ROTATION_REQUESTED, json);

    assertThat(decoded.reason()).isEqualTo("line one\nline two\ttabbed, caf\u00e9");
  }

  private static void assertRefused(EventType type, ObjectNode json, String field) {
    assertThatThrownBy(() -> decode(type, json))
        .isInstanceOfSatisfying(
            EventDecodingException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.INVALID_FIELD);
              assertThat(e.field()).isEqualTo(field);
              assertThat(e.getMessage()).contains("NUL").doesNotContain("\u0000");
            });
  }

  private static ObjectNode json(EventType type) {
    return (ObjectNode) JSON.valueToTree(SampleEvents.of(type));
  }

  private static RotorEvent decode(EventType type, ObjectNode json) throws Exception {
    return EventCodec.decode(type, JSON.writeValueAsBytes(json));
  }
}
