package dev.rotor.examples.load;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The instances the load goes to, in round-robin order, with the requests in flight per instance.
 * Removing an instance works like a Kubernetes Service dropping an endpoint: no new request goes
 * there, and {@link #awaitIdle} waits until the ones under way have ended.
 */
final class Targets {
  private final List<URI> active = new ArrayList<>();
  private final Map<URI, Integer> inFlight = new HashMap<>();
  private long cursor;

  Targets(List<URI> initial) {
    initial.forEach(this::add);
  }

  /** One request's hold on an instance; closing it ends the request. */
  final class Lease implements AutoCloseable {
    private final URI target;

    private Lease(URI target) {
      this.target = target;
    }

    URI target() {
      return target;
    }

    @Override
    public void close() {
      release(target);
    }
  }

  synchronized void add(URI target) {
    if (!active.contains(target)) {
      active.add(target);
    }
  }

  synchronized void remove(URI target) {
    active.remove(target);
  }

  synchronized List<URI> active() {
    return List.copyOf(active);
  }

  /** The next instance in round-robin order, or empty when none is active. */
  synchronized Optional<Lease> next() {
    if (active.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(lease(active.get((int) (cursor++ % active.size()))));
  }

  /** The instance after {@code previous} in round-robin order (another one when there are two). */
  synchronized Optional<Lease> nextAfter(URI previous) {
    if (active.isEmpty()) {
      return Optional.empty();
    }
    int index = active.indexOf(previous);
    return Optional.of(
        lease(
            index < 0
                ? active.get((int) (cursor++ % active.size()))
                : active.get((index + 1) % active.size())));
  }

  /** Waits until no request to {@code target} is under way; false on timeout. */
  synchronized boolean awaitIdle(URI target, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (inFlight.getOrDefault(target, 0) > 0) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      wait(Math.max(1, left / 1_000_000));
    }
    return true;
  }

  private Lease lease(URI target) {
    inFlight.merge(target, 1, Integer::sum);
    return new Lease(target);
  }

  private synchronized void release(URI target) {
    inFlight.merge(target, -1, Integer::sum);
    notifyAll();
  }
}
