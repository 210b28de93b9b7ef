package dev.rotor.common.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotor.common.event.EventDecodingException.Reason;
import java.nio.charset.StandardCharsets;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class EventCodecTest {

  @ParameterizedTest
  @EnumSource(EventType.class)
  void everyEventTypeRoundTripsThroughItsJsonData(EventType type) {
    RotorEvent event = SampleEvents.of(type);

    RotorEvent decoded = EventCodec.decode(type, EventCodec.encode(event));

    assertThat(decoded).isEqualTo(event).isInstanceOf(type.dataClass());
    assertThat(decoded.type()).isEqualTo(type);
  }

  @ParameterizedTest
  @EnumSource(EventType.class)
  void everyEventTypeHasAVersionedCloudEventsTypeThatMapsBack(EventType type) {
    assertThat(type.cloudEventType()).matches("dev\\.rotor\\.[a-z]+\\.[a-z-]+\\.v1");
    assertThat(EventType.fromCloudEventType(type.cloudEventType())).contains(type);
    assertThat(EventType.of(type.dataClass())).isEqualTo(type);
    assertThat(type.topics()).isNotEmpty().allMatch(Topics.EVENT_TOPICS::contains);
  }

  @Test
  void aMissingNestedFieldIsNamedByItsPathInTheData() {
    ObjectNode json = json(EventType.KEY_GENERATED);
    ((ObjectNode) json.with("plan").withArray("stages").get(0)).remove("cluster");

    assertRefused(EventType.KEY_GENERATED, json, Reason.INVALID_FIELD, "plan.stages[0].cluster");
  }

  @Test
  void aFieldOfTheWrongTypeIsNamedWithTheTypeExpected() {
    ObjectNode json = json(EventType.KEY_GENERATED);
    json.with("plan").with("keyring").put("previousKeys", "two");

    assertThatThrownBy(() -> decode(EventType.KEY_GENERATED, json))
        .isInstanceOfSatisfying(
            EventDecodingException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.INVALID_FIELD);
              assertThat(e.field()).isEqualTo("plan.keyring.previousKeys");
              assertThat(e.getMessage()).contains("int expected");
            });
  }

  @Test
  void aValueTheModelRefusesIsNamedWithoutRepeatingThePrefix() {
    ObjectNode json = json(EventType.KEY_GENERATED);
    json.with("plan").with("keyring").put("previousKeys", 0);

    assertRefused(EventType.KEY_GENERATED, json, Reason.INVALID_FIELD, "plan.keyring.previousKeys");
  }

  @Test
  void aFieldTheTypeDoesNotDefineIsRefusedByName() {
    ObjectNode json = json(EventType.ROTATION_APPROVED);
    json.put("autoMerge", true);

    assertRefused(EventType.ROTATION_APPROVED, json, Reason.UNKNOWN_FIELD, "autoMerge");
  }

  @Test
  void anUnknownReasonCodeIsRefused() {
    ObjectNode json = json(EventType.ROTATION_REJECTED);
    json.put("reason", "BECAUSE");

    assertRefused(EventType.ROTATION_REJECTED, json, Reason.INVALID_FIELD, "reason");
  }

  @Test
  void aFingerprintThatIsNotSha256HexIsRefused() {
    ObjectNode json = json(EventType.KEY_GENERATED);
    json.put("fingerprint", "ABC");

    assertRefused(EventType.KEY_GENERATED, json, Reason.INVALID_FIELD, "fingerprint");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "../../etc/passwd",
        "aether-services/../../etc",
        "aether-services/secrets\nservice",
        "aether-services/$(rm -rf /)",
        "aether-services/x: {injected: true}",
        "aether-services/secrets‮service",
        "AETHER/secrets",
        "aether-services"
      })
  void hostileTargetIdsAreRefusedWithoutEchoingThem(String targetId) {
    ObjectNode json = json(EventType.ROTATION_APPROVED);
    json.put("targetId", targetId);

    assertThatThrownBy(() -> decode(EventType.ROTATION_APPROVED, json))
        .isInstanceOfSatisfying(
            EventDecodingException.class,
            e -> {
              assertThat(e.field()).isEqualTo("targetId");
              assertThat(e.getMessage()).doesNotContain(targetId);
            });
  }

  @Test
  void aRotationIdWithShellMetacharactersIsRefused() {
    ObjectNode json = json(EventType.ROTATION_APPROVED);
    json.put("rotationId", "abc; curl evil");

    assertRefused(EventType.ROTATION_APPROVED, json, Reason.INVALID_FIELD, "rotationId");
  }

  @Test
  void aPlanOfAnotherTargetIsRefused() {
    ObjectNode json = json(EventType.ROLLOUT_STARTED);
    json.put("targetId", "aether-services/other-secret");

    assertRefused(EventType.ROLLOUT_STARTED, json, Reason.INVALID_FIELD, "plan");
  }

  @Test
  void dataThatIsNotJsonIsRefused() {
    assertThatThrownBy(() -> EventCodec.decode(EventType.ROTATION_REQUESTED, bytes("{not json")))
        .isInstanceOfSatisfying(
            EventDecodingException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NOT_JSON));
    assertThatThrownBy(() -> EventCodec.decode(EventType.ROTATION_REQUESTED, bytes("")))
        .isInstanceOfSatisfying(
            EventDecodingException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NOT_JSON));
    assertThatThrownBy(() -> EventCodec.decode(EventType.ROTATION_REQUESTED, bytes("[1,2]")))
        .isInstanceOfSatisfying(
            EventDecodingException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NOT_JSON));
    assertThatThrownBy(() -> EventCodec.decode(EventType.ROTATION_REQUESTED, bytes("null")))
        .isInstanceOfSatisfying(
            EventDecodingException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NOT_JSON));
  }

  @Test
  void duplicateKeysAndTrailingDataAreRefused() {
    String valid = new String(EventCodec.encode(SampleEvents.of(EventType.ROTATION_APPROVED)));
    String duplicated = valid.replaceFirst("\\{", "{\"approver\":\"mallory\",");

    assertThatThrownBy(() -> EventCodec.decode(EventType.ROTATION_APPROVED, bytes(duplicated)))
        .isInstanceOf(EventDecodingException.class);
    assertThatThrownBy(() -> EventCodec.decode(EventType.ROTATION_APPROVED, bytes(valid + "{}")))
        .isInstanceOf(EventDecodingException.class);
  }

  @Test
  void dataOverTheSizeLimitIsRefusedBeforeParsing() {
    byte[] giant = new byte[EventCodec.MAX_DATA_BYTES + 1];
    java.util.Arrays.fill(giant, (byte) ' ');

    assertThatThrownBy(() -> EventCodec.decode(EventType.ROTATION_REQUESTED, giant))
        .isInstanceOfSatisfying(
            EventDecodingException.class, e -> assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE));
  }

  @Test
  void deeplyNestedDataIsRefused() {
    String deep = "{\"reason\":" + "[".repeat(500) + "]".repeat(500) + "}";

    assertThatThrownBy(() -> EventCodec.decode(EventType.ROTATION_REQUESTED, bytes(deep)))
        .isInstanceOf(EventDecodingException.class);
  }

  @Test
  void aNumberLongerThanThirtyTwoDigitsIsRefusedWithoutEchoingIt() {
    String digits = "7".repeat(40);
    String known =
        "{\"rotationId\":\"r-1\",\"targetId\":\"ns-a/secret-a\",\"approver\":\"eve\","
            + "\"force\":"
            + digits
            + "}";
    String unknown = "{\"extra\":" + digits + "}";

    for (String data : new String[] {known, unknown}) {
      assertThatThrownBy(() -> EventCodec.decode(EventType.ROTATION_APPROVED, bytes(data)))
          .isInstanceOfSatisfying(
              EventDecodingException.class,
              e -> {
                assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE);
                assertThat(e.field()).isEqualTo("data");
                assertThat(e.getMessage()).contains("number").doesNotContain(digits);
              });
    }
  }

  @Test
  void dataNestedDeeperThanThirtyTwoLevelsIsRefusedAsTooLarge() {
    String nested = "{\"a\":".repeat(40) + "1" + "}".repeat(40);
    String underUnknown = "{\"extra\":" + nested + "}";
    String underKnown = "{\"reason\":" + nested + "}";
    String topLevel = "[".repeat(40) + "]".repeat(40);

    for (String data : new String[] {nested, underUnknown, underKnown, topLevel}) {
      assertThatThrownBy(() -> EventCodec.decode(EventType.ROTATION_APPROVED, bytes(data)))
          .as(data)
          .isInstanceOf(EventDecodingException.class)
          .isNotInstanceOf(java.io.UncheckedIOException.class);
    }
    assertThatThrownBy(() -> EventCodec.decode(EventType.ROTATION_APPROVED, bytes(nested)))
        .isInstanceOfSatisfying(
            EventDecodingException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE);
              assertThat(e.getMessage()).contains("nested deeper than 32");
            });
  }

  private static ObjectNode json(EventType type) {
    return EventCodec.mapper().valueToTree(SampleEvents.of(type));
  }

  private static RotorEvent decode(EventType type, ObjectNode json) throws Exception {
    return EventCodec.decode(type, EventCodec.mapper().writeValueAsBytes(json));
  }

  private static void assertRefused(EventType type, ObjectNode json, Reason reason, String field) {
    ThrowingCallable call = () -> decode(type, json);
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            EventDecodingException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(reason);
              assertThat(e.field()).isEqualTo(field);
              assertThat(e.getMessage()).startsWith(field + ": ");
            });
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
