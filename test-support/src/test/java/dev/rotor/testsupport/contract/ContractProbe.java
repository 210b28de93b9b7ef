package dev.rotor.testsupport.contract;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.messaging.IncomingEvents;
import dev.rotor.common.messaging.KafkaEvents;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/** Produces events the way Rotor's services do, and consumes them the way they do. */
@ApplicationScoped
public class ContractProbe {

  @Inject
  @Channel("contract-out")
  MutinyEmitter<byte[]> out;

  private final List<EventEnvelope> received = new CopyOnWriteArrayList<>();

  /** Sends {@code event} to {@code topic} and waits for the broker's acknowledgement. */
  public void send(EventEnvelope event, String topic) {
    out.sendMessageAndAwait(KafkaEvents.toMessage(event, topic));
  }

  @Incoming("contract-in")
  public void consume(ConsumerRecord<String, byte[]> record) {
    received.add(IncomingEvents.decode(record));
  }

  public List<EventEnvelope> received() {
    return received;
  }
}
