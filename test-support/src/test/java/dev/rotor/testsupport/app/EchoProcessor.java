package dev.rotor.testsupport.app;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/** A minimal SmallRye Kafka consumer, to show that a Quarkus application reaches the broker. */
@ApplicationScoped
public class EchoProcessor {

  private final List<String> received = new CopyOnWriteArrayList<>();

  @Incoming("probe-in")
  public void consume(String value) {
    received.add(value);
  }

  public List<String> received() {
    return received;
  }
}
