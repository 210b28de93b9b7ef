package dev.rotor.devstack.process;

import dev.rotor.devstack.DevstackException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/** Small pieces the devstack and the benchmarks both need to start their components. */
public final class Tasks {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Tasks() {}

  /**
   * The result of a component's start in the background; its failure as a {@link DevstackException}
   * ({@code id} when it failed with another exception).
   */
  public static <T> T get(Future<T> future, String id) {
    try {
      return future.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof DevstackException devstack) {
        throw devstack;
      }
      throw new DevstackException(id, String.valueOf(e.getCause().getMessage()), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DevstackException("ROTOR-8009", "interrupted");
    }
  }

  /** A fresh random password or token for one run: 16 random bytes in hex. */
  public static String randomHex() {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }
}
