package dev.rotor.notifier.delivery;

import dev.rotor.notifier.config.ChannelSettings;
import dev.rotor.notifier.config.NotifierSettings;
import dev.rotor.notifier.config.RetrySettings;
import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts one {@link ChannelLoop} thread per enabled channel, and wakes them when rows are queued.
 */
@ApplicationScoped
public class ChannelLoops {
  private final Map<String, ChannelLoop> loops = new LinkedHashMap<>();
  private final List<ChannelLoop> extra = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();

  @Inject NotifierSettings settings;
  @Inject Deliverer deliverer;
  @Inject DeliveryQueue queue;
  @Inject AgroalDataSource dataSource;
  @Inject Pauser pauser;
  @Inject DeliveryMetrics metrics;
  @Inject Clock clock;

  void start(@Observes StartupEvent event) {
    for (ChannelSettings channel : settings.channels()) {
      ChannelLoop loop = newLoop(channel);
      loops.put(channel.name(), loop);
      metrics.queue(channel.name(), loop::backlog);
      metrics.loopUp(channel.name(), () -> loop.alive(turnLimit()));
      start(loop, "rotor-notifier-" + channel.name());
    }
  }

  /**
   * Starts another loop for the channel named {@code name}, as another replica would run: it
   * delivers only while it holds the channel's lock. For tests of the locking.
   */
  public synchronized Runnable startAnotherLoop(String name) {
    ChannelLoop loop = newLoop(loops.get(name).channel());
    extra.add(loop);
    start(loop, "rotor-notifier-" + name + "-" + extra.size());
    return loop::stop;
  }

  /**
   * The channels whose loop is not alive: its thread ended, or it has not gone round for longer
   * than a turn can take ({@link #turnLimit()}).
   */
  public List<String> deadLoops() {
    Duration limit = turnLimit();
    return loops.entrySet().stream()
        .filter(e -> !e.getValue().alive(limit))
        .map(Map.Entry::getKey)
        .toList();
  }

  /**
   * The longest one turn of a loop can take, with a minute to spare: the longest wait (backoff,
   * Retry-After, poll-interval) and the longest attempt.
   */
  Duration turnLimit() {
    RetrySettings retry = settings.retry();
    Duration longestWait = retry.maxBackoff();
    if (retry.maxRetryAfter().compareTo(longestWait) > 0) {
      longestWait = retry.maxRetryAfter();
    }
    if (settings.pollInterval().compareTo(longestWait) > 0) {
      longestWait = settings.pollInterval();
    }
    return longestWait
        .plus(settings.connectTimeout())
        .plus(settings.requestTimeout())
        .plus(Duration.ofMinutes(1));
  }

  /** Wakes the loops of {@code channels}: rows were queued for them. */
  public void wake(List<ChannelSettings> channels) {
    for (ChannelSettings channel : channels) {
      ChannelLoop loop = loops.get(channel.name());
      if (loop != null) {
        loop.wake();
      }
    }
  }

  private ChannelLoop newLoop(ChannelSettings channel) {
    return new ChannelLoop(
        channel,
        deliverer,
        queue,
        dataSource,
        pauser,
        settings.retry(),
        settings.pollInterval(),
        metrics,
        clock);
  }

  private synchronized void start(ChannelLoop loop, String name) {
    Thread thread = new Thread(loop, name);
    thread.setDaemon(true);
    threads.add(thread);
    thread.start();
  }

  synchronized void stop(@Observes ShutdownEvent event) {
    loops.values().forEach(ChannelLoop::stop);
    extra.forEach(ChannelLoop::stop);
    // Each loop ends at its next wait; an attempt in flight ends with Slack's answer or timeout.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    for (Thread thread : threads) {
      try {
        thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
