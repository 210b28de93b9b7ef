package dev.rotor.manifest.events;

import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletableFuture;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * {@code rotor.manifests}, as the {@link OutboxSender} sends to it: without waiting, the
 * acknowledgement as a future. A bean of its own so that a test can make the broker fail.
 */
@ApplicationScoped
public class ManifestsTopic {
  private final MutinyEmitter<byte[]> manifests;

  @Inject
  public ManifestsTopic(@Channel("manifests") MutinyEmitter<byte[]> manifests) {
    this.manifests = manifests;
  }

  /** Sends {@code message}; the future completes when Kafka acknowledged it, or fails. */
  public CompletableFuture<Void> send(Message<byte[]> message) {
    return manifests.sendMessage(message).subscribeAsCompletionStage();
  }
}
