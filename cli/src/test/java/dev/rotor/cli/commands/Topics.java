package dev.rotor.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.cli.rotation.Script;
import dev.rotor.common.event.CloudEventBinding;
import dev.rotor.common.event.EventCodec;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.messaging.KafkaEvents;
import dev.rotor.testsupport.KafkaTestClient;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Writes scripted events into the real broker's topics and reads back what rotorctl wrote. */
final class Topics {
  private Topics() {}

  static void produce(KafkaTestClient kafka, Script script) {
    for (Script.Step step : script.steps()) {
      produce(kafka, step.event(), step.topic());
    }
  }

  static void produce(KafkaTestClient kafka, EventEnvelope event, String topic) {
    kafka.produce(
        topic, event.subject(), CloudEventBinding.headers(event), EventCodec.encode(event.data()));
  }

  /** Every event on {@code topic} of {@code rotationId}, decoded with the contract's checks. */
  static List<EventEnvelope> eventsOf(KafkaTestClient kafka, String topic, String rotationId) {
    return kafka.readAll(topic).stream()
        .filter(
            r -> rotationId.equals(KafkaTestClient.headerValue(r, CloudEventBinding.H_ROTATION_ID)))
        .map(Topics::decode)
        .toList();
  }

  static EventEnvelope decode(ConsumerRecord<byte[], byte[]> record) {
    ConsumerRecord<String, byte[]> typed =
        new ConsumerRecord<>(
            record.topic(),
            record.partition(),
            record.offset(),
            record.timestamp(),
            record.timestampType(),
            record.serializedKeySize(),
            record.serializedValueSize(),
            KafkaTestClient.key(record),
            record.value(),
            record.headers(),
            record.leaderEpoch());
    EventEnvelope event = KafkaEvents.fromRecord(typed);
    assertThat(KafkaTestClient.key(record)).as("record key").isEqualTo(event.subject());
    return event;
  }
}
