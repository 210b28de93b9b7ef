package dev.rotor.ledger.checkpoint;

import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * {@code rotor.ledger}, as the {@link CheckpointPublisher} sends to it: one checkpoint at a time,
 * waiting for Kafka's acknowledgement. A bean of its own so that a test can make the broker fail.
 */
@ApplicationScoped
public class CheckpointsTopic {
  private final MutinyEmitter<byte[]> checkpoints;

  @Inject
  public CheckpointsTopic(@Channel("checkpoints") MutinyEmitter<byte[]> checkpoints) {
    this.checkpoints = checkpoints;
  }

  /**
   * Sends {@code message} and waits at most {@code timeout} for the acknowledgement.
   *
   * @throws RuntimeException what Kafka answered, or a timeout
   */
  public void send(Message<byte[]> message, Duration timeout) {
    checkpoints.sendMessage(message).await().atMost(timeout);
  }
}
