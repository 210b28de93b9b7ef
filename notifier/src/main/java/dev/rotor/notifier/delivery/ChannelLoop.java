package dev.rotor.notifier.delivery;

import dev.rotor.notifier.config.ChannelSettings;
import dev.rotor.notifier.config.RetrySettings;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Drains one channel's queue, in order: it takes the first pending row, makes its attempts (waiting
 * between them) until it is delivered or given up, then the next. A failing head holds this channel
 * only; every channel has its own loop and thread.
 *
 * <p>One loop per channel across replicas: a loop delivers only while it holds the channel's
 * session-level advisory lock ({@code pg_try_advisory_lock}) on a connection of its own, and checks
 * that the connection (and so the lock) is still alive before each attempt. A loop that does not
 * get the lock looks again every {@code poll-interval}. The holder listens on that connection for
 * {@code pg_notify} of queued rows, so it wakes when any replica queues a row for its channel.
 *
 * <p>Database trouble pauses the loop with backoff (the head is kept in memory: a message Slack
 * took is then only recorded, not posted again); shutdown stops every wait and leaves the rows
 * pending.
 */
final class ChannelLoop implements Runnable {
  private static final Logger LOG = Logger.getLogger(ChannelLoop.class);

  /**
   * The first key of the advisory locks of the notifier's channels ("rotn"); the second is {@link
   * ChannelSettings#lockKey()}. The two-key form is the only advisory lock the notifier takes;
   * Flyway's migration lock uses the one-key (bigint) form, which PostgreSQL keeps apart.
   */
  static final int LOCK_CLASS = 0x726f746e;

  /** How long an idle loop sleeps between two looks for notifications. */
  private static final long NOTIFICATION_SLICE_MILLIS = 100;

  private final ChannelSettings channel;
  private final Deliverer deliverer;
  private final DeliveryQueue queue;
  private final DataSource dataSource;
  private final Pauser pauser;
  private final RetrySettings retry;
  private final Duration pollInterval;
  private final DeliveryMetrics metrics;
  private final Clock clock;
  private final Semaphore wake = new Semaphore(0);
  private final Deliverer.ChannelState state = new Deliverer.ChannelState();

  private volatile boolean stopping;
  private volatile boolean running;
  private volatile Instant lastTurn;
  private volatile DeliveryQueue.Backlog backlog = DeliveryQueue.Backlog.EMPTY;
  private Connection lock;
  private PGConnection listener;
  private Deliverer.Head head;

  ChannelLoop(
      ChannelSettings channel,
      Deliverer deliverer,
      DeliveryQueue queue,
      DataSource dataSource,
      Pauser pauser,
      RetrySettings retry,
      Duration pollInterval,
      DeliveryMetrics metrics,
      Clock clock) {
    this.channel = channel;
    this.deliverer = deliverer;
    this.queue = queue;
    this.dataSource = dataSource;
    this.pauser = pauser;
    this.retry = retry;
    this.pollInterval = pollInterval;
    this.metrics = metrics;
    this.clock = clock;
  }

  ChannelSettings channel() {
    return channel;
  }

  /** The channel's queue as last seen. */
  DeliveryQueue.Backlog backlog() {
    return backlog;
  }

  /**
   * Whether the loop is alive: its thread runs and it went round within {@code limit} (a turn
   * includes at most one attempt, or one wait of the backoff or of {@code poll-interval}).
   */
  boolean alive(Duration limit) {
    Instant turn = lastTurn;
    return running && turn != null && Duration.between(turn, clock.instant()).compareTo(limit) <= 0;
  }

  /** A row was queued for the channel in this process. */
  void wake() {
    wake.release();
  }

  /** Ends the loop at its next wait; rows stay pending. */
  void stop() {
    stopping = true;
    wake.release();
  }

  @Override
  public void run() {
    int troubles = 0;
    running = true;
    lastTurn = clock.instant();
    try {
      while (!stopping) {
        lastTurn = clock.instant();
        try {
          refreshBacklog();
          if (!holdsLock()) {
            idle();
            continue;
          }
          Optional<QueuedMessage> row = queue.head(channel.slackChannel());
          if (row.isEmpty()) {
            drop("the queue is empty");
            metrics.released(channel.name());
            idle();
            continue;
          }
          if (head == null || head.seq != row.get().seq) {
            drop("another replica finished it");
            head = deliverer.open(row.get(), channel, state);
          }
          pauser.pause(head.remainingWait(clock.instant()));
          if (stopping || !lockAlive()) {
            continue;
          }
          deliverer.step(channel, head, state);
          if (head.finished) {
            head = null;
          }
          troubles = 0;
        } catch (InterruptedException e) {
          throw e;
        } catch (Throwable e) {
          // Anything, an Error too: a loop that ended here would leave its channel undelivered
          // while everything else looks fine.
          troubles++;
          // Keep the lock while its session lives: the head (and a post Slack took) stays ours.
          if (!sessionAlive()) {
            releaseLock();
          }
          Duration wait = retry.waitAfter(troubles, Optional.empty());
          LOG.logf(
              e instanceof Exception ? Logger.Level.WARN : Logger.Level.ERROR,
              "ROTOR-6019 channel %s: the delivery loop cannot go on (%s); it tries again in %s,"
                  + " the queue stays as it is",
              channel.name(),
              describe(e),
              Deliverer.seconds(wait));
          metrics.loopTrouble(channel.name());
          pauser.pause(wait);
        }
      }
    } catch (InterruptedException e) {
      if (head != null) {
        LOG.infof(
            "ROTOR-6010 shutting down while %s %s waits for channel %s; it stays queued and is"
                + " delivered after the restart",
            head.event == null ? "an event" : head.event.type().eventName(),
            head.event == null ? "" : head.event.id(),
            channel.name());
      }
    } finally {
      running = false;
      try {
        drop("shutdown");
      } finally {
        releaseLock();
      }
    }
  }

  private void drop(String why) {
    if (head != null) {
      deliverer.abandon(head, why);
      head = null;
    }
  }

  private void refreshBacklog() {
    try {
      backlog = queue.backlog(channel.slackChannel());
    } catch (StoreUnavailableException e) {
      // The gauges keep the last values; the loop meets the outage itself.
    }
  }

  /** Waits up to {@code poll-interval} for a row queued for the channel (here or elsewhere). */
  private void idle() throws InterruptedException {
    Instant until = clock.instant().plus(pollInterval);
    while (!stopping && clock.instant().isBefore(until)) {
      if (wake.tryAcquire(NOTIFICATION_SLICE_MILLIS, TimeUnit.MILLISECONDS)) {
        wake.drainPermits();
        return;
      }
      if (notified()) {
        return;
      }
    }
  }

  /** Whether a notification for the channel arrived on the lock's connection. */
  private boolean notified() {
    if (listener == null) {
      return false;
    }
    try {
      PGNotification[] notifications = listener.getNotifications();
      if (notifications == null) {
        return false;
      }
      for (PGNotification notification : notifications) {
        if (channel.slackChannel().equals(notification.getParameter())) {
          return true;
        }
      }
      return false;
    } catch (SQLException e) {
      lostLock();
      return false;
    }
  }

  private void lostLock() {
    LOG.infof(
        "ROTOR-6022 channel %s: the database session that held its lock ended; the loop takes"
            + " the lock again (or another replica does)",
        channel.name());
    releaseLock();
  }

  /** Whether this loop holds the channel's lock; tries to take it if not. */
  private boolean holdsLock() throws SQLException {
    if (lock != null) {
      return true;
    }
    Connection connection = dataSource.getConnection();
    boolean taken = false;
    try {
      try (PreparedStatement statement =
          connection.prepareStatement("select pg_try_advisory_lock(?, ?)")) {
        statement.setInt(1, LOCK_CLASS);
        statement.setInt(2, channel.lockKey());
        try (ResultSet result = statement.executeQuery()) {
          taken = result.next() && result.getBoolean(1);
        }
      }
      if (taken) {
        try (Statement statement = connection.createStatement()) {
          statement.execute("listen " + DeliveryQueue.NOTIFY_CHANNEL);
        }
        lock = connection;
        try {
          listener = connection.unwrap(PGConnection.class);
        } catch (SQLException e) {
          listener = null; // woken by this process's rows and by the poll only
        }
        LOG.debugf("ROTOR-6020 this replica delivers channel %s", channel.name());
      }
      return taken;
    } finally {
      if (!taken) {
        connection.close();
      }
    }
  }

  /** Whether the lock's connection, and so the lock, is still alive; if not, lets it go. */
  private boolean lockAlive() {
    if (sessionAlive()) {
      return true;
    }
    lostLock();
    return false;
  }

  private boolean sessionAlive() {
    try {
      return lock != null && lock.isValid(5);
    } catch (SQLException e) {
      return false;
    }
  }

  private void releaseLock() {
    Connection connection = lock;
    lock = null;
    listener = null;
    if (connection == null) {
      return;
    }
    try (connection;
        Statement statement = connection.createStatement()) {
      statement.execute("unlisten *");
      statement.execute("select pg_advisory_unlock_all()");
    } catch (SQLException e) {
      // A broken connection holds no lock any more.
    }
  }

  /** An exception's class and its root cause's class: no SQL, no values. */
  private static String describe(Throwable e) {
    if (e instanceof StoreUnavailableException) {
      return "database: " + e.getMessage();
    }
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root == e
        ? e.getClass().getSimpleName()
        : e.getClass().getSimpleName() + " (" + root.getClass().getSimpleName() + ")";
  }
}
