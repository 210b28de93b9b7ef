package dev.rotor.ledger.canonical;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.SampleEvents;
import dev.rotor.common.messaging.KafkaEvents;
import dev.rotor.common.messaging.TraceContext;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/**
 * With tracing on, every record carries a {@code traceparent} that differs from one delivery (and
 * one re-send from an outbox) to the next: the ledger's bytes, and so its hashes, must not depend
 * on it.
 */
class TraceHeadersAreNotHashedTest {

  @Test
  void theSameEventWithOrWithoutTraceHeadersHasTheSameCanonicalBytes() {
    EventEnvelope event = SampleEvents.envelope(EventType.ROLLOUT_COMPLETED);
    ProducerRecord<String, byte[]> produced = KafkaEvents.toRecord(event, "rotor.rollouts");

    byte[] plain = CanonicalEvent.bytes(KafkaEvents.fromRecord(consumed(produced, null)));
    byte[] traced =
        CanonicalEvent.bytes(
            KafkaEvents.fromRecord(
                consumed(produced, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")));
    byte[] otherTrace =
        CanonicalEvent.bytes(
            KafkaEvents.fromRecord(
                consumed(produced, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00")));

    assertThat(traced).isEqualTo(plain).isEqualTo(otherTrace);
    assertThat(new String(traced, StandardCharsets.UTF_8))
        .doesNotContain("traceparent")
        .doesNotContain("4bf92f3577b34da6a3ce929d0e0e4736");
  }

  private static ConsumerRecord<String, byte[]> consumed(
      ProducerRecord<String, byte[]> produced, String traceparent) {
    RecordHeaders headers = new RecordHeaders(produced.headers().toArray());
    if (traceparent != null) {
      headers.add(TraceContext.TRACEPARENT, traceparent.getBytes(StandardCharsets.UTF_8));
      headers.add(TraceContext.TRACESTATE, "rojo=1".getBytes(StandardCharsets.UTF_8));
    }
    return new ConsumerRecord<>(
        produced.topic(),
        0,
        42L,
        0L,
        TimestampType.CREATE_TIME,
        0,
        0,
        produced.key(),
        produced.value(),
        headers,
        Optional.empty());
  }
}
