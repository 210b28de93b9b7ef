package dev.rotor.manifest.rotation;

import dev.rotor.manifest.config.ManifestServiceConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/**
 * Health of what the extensions do not check: the worker goes round (liveness) and the working
 * copies can be written (readiness). Kafka and the database report through their extensions.
 */
public final class WorkerHealthCheck {
  private WorkerHealthCheck() {}

  /**
   * The worker finished a round recently, and never ran out of memory (then it needs a restart).
   */
  @Liveness
  @ApplicationScoped
  public static class WorkerAlive implements HealthCheck {
    /** How long one batch of the worker may take before the worker counts as stuck. */
    static final Duration STALLED_AFTER = Duration.ofMinutes(5);

    private final RotationWorker worker;
    private final Clock clock;
    private final Duration allowed;

    public WorkerAlive(RotationWorker worker, Clock clock, ManifestServiceConfig config) {
      this.worker = worker;
      this.clock = clock;
      // One batch may hold a Git push and a rate-limit wait: allow five minutes between batches.
      this.allowed = config.worker().interval().plus(STALLED_AFTER);
    }

    @Override
    public HealthCheckResponse call() {
      Optional<Instant> last = worker.lastRound();
      Optional<String> outOfMemory = worker.outOfMemory();
      boolean up =
          outOfMemory.isEmpty()
              && (last.isEmpty()
                  || Duration.between(last.get(), clock.instant()).compareTo(allowed) < 0);
      var response =
          HealthCheckResponse.named("rotor-manifest-worker")
              .status(up)
              .withData("lastRound", last.map(Instant::toString).orElse("not yet"));
      outOfMemory.ifPresent(where -> response.withData("outOfMemory", where));
      return response.build();
    }
  }

  /** The working-copy cache is a writable directory. */
  @Readiness
  @ApplicationScoped
  public static class CacheWritable implements HealthCheck {
    private final Path cacheDir;

    public CacheWritable(ManifestServiceConfig config) {
      this.cacheDir = config.cacheDir();
    }

    @Override
    public HealthCheckResponse call() {
      boolean up = Files.isDirectory(cacheDir) && Files.isWritable(cacheDir);
      return HealthCheckResponse.named("rotor-manifest-git-cache")
          .status(up)
          .withData("directory", cacheDir.toString())
          .build();
    }
  }
}
