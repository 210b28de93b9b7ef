package dev.rotor.notifier.delivery;

import dev.rotor.common.messaging.DeadLetterException;
import dev.rotor.common.messaging.IncomingEvents;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Sends a queued event that a channel did not get to rotor.dlq, as SmallRye's dead-letter queue
 * would have sent its record: same key, value and headers, plus {@code dead-letter-reason}, {@code
 * -exception-class-name}, {@code -topic}, {@code -partition} and {@code -offset}. The record was
 * acknowledged when it was queued, so the connector's own dead-letter queue cannot be used.
 */
@ApplicationScoped
public class DeadLetters {

  @Inject
  @Channel("dead-letters")
  MutinyEmitter<byte[]> emitter;

  /**
   * Counts and logs the refusal ({@code ROTOR-0001}, {@code rotor_dlq_records_total}), sends the
   * record and waits for Kafka's acknowledgement.
   *
   * @throws RuntimeException if Kafka did not take it; the caller tries again later
   */
  public void send(ConsumerRecord<String, byte[]> record, DeadLetterException reason) {
    emitter.sendMessageAndAwait(message(record, reason));
    IncomingEvents.deadLetter(record, reason);
  }

  private static Message<byte[]> message(
      ConsumerRecord<String, byte[]> record, DeadLetterException reason) {
    RecordHeaders headers = new RecordHeaders();
    for (Header header : record.headers()) {
      headers.add(header);
    }
    headers.add(header("dead-letter-reason", reason.getMessage()));
    headers.add(header("dead-letter-exception-class-name", reason.getClass().getName()));
    headers.add(header("dead-letter-topic", record.topic()));
    headers.add(header("dead-letter-partition", Integer.toString(record.partition())));
    headers.add(header("dead-letter-offset", Long.toString(record.offset())));
    return Message.of(record.value() == null ? new byte[0] : record.value())
        .addMetadata(
            OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(record.key())
                .withHeaders(headers)
                .build());
  }

  private static Header header(String name, String value) {
    return new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8));
  }
}
