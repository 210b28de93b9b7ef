package dev.rotor.verifier.cluster;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.function.Supplier;

/**
 * Reads from an API server, again when the connection dropped before an answer (no HTTP status): a
 * pooled keep-alive connection the server or a load balancer closed. fabric8 retries I/O errors but
 * not a connection closed under a request. Only reads go through here, so a retry is safe.
 */
final class ApiCalls {
  static final int ATTEMPTS = 3;
  static final long PAUSE_MILLIS = 100;

  private ApiCalls() {}

  static <T> T read(Supplier<T> call) {
    for (int attempt = 1; ; attempt++) {
      try {
        return call.get();
      } catch (KubernetesClientException e) {
        if (e.getCode() > 0 || attempt >= ATTEMPTS) {
          throw e;
        }
        try {
          Thread.sleep(PAUSE_MILLIS * attempt);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }
}
