package dev.rotor.ledger.canonical;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.common.event.CloudEventBinding;
import dev.rotor.common.event.EventCodec;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.SampleEvents;
import dev.rotor.ledger.chain.ChainHashes;
import dev.rotor.ledger.merkle.TreeHashes;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What an entry hashes is the event itself, written one way only: the worked example of
 * docs/ledger-service.md, reproduced here byte for byte (and by any JSON library that sorts keys
 * and drops whitespace, e.g. Python's {@code json.dumps(e, sort_keys=True, separators=(",", ":"))}
 * for an event without floating-point numbers).
 */
class CanonicalEventTest {
  static final String APPROVED =
      "{\"data\":{\"approver\":\"bob\",\"comment\":\"looks good\",\"force\":false,"
          + "\"rotationId\":\"7f3c2a10-9d4e-4c1b-8a55-0e6b2f1d9c42\","
          + "\"targetId\":\"aether-services/secrets-service-config\"},"
          + "\"datacontenttype\":\"application/json\",\"id\":\"evt-rotation.approved\","
          + "\"rotationid\":\"7f3c2a10-9d4e-4c1b-8a55-0e6b2f1d9c42\",\"source\":\"/rotor/cli\","
          + "\"specversion\":\"1.0\",\"subject\":\"aether-services/secrets-service-config\","
          + "\"time\":\"2026-11-26T06:00:00Z\",\"type\":\"dev.rotor.rotation.approved.v1\"}";

  @Test
  void anEventIsHashedAsItsStructuredCloudEventWithSortedMembersAndNoWhitespace() {
    byte[] canonical = CanonicalEvent.bytes(SampleEvents.envelope(EventType.ROTATION_APPROVED));

    assertThat(new String(canonical, StandardCharsets.UTF_8)).isEqualTo(APPROVED);
    assertThat(HexFormat.of().formatHex(TreeHashes.leaf(canonical)))
        .isEqualTo("47dfee121862cb90e6ffc9d1160406664c8e4bcef31dc4fcd1a4176b6d7cb6a6");
    assertThat(
            HexFormat.of()
                .formatHex(ChainHashes.next(ChainHashes.genesis(), TreeHashes.leaf(canonical))))
        .isEqualTo("76ec0fc414a7f243c1be5af8f8b98feb0d112e84b05e8bf712c5ecbd23011636");
  }

  @Test
  void theSameEventGivesTheSameBytesWhateverTheOrderOfItsHeadersAndTheZoneOfItsTime() {
    EventEnvelope event = SampleEvents.envelope(EventType.KEY_GENERATED);
    Map<String, List<byte[]>> headers = new LinkedHashMap<>();
    CloudEventBinding.headers(event)
        .forEach((k, v) -> headers.put(k, List.of(v.getBytes(StandardCharsets.UTF_8))));
    List<String> names = new ArrayList<>(headers.keySet());
    Collections.reverse(names);
    Map<String, List<byte[]>> reordered = new LinkedHashMap<>();
    for (String name : names) {
      reordered.put(name, headers.get(name));
    }
    reordered.put(
        CloudEventBinding.H_TIME,
        List.of("2026-11-26T08:00:00+02:00".getBytes(StandardCharsets.UTF_8)));
    byte[] data = EventCodec.encode(event.data());

    EventEnvelope first = CloudEventBinding.decode(headers, data, "rotor.keys", Instant.EPOCH);
    EventEnvelope second = CloudEventBinding.decode(reordered, data, "rotor.keys", Instant.EPOCH);

    assertThat(CanonicalEvent.bytes(second)).isEqualTo(CanonicalEvent.bytes(first));
    assertThat(CanonicalEvent.bytes(first)).isEqualTo(CanonicalEvent.bytes(event));
  }

  @Test
  void theAttributesOfAnEntryReadBackFromItsBytes() {
    EventEnvelope event = SampleEvents.envelope(EventType.VERIFICATION_FAILED);
    CanonicalEvent.Attributes attributes = CanonicalEvent.attributes(CanonicalEvent.bytes(event));

    assertThat(attributes)
        .isEqualTo(
            new CanonicalEvent.Attributes(
                event.id(),
                event.type().cloudEventType(),
                event.source(),
                event.subject(),
                event.rotationId(),
                event.time()));
  }

  @Test
  void everyEventTypeOfTheContractHasACanonicalFormThatIsItsOwnCanonicalForm() throws Exception {
    for (EventType type : EventType.values()) {
      byte[] canonical = CanonicalEvent.bytes(SampleEvents.envelope(type));
      assertThat(CanonicalJson.bytes(new ObjectMapper().readTree(canonical)))
          .as(type.eventName())
          .isEqualTo(canonical);
      assertThat(new String(canonical, StandardCharsets.UTF_8)).startsWith("{\"data\":{");
    }
  }
}
