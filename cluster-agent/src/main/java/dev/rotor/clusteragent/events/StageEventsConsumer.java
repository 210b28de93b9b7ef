package dev.rotor.clusteragent.events;

import dev.rotor.clusteragent.work.AgentStopped;
import dev.rotor.clusteragent.work.Intake;
import dev.rotor.common.messaging.DeadLetterException;
import dev.rotor.common.messaging.IncomingEvents;
import dev.rotor.common.messaging.TraceContext;
import io.opentelemetry.context.Scope;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Reads {@code rotor.manifests} and {@code rotor.verifications} (consumer group {@code
 * rotor-cluster-agent-<cluster>}). A record is acknowledged once the agent has recorded what it
 * asks for in the cluster; a record that is not a valid event goes to {@code rotor.dlq} with its
 * reason; a record taken in while the agent stops is left unacknowledged, so it is read again.
 */
@ApplicationScoped
public class StageEventsConsumer {
  private static final Logger LOG = Logger.getLogger(StageEventsConsumer.class);

  private final Intake intake;

  StageEventsConsumer(Intake intake) {
    this.intake = intake;
  }

  @Incoming("manifests")
  @Blocking
  public CompletionStage<Void> manifests(Message<byte[]> message) {
    return consume(message);
  }

  @Incoming("verifications")
  @Blocking
  public CompletionStage<Void> verifications(Message<byte[]> message) {
    return consume(message);
  }

  private CompletionStage<Void> consume(Message<byte[]> message) {
    @SuppressWarnings("unchecked")
    ConsumerRecord<String, byte[]> record =
        message
            .getMetadata(IncomingKafkaRecordMetadata.class)
            .map(metadata -> (ConsumerRecord<String, byte[]>) metadata.getRecord())
            .orElseThrow(() -> new IllegalStateException("not a Kafka record"));
    // The job it records keeps this record's trace context (docs/tracing.md).
    try (Scope ignored = TraceContext.makeCurrentOf(message)) {
      intake.accept(IncomingEvents.decode(record));
      return message.ack();
    } catch (DeadLetterException e) {
      return message.nack(e);
    } catch (AgentStopped e) {
      LOG.infof(
          "ROTOR-3052 record %s-%d@%d left unacknowledged: the agent is stopping; it is read again",
          record.topic(), record.partition(), record.offset());
      return CompletableFuture.completedFuture(null);
    }
  }
}
