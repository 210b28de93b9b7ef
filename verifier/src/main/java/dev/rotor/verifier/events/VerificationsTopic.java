package dev.rotor.verifier.events;

import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * {@code rotor.verifications}, as the {@link Outbox} sends to it: one message at a time, waiting
 * for Kafka's acknowledgement. A bean of its own so that a test can make the broker fail.
 */
@ApplicationScoped
public class VerificationsTopic {
  private final MutinyEmitter<byte[]> verifications;

  @Inject
  public VerificationsTopic(@Channel("verifications") MutinyEmitter<byte[]> verifications) {
    this.verifications = verifications;
  }

  /**
   * Sends {@code message} and waits at most {@code timeout} for the acknowledgement.
   *
   * @throws RuntimeException what Kafka answered, or a timeout
   */
  public void send(Message<byte[]> message, Duration timeout) {
    verifications.sendMessage(message).await().atMost(timeout);
  }
}
