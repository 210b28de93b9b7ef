package dev.rotor.notifier.delivery;

import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.jboss.logging.Logger;

/**
 * The thread that queues records. The consumer hands it one record at a time and waits for the
 * returned stage before it takes the next, so rows are queued in the order records are read, and a
 * record waits here (unacknowledged) while the database is away.
 *
 * <p>On shutdown the thread stops waiting and the stage of the record in hand never completes: it
 * is neither acknowledged nor dead-lettered, and is read again after the restart.
 */
@ApplicationScoped
public class DeliveryWorker {
  private static final Logger LOG = Logger.getLogger(DeliveryWorker.class);

  /** Work that may block, and is interrupted on shutdown. */
  @FunctionalInterface
  public interface Task {
    void run() throws InterruptedException;
  }

  private final ExecutorService executor =
      Executors.newSingleThreadExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "rotor-notifier-queue");
            thread.setDaemon(true);
            return thread;
          });

  /** Runs {@code task} on the delivery thread; the stage completes as the task does. */
  public CompletionStage<Void> submit(String what, Task task) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    try {
      executor.execute(
          () -> {
            try {
              task.run();
              done.complete(null);
            } catch (InterruptedException e) {
              LOG.infof(
                  "ROTOR-6010 shutting down while %s waits for the database; it stays"
                      + " unacknowledged and is read again after the restart",
                  what);
            } catch (RuntimeException | Error e) {
              done.completeExceptionally(e);
            }
          });
    } catch (RejectedExecutionException e) {
      LOG.infof(
          "ROTOR-6010 shutting down: %s stays unacknowledged and is read again after the restart",
          what);
    }
    return done;
  }

  void stop(@Observes ShutdownEvent event) {
    executor.shutdownNow();
  }

  @PreDestroy
  void close() {
    executor.shutdownNow();
  }
}
