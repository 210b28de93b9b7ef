package dev.rotor.devstack.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.Reasons;
import dev.rotor.common.event.RotationFailed;
import dev.rotor.common.event.RotationRejected;
import dev.rotor.common.event.RotationRolledBack;
import dev.rotor.devstack.process.Await;
import dev.rotor.devstack.process.Console;
import dev.rotor.devstack.scenario.ClusterView;
import dev.rotor.devstack.scenario.EventFollower;
import dev.rotor.devstack.scenario.RotorctlRunner;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * The chaos run: rotations of every target, requested and approved with rotorctl as people do,
 * while a fault thread SIGKILLs a random Rotor service every few seconds and starts it again, and
 * restarts the Kafka broker once (after a third of the rotations were requested) and PostgreSQL
 * once (after two thirds). Each target gets its next rotation when its previous one ended.
 *
 * <p>What it promises afterwards is checked by {@link ChaosChecks}.
 */
public final class ChaosRun {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What the run may do to the devstack. */
  public interface Faults {
    /** The Rotor services that may be killed. */
    List<String> services();

    /** SIGKILLs the service and starts it again with the same configuration; returns when ready. */
    void killAndRestart(String service);

    /** Stops the Kafka broker and starts it again (same data, same ports). */
    void restartKafka();

    /** Stops PostgreSQL and starts it again (same data, same port). */
    void restartPostgres();
  }

  /**
   * How the run goes.
   *
   * @param rotations how many rotations to request in all
   * @param killEvery the pause between two kills
   * @param rotationTimeout how long one rotation may take before it counts as stuck
   * @param seed the random choice of services to kill
   */
  public record Options(int rotations, Duration killEvery, Duration rotationTimeout, long seed) {}

  /** One fault the run made. */
  public record Fault(String what, Instant at, long tookMillis, String error) {}

  /** One rotation the run requested (or found on the topics), and how it ended. */
  public static final class Rotation {
    final String target;
    final String rotationId;
    final Instant requestedAt;
    volatile String outcome;
    volatile String detail = "";
    volatile Instant endedAt;

    Rotation(String target, String rotationId, Instant requestedAt) {
      this.target = target;
      this.rotationId = rotationId;
      this.requestedAt = requestedAt;
    }

    public String target() {
      return target;
    }

    public String rotationId() {
      return rotationId;
    }

    /** completed, rolled-back, failed, rejected; null while it has not ended. */
    public String outcome() {
      return outcome;
    }

    public String detail() {
      return detail;
    }

    public Map<String, Object> json() {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("target", target);
      json.put("rotationId", rotationId);
      json.put("outcome", outcome == null ? "NOT ENDED" : outcome);
      json.put("detail", detail);
      json.put(
          "wallMillis", endedAt == null ? null : Duration.between(requestedAt, endedAt).toMillis());
      return json;
    }
  }

  private final List<String> targets;
  private final Options options;
  private final Faults faults;
  private final RotorctlRunner rotorctl;
  private final EventFollower events;
  private final List<ClusterView> clusters;
  private final String requester;
  private final String approver;
  private final Console console;
  private final BooleanSupplier stopping;
  private final List<Rotation> rotations = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, Boolean> approved = new ConcurrentHashMap<>();
  private final List<Fault> faultsMade = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger requested = new AtomicInteger();
  private final AtomicBoolean chaosOver = new AtomicBoolean();
  private Instant startedAt;
  private Instant chaosEndedAt;

  public ChaosRun(
      List<String> targets,
      Options options,
      Faults faults,
      RotorctlRunner rotorctl,
      EventFollower events,
      List<ClusterView> clusters,
      String requester,
      String approver,
      Console console,
      BooleanSupplier stopping) {
    this.targets = List.copyOf(targets);
    this.options = options;
    this.faults = faults;
    this.rotorctl = rotorctl;
    this.events = events;
    this.clusters = clusters;
    this.requester = requester;
    this.approver = approver;
    this.console = console;
    this.stopping = stopping;
  }

  /** Runs the rotations under faults; returns when every target is done and the faults stopped. */
  public void run() throws InterruptedException {
    startedAt = Instant.now();
    Thread chaos = new Thread(this::faults, "rotor-chaos-faults");
    chaos.setDaemon(true);
    chaos.start();
    List<Thread> drivers = new ArrayList<>();
    for (String target : targets) {
      Thread driver = new Thread(() -> drive(target), "rotor-chaos-" + target);
      driver.setDaemon(true);
      driver.start();
      drivers.add(driver);
    }
    for (Thread driver : drivers) {
      driver.join();
    }
    chaosOver.set(true);
    chaos.join(Duration.ofMinutes(6).toMillis());
    chaosEndedAt = Instant.now();
    console.line(
        String.format(
            Locale.ROOT,
            "  chaos over after %d s: %d rotations requested, %d faults made",
            Duration.between(startedAt, chaosEndedAt).toSeconds(),
            rotations.size(),
            faultsMade.size()));
  }

  /**
   * After the faults stopped: waits up to {@code deadline} for every rotation of the targets seen
   * on the topics to end (approving what waits for an approval); returns the ones that did not.
   */
  public List<Rotation> settle(Duration deadline) {
    long end = System.nanoTime() + deadline.toNanos();
    while (true) {
      adoptUnknownRotations();
      List<Rotation> open = new ArrayList<>();
      synchronized (rotations) {
        for (Rotation rotation : rotations) {
          if (rotation.outcome == null) {
            approveIfProposed(rotation);
            updateOutcome(rotation);
            if (rotation.outcome == null) {
              open.add(rotation);
            }
          }
        }
      }
      if (open.isEmpty() || System.nanoTime() - end > 0 || stopping.getAsBoolean()) {
        for (Rotation rotation : open) {
          rotation.detail =
              "last event: "
                  + events.of(rotation.rotationId).stream()
                      .reduce((a, b) -> b)
                      .map(e -> e.type().eventName() + " from " + e.source())
                      .orElse("none");
        }
        return open;
      }
      Await.sleep(Duration.ofSeconds(1));
    }
  }

  // ----------------------------------------------------------------------------- rotations

  /** Requests a rotation of the target, approves it, waits for its end; again until enough. */
  private void drive(String target) {
    for (int own = 0; own < perTarget() && !stopping.getAsBoolean(); own++) {
      int number = requested.incrementAndGet();
      if (number > options.rotations()) {
        return;
      }
      Rotation rotation = request(target, number);
      if (rotation == null) {
        return;
      }
      long deadline = System.nanoTime() + options.rotationTimeout().toNanos();
      while (rotation.outcome == null && !stopping.getAsBoolean()) {
        approveIfProposed(rotation);
        updateOutcome(rotation);
        if (rotation.outcome != null) {
          break;
        }
        if (System.nanoTime() - deadline > 0) {
          console.line(
              "  [stuck]  "
                  + target
                  + " rotation "
                  + rotation.rotationId
                  + " did not end in "
                  + options.rotationTimeout()
                  + "; this target gets no more rotations");
          return;
        }
        Await.sleep(Duration.ofMillis(700));
      }
      if (rotation.outcome != null) {
        console.line(
            String.format(
                Locale.ROOT,
                "  %-12s %s rotation %s after %d s%s",
                "[" + rotation.outcome + "]",
                target,
                rotation.rotationId,
                Duration.between(rotation.requestedAt, rotation.endedAt).toSeconds(),
                rotation.detail.isEmpty() ? "" : ": " + rotation.detail));
      }
    }
  }

  /**
   * The most rotations one target gets: its share of {@code --rotations}, so that every target is
   * rotated about as often and the keyring can keep every key of the run.
   */
  public static int perTarget(int rotations, int targets) {
    return (rotations + targets - 1) / targets;
  }

  private int perTarget() {
    return perTarget(options.rotations(), targets.size());
  }

  /**
   * {@code rotorctl request}; when rotorctl cannot tell whether the request arrived (Kafka is
   * restarting), the topics tell: a request of the target made since is this one.
   */
  private Rotation request(String target, int number) {
    Instant attempt = Instant.now();
    for (int tries = 0; tries < 30 && !stopping.getAsBoolean(); tries++) {
      RotorctlRunner.Result result =
          rotorctl.run(
              Duration.ofMinutes(2),
              "request",
              target,
              "--operator",
              requester,
              "--reason",
              "chaos run: rotation " + number + " of " + options.rotations(),
              "--output",
              "json");
      if (result.exitCode() == 0) {
        try {
          String rotationId = JSON.readTree(result.out()).path("rotationId").asText();
          return track(target, rotationId, attempt);
        } catch (IOException e) {
          // Printed no id: look on the topics below.
        }
      }
      Await.sleep(Duration.ofSeconds(5));
      Optional<EventEnvelope> arrived =
          events.all().stream()
              .filter(e -> e.type() == EventType.ROTATION_REQUESTED)
              .filter(e -> target.equals(e.subject()))
              .filter(e -> !e.time().isBefore(attempt.minusSeconds(5)))
              .filter(e -> find(e.rotationId()).isEmpty())
              .findFirst();
      if (arrived.isPresent()) {
        return track(target, arrived.get().rotationId(), attempt);
      }
      console.line(
          "  (rotorctl request "
              + target
              + " exited "
              + result.exitCode()
              + ", nothing arrived; again) "
              + result.err().strip());
    }
    return null;
  }

  private Rotation track(String target, String rotationId, Instant requestedAt) {
    Rotation rotation = new Rotation(target, rotationId, requestedAt);
    rotations.add(rotation);
    return rotation;
  }

  private Optional<Rotation> find(String rotationId) {
    synchronized (rotations) {
      return rotations.stream().filter(r -> r.rotationId.equals(rotationId)).findFirst();
    }
  }

  /** Rotations of the targets on the topics the run does not know (a request rotorctl lost). */
  private void adoptUnknownRotations() {
    for (EventEnvelope e : events.all()) {
      if (e.type() == EventType.ROTATION_REQUESTED
          && targets.contains(e.subject())
          && find(e.rotationId()).isEmpty()) {
        track(e.subject(), e.rotationId(), e.time());
      }
    }
  }

  private void approveIfProposed(Rotation rotation) {
    if (approved.containsKey(rotation.rotationId)
        || events.first(rotation.rotationId, EventType.MANIFEST_PROPOSED).isEmpty()
        || events.first(rotation.rotationId, EventType.MANIFEST_APPROVED).isPresent()) {
      return;
    }
    RotorctlRunner.Result approve =
        rotorctl.run(
            Duration.ofMinutes(2),
            "approve",
            rotation.rotationId,
            "--operator",
            approver,
            "--comment",
            "chaos run: only the keyring entries change");
    if (approve.exitCode() == 0 || approve.exitCode() == 4) {
      // 4: the rotation ended meanwhile, or its change was merged already.
      approved.put(rotation.rotationId, true);
    }
  }

  private void updateOutcome(Rotation rotation) {
    for (EventEnvelope e : events.of(rotation.rotationId)) {
      String outcome = null;
      String detail = "";
      switch (e.type()) {
        case ROTATION_COMPLETED -> outcome = "completed";
        case ROTATION_ROLLED_BACK -> {
          RotationRolledBack back = (RotationRolledBack) e.data();
          outcome = "rolled-back";
          detail = "on " + back.clusters() + ": " + back.cause();
        }
        case ROTATION_FAILED -> {
          RotationFailed failed = (RotationFailed) e.data();
          outcome = "failed";
          detail = failed.reason() + ": " + failed.message();
        }
        case ROTATION_REJECTED -> {
          RotationRejected rejected = (RotationRejected) e.data();
          if (rejected.reason() != Reasons.Rejection.DUPLICATE) {
            outcome = "rejected";
            detail = rejected.reason() + ": " + rejected.message();
          }
        }
        default -> {}
      }
      if (outcome != null) {
        rotation.detail = detail;
        rotation.endedAt = e.time().isAfter(rotation.requestedAt) ? e.time() : Instant.now();
        rotation.outcome = outcome;
        return;
      }
    }
  }

  // --------------------------------------------------------------------------------- faults

  /**
   * Every {@code killEvery}: SIGKILL a random service and start it again; the broker's restart once
   * a third of the rotations were requested, PostgreSQL's once two thirds were.
   */
  private void faults() {
    Random random = new Random(options.seed());
    boolean kafkaDone = false;
    boolean postgresDone = false;
    List<String> services = faults.services();
    while (!chaosOver.get() && !stopping.getAsBoolean()) {
      sleepUnlessOver(options.killEvery());
      if (chaosOver.get() || stopping.getAsBoolean()) {
        return;
      }
      int share = rotations.size() * 3;
      if (!kafkaDone && share >= options.rotations()) {
        kafkaDone = true;
        fault("restart kafka", faults::restartKafka);
      } else if (!postgresDone && share >= options.rotations() * 2) {
        postgresDone = true;
        fault("restart postgres", faults::restartPostgres);
      } else {
        String service = services.get(random.nextInt(services.size()));
        fault("kill -9 " + service, () -> faults.killAndRestart(service));
      }
    }
  }

  private void fault(String what, Runnable action) {
    Instant at = Instant.now();
    String error = null;
    try {
      action.run();
    } catch (RuntimeException e) {
      error = e.getMessage();
    }
    long took = Duration.between(at, Instant.now()).toMillis();
    faultsMade.add(new Fault(what, at, took, error));
    console.line(
        String.format(
            Locale.ROOT,
            "  [fault]  %-40s %s",
            what,
            error == null ? "back in " + took / 1000.0 + " s" : "FAILED: " + error));
  }

  private void sleepUnlessOver(Duration pause) {
    long end = System.nanoTime() + pause.toNanos();
    while (!chaosOver.get() && System.nanoTime() - end < 0) {
      Await.sleep(Duration.ofMillis(200));
    }
  }

  // ------------------------------------------------------------------------------- results

  public List<Rotation> rotations() {
    synchronized (rotations) {
      return List.copyOf(rotations);
    }
  }

  public List<Fault> faultsMade() {
    synchronized (faultsMade) {
      return List.copyOf(faultsMade);
    }
  }

  public Instant startedAt() {
    return startedAt;
  }

  public Duration chaosDuration() {
    return Duration.between(startedAt, chaosEndedAt == null ? Instant.now() : chaosEndedAt);
  }

  /** Rotations by outcome: completed, rolled-back, failed, rejected, NOT ENDED. */
  public Map<String, Integer> outcomes() {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (String outcome : List.of("completed", "rolled-back", "failed", "rejected")) {
      counts.put(outcome, 0);
    }
    counts.put("NOT ENDED", 0);
    for (Rotation rotation : rotations()) {
      counts.merge(rotation.outcome == null ? "NOT ENDED" : rotation.outcome, 1, Integer::sum);
    }
    return counts;
  }

  /** Faults by kind: kills per service, restarts of Kafka and PostgreSQL. */
  public Map<String, Integer> faultCounts() {
    Map<String, Integer> counts = new java.util.TreeMap<>();
    for (Fault fault : faultsMade()) {
      counts.merge(fault.what(), 1, Integer::sum);
    }
    return counts;
  }

  /** The load generators' counts now, per cluster. */
  public Map<String, JsonNode> loads() {
    Map<String, JsonNode> loads = new LinkedHashMap<>();
    for (ClusterView cluster : clusters) {
      try {
        loads.put(cluster.name(), cluster.load());
      } catch (IOException e) {
        loads.put(cluster.name(), JSON.createObjectNode().put("error", e.getMessage()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return loads;
      }
    }
    return loads;
  }
}
