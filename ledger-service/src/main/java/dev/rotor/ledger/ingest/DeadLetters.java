package dev.rotor.ledger.ingest;

import dev.rotor.common.messaging.DeadLetterException;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Sends one refused record to rotor.dlq, as SmallRye's dead-letter queue would: same key, value and
 * headers, plus {@code dead-letter-reason}, {@code -topic}, {@code -partition}, {@code -offset} and
 * {@code -exception-class-name}. The batch consumer cannot use the connector's dead-letter queue,
 * which would send the whole batch.
 */
@ApplicationScoped
public class DeadLetters {
  private static final Logger LOG = Logger.getLogger(DeadLetters.class);

  /** Longest key a shortened dead letter keeps (a longer one is part of what was too large). */
  private static final int MAX_KEPT_KEY = 1024;

  @Inject
  @Channel("dead-letters")
  MutinyEmitter<byte[]> emitter;

  /**
   * Sends the record and waits for Kafka's acknowledgement. A record that is too large for
   * rotor.dlq once the dead-letter headers are added (one that was close to the broker's limit
   * already) goes without its value and its own headers, with {@code dead-letter-value-omitted}
   * saying how large they were, so that one hostile record cannot keep the consumer from going on.
   */
  public void send(ConsumerRecord<String, byte[]> record, DeadLetterException reason) {
    try {
      emitter.sendMessageAndAwait(message(record, reason, true));
    } catch (RuntimeException e) {
      if (!tooLarge(e)) {
        throw e;
      }
      int size = record.value() == null ? 0 : record.value().length;
      LOG.warnf(
          "ROTOR-5016 record %s-%d@%d is too large for rotor.dlq (value %d bytes); it goes without"
              + " its value and headers",
          record.topic(), record.partition(), record.offset(), size);
      emitter.sendMessageAndAwait(message(record, reason, false));
    }
  }

  private static Message<byte[]> message(
      ConsumerRecord<String, byte[]> record, DeadLetterException reason, boolean whole) {
    RecordHeaders headers = new RecordHeaders();
    byte[] value = new byte[0];
    String key = record.key();
    if (whole) {
      for (Header header : record.headers()) {
        headers.add(header);
      }
      value = record.value() == null ? value : record.value();
    } else {
      int headerBytes = 0;
      for (Header header : record.headers()) {
        headerBytes += header.key().length() + (header.value() == null ? 0 : header.value().length);
      }
      headers.add(
          header(
              "dead-letter-value-omitted",
              "value of "
                  + (record.value() == null ? 0 : record.value().length)
                  + " bytes and "
                  + headerBytes
                  + " bytes of headers too large for the dead-letter topic"));
      key = key != null && key.length() > MAX_KEPT_KEY ? null : key;
    }
    headers.add(header("dead-letter-reason", reason.getMessage()));
    headers.add(header("dead-letter-exception-class-name", reason.getClass().getName()));
    headers.add(header("dead-letter-topic", record.topic()));
    headers.add(header("dead-letter-partition", Integer.toString(record.partition())));
    headers.add(header("dead-letter-offset", Long.toString(record.offset())));
    return Message.of(value)
        .addMetadata(
            OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(key)
                .withHeaders(headers)
                .build());
  }

  private static boolean tooLarge(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof RecordTooLargeException) {
        return true;
      }
    }
    return false;
  }

  private static Header header(String name, String value) {
    return new org.apache.kafka.common.header.internals.RecordHeader(
        name, value.getBytes(StandardCharsets.UTF_8));
  }
}
