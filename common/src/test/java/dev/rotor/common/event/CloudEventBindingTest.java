package dev.rotor.common.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.common.event.EventDecodingException.Reason;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class CloudEventBindingTest {

  @ParameterizedTest
  @EnumSource(EventType.class)
  void everyEventTypeRoundTripsThroughHeadersAndValue(EventType type) {
    EventEnvelope event = SampleEvents.envelope(type);

    EventEnvelope decoded =
        CloudEventBinding.decode(
            headers(event), EventCodec.encode(event.data()), type.topics().get(0), null);

    assertThat(decoded).isEqualTo(event);
  }

  @Test
  void headersCarryTheCloudEventsAttributesAndTheTargetAsPartitionKey() {
    EventEnvelope event = SampleEvents.envelope(EventType.KEY_GENERATED);

    Map<String, String> headers = CloudEventBinding.headers(event);

    assertThat(headers)
        .containsEntry("ce_specversion", "1.0")
        .containsEntry("ce_id", event.id())
        .containsEntry("ce_type", "dev.rotor.key.generated.v1")
        .containsEntry("ce_source", "/rotor/key-generator")
        .containsEntry("ce_subject", SampleEvents.TARGET)
        .containsEntry("ce_partitionkey", SampleEvents.TARGET)
        .containsEntry("ce_rotationid", SampleEvents.ROTATION)
        .containsEntry("ce_time", "2026-11-26T06:00:00Z")
        .containsEntry("content-type", "application/json");
  }

  @ParameterizedTest
  @ValueSource(strings = {"ce_specversion", "ce_id", "ce_type", "ce_source", "ce_subject"})
  void aMissingRequiredAttributeIsNamed(String header) {
    EventEnvelope event = SampleEvents.envelope(EventType.ROTATION_REQUESTED);
    Map<String, List<byte[]>> headers = headers(event);
    headers.remove(header);

    assertRefused(headers, event, Topics.REQUESTS, Reason.MISSING_ATTRIBUTE, header);
  }

  @Test
  void withoutCeTimeTheRecordTimestampIsTheEventTime() {
    EventEnvelope event = SampleEvents.envelope(EventType.ROTATION_REQUESTED);
    Map<String, List<byte[]>> headers = headers(event);
    headers.remove("ce_time");
    Instant recordTime = Instant.parse("2026-11-26T07:00:00Z");

    EventEnvelope decoded =
        CloudEventBinding.decode(
            headers, EventCodec.encode(event.data()), Topics.REQUESTS, recordTime);

    assertThat(decoded.time()).isEqualTo(recordTime);
  }

  @Test
  void anAttributeThatAppearsTwiceIsRefused() {
    EventEnvelope event = SampleEvents.envelope(EventType.ROTATION_APPROVED);
    Map<String, List<byte[]>> headers = headers(event);
    headers.get("ce_id").add(bytes("another-id"));

    assertRefused(headers, event, Topics.APPROVALS, Reason.DUPLICATE_ATTRIBUTE, "ce_id");
  }

  @Test
  void anUnknownTypeOrAnUnknownVersionIsRefused() {
    EventEnvelope event = SampleEvents.envelope(EventType.ROTATION_REQUESTED);
    Map<String, List<byte[]>> headers = headers(event);

    headers.put("ce_type", list("dev.rotor.rotation.requested.v9"));
    assertRefused(headers, event, Topics.REQUESTS, Reason.UNKNOWN_TYPE, "ce_type");

    headers.put("ce_type", list("com.example.order.created"));
    assertRefused(headers, event, Topics.REQUESTS, Reason.UNKNOWN_TYPE, "ce_type");
  }

  @Test
  void aTypeOnAnotherServicesTopicIsRefused() {
    EventEnvelope event = SampleEvents.envelope(EventType.VERIFICATION_PASSED);

    assertRefused(headers(event), event, Topics.REQUESTS, Reason.WRONG_TOPIC, "ce_type");
  }

  @Test
  void aVerdictFromAnyoneButTheVerifierIsRefusedAsForged() {
    EventEnvelope event = SampleEvents.envelope(EventType.VERIFICATION_PASSED);
    Map<String, List<byte[]>> headers = headers(event);
    headers.put("ce_source", list("/rotor/cli"));

    assertRefused(headers, event, Topics.VERIFICATIONS, Reason.FORGED_SOURCE, "ce_source");

    headers.put("ce_source", list("/rotor/verifier-impostor"));
    assertRefused(headers, event, Topics.VERIFICATIONS, Reason.FORGED_SOURCE, "ce_source");
  }

  @Test
  void aClusterAgentThatSpeaksForAnotherClusterIsRefusedAsForged() {
    EventEnvelope event = SampleEvents.envelope(EventType.ROLLOUT_COMPLETED);
    Map<String, List<byte[]>> headers = headers(event);

    headers.put("ce_source", list("/rotor/cluster-agent/aether-staging-evil"));
    assertRefused(headers, event, Topics.ROLLOUTS, Reason.FORGED_SOURCE, "ce_source");

    headers.put("ce_source", list("/rotor/cluster-agent/aether-production"));
    assertRefused(headers, event, Topics.ROLLOUTS, Reason.FORGED_SOURCE, "ce_source");
  }

  @Test
  void aClusterAgentMayProduceFromItsClusterSpecificSource() {
    EventEnvelope event = SampleEvents.envelope(EventType.ROLLOUT_COMPLETED);

    assertThat(event.source()).isEqualTo("/rotor/cluster-agent/aether-staging");
    assertThat(
            CloudEventBinding.decode(
                headers(event), EventCodec.encode(event.data()), Topics.ROLLOUTS, null))
        .isEqualTo(event);
  }

  @Test
  void aSubjectOrRotationIdThatDisagreesWithTheDataIsRefused() {
    EventEnvelope event = SampleEvents.envelope(EventType.ROTATION_APPROVED);
    Map<String, List<byte[]>> headers = headers(event);
    headers.put("ce_subject", list("aether-services/another-secret"));
    assertRefused(headers, event, Topics.APPROVALS, Reason.MISMATCH, "ce_subject");

    headers = headers(event);
    headers.put("ce_rotationid", list("another-rotation"));
    assertRefused(headers, event, Topics.APPROVALS, Reason.MISMATCH, "ce_rotationid");

    headers = headers(event);
    headers.remove("ce_rotationid");
    assertRefused(headers, event, Topics.APPROVALS, Reason.MISMATCH, "ce_rotationid");
  }

  @Test
  void aWrongSpecVersionOrContentTypeIsRefused() {
    EventEnvelope event = SampleEvents.envelope(EventType.ROTATION_APPROVED);
    Map<String, List<byte[]>> headers = headers(event);
    headers.put("ce_specversion", list("0.3"));
    assertRefused(headers, event, Topics.APPROVALS, Reason.INVALID_ATTRIBUTE, "ce_specversion");

    headers = headers(event);
    headers.put("content-type", list("application/xml"));
    assertRefused(headers, event, Topics.APPROVALS, Reason.INVALID_ATTRIBUTE, "content-type");
  }

  @Test
  void headersWithInvalidUtf8OrControlCharactersAreRefused() {
    EventEnvelope event = SampleEvents.envelope(EventType.ROTATION_APPROVED);
    Map<String, List<byte[]>> headers = headers(event);
    headers.put("ce_id", new ArrayList<>(List.of(new byte[] {(byte) 0xC3, (byte) 0x28})));
    assertRefused(headers, event, Topics.APPROVALS, Reason.INVALID_ATTRIBUTE, "ce_id");

    headers.put("ce_id", list("id\r\nX-Injected: yes"));
    assertRefused(headers, event, Topics.APPROVALS, Reason.INVALID_ATTRIBUTE, "ce_id");

    headers.put("ce_id", list("id\u202Egnp.exe"));
    assertRefused(headers, event, Topics.APPROVALS, Reason.INVALID_ATTRIBUTE, "ce_id");
  }

  @Test
  void anEventCausedByAnotherGetsTheSameIdWhenTheCauseIsProcessedAgain() {
    RotorEvent data = SampleEvents.of(EventType.KEY_GENERATED);
    Clock clock = Clock.fixed(SampleEvents.AT, ZoneOffset.UTC);

    EventEnvelope first = EventEnvelope.causedBy("request-1", data, "/rotor/key-generator", clock);
    EventEnvelope again = EventEnvelope.causedBy("request-1", data, "/rotor/key-generator", clock);
    EventEnvelope other = EventEnvelope.causedBy("request-2", data, "/rotor/key-generator", clock);

    assertThat(again.id()).isEqualTo(first.id());
    assertThat(other.id()).isNotEqualTo(first.id());
    assertThat(EventEnvelope.of(data, "/rotor/key-generator", clock).id())
        .isNotEqualTo(EventEnvelope.of(data, "/rotor/key-generator", clock).id());
  }

  @Test
  void twoProducersAnsweringOneCauseSendTwoEventsNotADuplicate() {
    RotorEvent data = SampleEvents.of(EventType.ROLLBACK_COMPLETED);
    Clock clock = Clock.fixed(SampleEvents.AT, ZoneOffset.UTC);

    EventEnvelope staging =
        EventEnvelope.causedBy("rolled-back-1", data, "/rotor/cluster-agent/staging", clock);
    EventEnvelope production =
        EventEnvelope.causedBy("rolled-back-1", data, "/rotor/cluster-agent/production", clock);

    assertThat(staging.id()).isNotEqualTo(production.id());
  }

  private static void assertRefused(
      Map<String, List<byte[]>> headers,
      EventEnvelope event,
      String topic,
      Reason reason,
      String field) {
    assertThatThrownBy(
            () ->
                CloudEventBinding.decode(
                    headers, EventCodec.encode(event.data()), topic, SampleEvents.AT))
        .isInstanceOfSatisfying(
            EventDecodingException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(reason);
              assertThat(e.field()).isEqualTo(field);
            });
  }

  /** The headers of {@code event}, as a mutable multi-map like a consumed record's. */
  static Map<String, List<byte[]>> headers(EventEnvelope event) {
    Map<String, List<byte[]>> headers = new LinkedHashMap<>();
    CloudEventBinding.headers(event).forEach((k, v) -> headers.put(k, list(v)));
    return headers;
  }

  private static List<byte[]> list(String value) {
    return new ArrayList<>(List.of(bytes(value)));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
