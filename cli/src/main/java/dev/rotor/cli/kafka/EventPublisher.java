package dev.rotor.cli.kafka;

import dev.rotor.cli.CliException;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.messaging.KafkaEvents;
import dev.rotor.common.messaging.TraceContext;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes rotorctl's events ({@code rotation.requested}, approvals) as CloudEvents in binary mode,
 * keyed by target id, and waits until the broker has them ({@code acks=all}).
 */
public final class EventPublisher implements AutoCloseable {
  private final KafkaAccess kafka;
  private final KafkaProducer<String, byte[]> producer;

  public EventPublisher(KafkaAccess kafka) {
    this.kafka = kafka;
    Map<String, Object> config = kafka.common("rotorctl");
    int timeout = (int) kafka.timeout().toMillis();
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (long) timeout);
    config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, timeout);
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, timeout + 1000);
    this.producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
  }

  /** Sends {@code event} to {@code topic} and waits for the broker's acknowledgement. */
  public void publish(EventEnvelope event, String topic) {
    publish(event, topic, null);
  }

  /**
   * Sends {@code event} to {@code topic} with {@code trace} in its {@code traceparent} and {@code
   * tracestate} headers (none when null), and waits for the broker's acknowledgement.
   */
  public void publish(EventEnvelope event, String topic, TraceContext.Stored trace) {
    ProducerRecord<String, byte[]> record = KafkaEvents.toRecord(event, topic);
    TraceContext.writeTo(record.headers(), trace);
    try {
      producer.send(record).get(kafka.timeout().toMillis() + 2000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw CliException.unavailable(
          "ROTOR-7002",
          "Kafka at "
              + kafka.bootstrapServers()
              + " did not accept the "
              + event.type().eventName()
              + " event on "
              + topic
              + " within "
              + KafkaAccess.seconds(kafka.timeout())
              + "; it may or may not have arrived: check with rotorctl status before retrying",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliException.unavailable("ROTOR-7002", "interrupted while sending", e);
    }
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
  }
}
