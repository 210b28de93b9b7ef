package dev.rotor.ledger.ingest;

import dev.rotor.common.messaging.DeadLetterException;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Sends one refused record to rotor.dlq, as SmallRye's dead-letter queue would: same key, value and
 * headers, plus {@code dead-letter-reason}, {@code -topic}, {@code -partition}, {@code -offset} and
 * {@code -exception-class-name}. The batch consumer cannot use the connector's dead-letter queue,
 * which would send the whole batch.
 */
@ApplicationScoped
public class DeadLetters {
  @Inject
  @Channel("dead-letters")
  MutinyEmitter<byte[]> emitter;

  /** Sends the record and waits for Kafka's acknowledgement. */
  public void send(ConsumerRecord<String, byte[]> record, DeadLetterException reason) {
    RecordHeaders headers = new RecordHeaders();
    for (Header header : record.headers()) {
      headers.add(header);
    }
    headers.add(header("dead-letter-reason", reason.getMessage()));
    headers.add(header("dead-letter-exception-class-name", reason.getClass().getName()));
    headers.add(header("dead-letter-topic", record.topic()));
    headers.add(header("dead-letter-partition", Integer.toString(record.partition())));
    headers.add(header("dead-letter-offset", Long.toString(record.offset())));
    byte[] value = record.value() == null ? new byte[0] : record.value();
    Message<byte[]> message =
        Message.of(value)
            .addMetadata(
                OutgoingKafkaRecordMetadata.<String>builder()
                    .withKey(record.key())
                    .withHeaders(headers)
                    .build());
    emitter.sendMessageAndAwait(message);
  }

  private static Header header(String name, String value) {
    return new org.apache.kafka.common.header.internals.RecordHeader(
        name, value.getBytes(StandardCharsets.UTF_8));
  }
}
