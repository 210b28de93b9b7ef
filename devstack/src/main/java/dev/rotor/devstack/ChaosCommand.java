package dev.rotor.devstack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.rotor.devstack.chaos.ChaosChecks;
import dev.rotor.devstack.chaos.ChaosRun;
import dev.rotor.devstack.process.Await;
import dev.rotor.devstack.process.Console;
import dev.rotor.devstack.scenario.ClusterView;
import dev.rotor.devstack.scenario.EventFollower;
import dev.rotor.devstack.scenario.RotorctlRunner;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./rotor chaos}: the devstack with {@code --targets} targets, then many rotations while
 * Rotor's services are SIGKILLed and restarted and the broker and the database restart once; then
 * the checks of what Rotor promises under faults (docs/chaos.md).
 */
@Command(
    name = "chaos",
    mixinStandardHelpOptions = true,
    description = {
      "Start the devstack with several targets and rotate them again and again while a random"
          + " Rotor service is SIGKILLed and restarted every few seconds, and the Kafka broker and"
          + " PostgreSQL restart once each; then check that no rotation is stuck, the ledger holds"
          + " each event exactly once and verifies, no Deployment restarted twice for one phase,"
          + " the workload had no decrypt failure and the DLQ is empty. Exit 0 when all held."
    })
final class ChaosCommand implements Callable<Integer> {
  @Option(
      names = "--rotations",
      paramLabel = "<n>",
      description = "Rotations to request in all (default 50).")
  int rotations = 50;

  @Option(
      names = "--targets",
      paramLabel = "<n>",
      description = "Targets, each its own Secret and Deployment in both clusters (default 10).")
  int targets = 10;

  @Option(
      names = "--kill-every",
      paramLabel = "<ISO-8601>",
      description = "Pause between two SIGKILLs of a random Rotor service (default PT5S).")
  Duration killEvery = Duration.ofSeconds(5);

  @Option(
      names = "--soak",
      paramLabel = "<ISO-8601>",
      description = "Every stage's soak (default PT10S).")
  Duration soak = Duration.ofSeconds(10);

  @Option(
      names = "--interval",
      paramLabel = "<ISO-8601>",
      description = "The verifier's check interval (default PT2S).")
  Duration interval = Duration.ofSeconds(2);

  @Option(
      names = "--port-offset",
      paramLabel = "<n>",
      description = "Added to every fixed port (Kafka 9092, PostgreSQL 15432, services 8081-8086).")
  int portOffset;

  @Option(
      names = "--replicas",
      paramLabel = "<n>",
      description = "Pods per target's Deployment per cluster (default 1).")
  int replicas = 1;

  @Option(
      names = "--pod-start",
      paramLabel = "<ISO-8601>",
      description = "How long a simulated pod takes to become ready (default PT3S).")
  Duration podStart = Duration.ofSeconds(3);

  @Option(
      names = "--rotation-timeout",
      paramLabel = "<ISO-8601>",
      description = "How long one rotation may take before it counts as stuck (default PT10M).")
  Duration rotationTimeout = Duration.ofMinutes(10);

  @Option(
      names = "--settle",
      paramLabel = "<ISO-8601>",
      description =
          "After the faults stop, how long every rotation may still take to end (default PT5M).")
  Duration settle = Duration.ofMinutes(5);

  @Option(
      names = "--seed",
      paramLabel = "<n>",
      description = "Seed of the random choice of the service to kill (default: random).")
  Long seed;

  @Option(
      names = "--no-prometheus",
      negatable = true,
      description = "Let the verifier scrape the pods itself even if Prometheus is installed.")
  boolean prometheus = true;

  @Override
  public Integer call() throws Exception {
    if (rotations < 1 || targets < 1 || replicas < 1) {
      throw new DevstackException(
          "ROTOR-8000", "--rotations, --targets and --replicas must be at least 1");
    }
    if (ChaosRun.perTarget(rotations, targets) > 16) {
      throw new DevstackException(
          "ROTOR-8000",
          "--rotations "
              + rotations
              + " over --targets "
              + targets
              + " is more than 16 rotations per target: the keyring keeps at most 16 previous keys"
              + " (keyring.previousKeys), use more targets");
    }
    if (killEvery.isNegative() || killEvery.isZero()) {
      throw new DevstackException("ROTOR-8000", "--kill-every must be positive, not " + killEvery);
    }
    if (interval.isNegative() || interval.isZero() || interval.compareTo(soak) > 0) {
      throw new DevstackException(
          "ROTOR-8000", "--interval must be positive and at most --soak (" + soak + ")");
    }
    long randomSeed = seed == null ? new java.security.SecureRandom().nextLong() : seed;
    Settings settings =
        new Settings(
            soak,
            interval,
            false,
            portOffset,
            replicas,
            podStart,
            "chaos",
            prometheus,
            targets,
            null);
    Console console = new Console(System.out);
    Layout layout = Devstack.layout();
    console.line(
        "Rotor chaos run: "
            + rotations
            + " rotations over "
            + targets
            + " targets, a Rotor service SIGKILLed every "
            + killEvery
            + ", Kafka and PostgreSQL restarted once (seed "
            + randomSeed
            + ")");
    try (Stack stack = new Stack(layout, settings, console)) {
      // The workload's clients read payloads written at any time of the run, and the example
      // workload does not re-encrypt: the keyring keeps every key a target gets in this run.
      stack.seed().previousKeys(Math.max(2, ChaosRun.perTarget(rotations, targets)));
      stack.preflight();
      stack.start();
      double startup = console.elapsedSeconds();
      console.section(String.format(Locale.ROOT, "Rotor is up after %.1f s", startup));
      Map<String, String> env = new LinkedHashMap<>();
      env.put("ROTOR_KAFKA", "127.0.0.1:" + settings.kafkaPort());
      env.put("ROTOR_LEDGER_URL", "http://127.0.0.1:" + settings.servicePort(8085));
      RotorctlRunner rotorctl =
          new RotorctlRunner(layout.rotorctl(), env, layout.log("rotorctl"), stack::track);
      List<ClusterView> clusters = new ArrayList<>();
      for (String cluster : Services.CLUSTERS) {
        clusters.add(
            new ClusterView(
                cluster,
                stack.endpoints().clusterApis().get(cluster),
                stack.endpoints().clusterControls().get(cluster)));
      }
      Instant begin = Instant.now();
      try (EventFollower events = new EventFollower("127.0.0.1:" + settings.kafkaPort())) {
        ChaosRun run =
            new ChaosRun(
                stack.seed().targets().stream().map(Seed.Target::id).toList(),
                new ChaosRun.Options(rotations, killEvery, rotationTimeout, randomSeed),
                faults(stack),
                rotorctl,
                events,
                clusters,
                Services.REQUESTER,
                Services.APPROVER,
                console,
                stack::stopping);
        console.section("Waiting for the workload's clients to write and read payloads");
        awaitTraffic(run);
        console.section(
            "Chaos: rotations while Rotor's services are killed (output: outcomes and faults)");
        run.run();
        console.section("The faults stopped; waiting up to " + settle + " for every rotation");
        List<ChaosRun.Rotation> open = run.settle(settle);

        console.section("Checks");
        List<ChaosChecks.Check> checks = new ArrayList<>();
        checks.add(ChaosChecks.noneStuck(run.rotations(), open));
        checks.addAll(
            ChaosChecks.ledger(
                events,
                URI.create("http://127.0.0.1:" + settings.servicePort(8085)),
                rotorctl,
                Duration.ofMinutes(2)));
        Map<String, JsonNode> rollouts = new LinkedHashMap<>();
        for (ClusterView cluster : clusters) {
          rollouts.put(cluster.name(), cluster.rollouts());
        }
        checks.add(ChaosChecks.oneRestartPerPhase(rollouts));
        Map<String, JsonNode> loads = run.loads();
        checks.add(ChaosChecks.noDecryptFailure(loads));
        checks.add(
            // The devstack's broker starts empty: whatever the DLQ holds is from this run.
            ChaosChecks.emptyDlq("127.0.0.1:" + settings.kafkaPort(), 0L));
        // The keys of every rotation of the run, in every place a key must never be.
        dev.rotor.devstack.leak.ScanReport scan = ScanCommand.afterScenarios(layout, console);
        checks.add(ChaosChecks.noKeyLeaked(scan));
        boolean ok = checks.stream().allMatch(ChaosChecks.Check::ok);
        for (ChaosChecks.Check check : checks) {
          console.line(
              "  "
                  + (check.ok() ? "[ok]     " : "[FAILED] ")
                  + check.name()
                  + ": "
                  + check.detail());
        }
        Duration wall = Duration.between(begin, Instant.now());
        console.section(
            String.format(
                Locale.ROOT,
                "%s: %d rotations in %d s (%s), %d faults (%s)",
                ok ? "Every check held" : "Something did not hold",
                run.rotations().size(),
                wall.toSeconds(),
                run.outcomes(),
                run.faultsMade().size(),
                run.faultCounts()));
        writeSummary(stack, startup, wall, run, checks, loads, randomSeed);
        ScanCommand.addToSummary(layout, scan);
        return ok ? 0 : 1;
      } finally {
        clusters.forEach(ClusterView::close);
      }
    }
  }

  private static ChaosRun.Faults faults(Stack stack) {
    return new ChaosRun.Faults() {
      @Override
      public List<String> services() {
        return stack.services().stream().map(ServiceSpec::name).toList();
      }

      @Override
      public void killAndRestart(String service) {
        stack.killAndRestartService(service);
      }

      @Override
      public void restartKafka() {
        stack.restartKafka();
      }

      @Override
      public void restartPostgres() {
        stack.restartPostgres();
      }
    };
  }

  private static void awaitTraffic(ChaosRun run) {
    Await.until(
        "the load generators to write and read payloads",
        Duration.ofMinutes(3),
        null,
        () -> run.loads().values().stream().allMatch(l -> l.path("readsOk").asLong() > 20));
  }

  private void writeSummary(
      Stack stack,
      double startup,
      Duration wall,
      ChaosRun run,
      List<ChaosChecks.Check> checks,
      Map<String, JsonNode> loads,
      long randomSeed)
      throws IOException {
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("startupSeconds", startup);
    Map<String, Long> components = new LinkedHashMap<>();
    stack.startTimes().forEach((name, took) -> components.put(name, took.toMillis()));
    summary.put("componentStartMillis", components);
    Map<String, Object> chaos = new LinkedHashMap<>();
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("rotations", rotations);
    settings.put("targets", targets);
    settings.put("killEvery", killEvery.toString());
    settings.put("soak", soak.toString());
    settings.put("replicas", replicas);
    settings.put("podStart", podStart.toString());
    settings.put("seed", randomSeed);
    chaos.put("settings", settings);
    chaos.put("wallSeconds", wall.toSeconds());
    chaos.put("chaosSeconds", run.chaosDuration().toSeconds());
    chaos.put("outcomes", run.outcomes());
    chaos.put("faults", run.faultCounts());
    chaos.put("faultCount", run.faultsMade().size());
    List<Map<String, Object>> faults = new ArrayList<>();
    for (ChaosRun.Fault fault : run.faultsMade()) {
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("what", fault.what());
      f.put("at", fault.at().toString());
      f.put("tookMillis", fault.tookMillis());
      f.put("error", fault.error());
      faults.add(f);
    }
    chaos.put("faultLog", faults);
    chaos.put("rotations", run.rotations().stream().map(ChaosRun.Rotation::json).toList());
    List<Map<String, Object>> list = new ArrayList<>();
    for (ChaosChecks.Check check : checks) {
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("check", check.name());
      c.put("ok", check.ok());
      c.put("detail", check.detail());
      list.add(c);
    }
    chaos.put("checks", list);
    chaos.put("ok", checks.stream().allMatch(ChaosChecks.Check::ok));
    Map<String, Object> load = new LinkedHashMap<>();
    loads.forEach((cluster, node) -> load.put(cluster, node));
    chaos.put("load", load);
    summary.put("chaos", chaos);
    new ObjectMapper()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(stack.layout().home().resolve("summary.json").toFile(), summary);
  }
}
