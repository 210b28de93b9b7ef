package dev.rotor.devstack;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.rotor.common.event.EventType;
import dev.rotor.devstack.process.Console;
import dev.rotor.devstack.process.PidRegistry;
import dev.rotor.devstack.scenario.ClusterView;
import dev.rotor.devstack.scenario.EventFollower;
import dev.rotor.devstack.scenario.Outcome;
import dev.rotor.devstack.scenario.RotorctlRunner;
import dev.rotor.devstack.scenario.Scenarios;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./rotor demo}: the devstack. Starts Rotor and everything it needs on this machine, each a
 * process of its own, runs a rotation end to end and one that production makes fail, shows them
 * with {@code rotorctl watch}, and stops everything again (or keeps it running with {@code
 * --keep}).
 */
@Command(
    name = "rotor",
    mixinStandardHelpOptions = true,
    subcommands = {Devstack.Demo.class, Devstack.Down.class, ChaosCommand.class, ScanCommand.class},
    description = "Rotor on this machine: ./rotor demo [--keep] [--soak PT20S]; ./rotor down")
public final class Devstack {

  public static void main(String[] args) {
    // Before any library logs: the class path holds JBoss LogManager (Kafka's and fabric8's
    // clients log through java.util.logging).
    System.setProperty("java.util.logging.manager", "org.jboss.logmanager.LogManager");
    CommandLine commandLine = new CommandLine(new Devstack());
    commandLine.setParameterExceptionHandler(
        (e, arguments) -> {
          System.err.println(
              "rotor: ROTOR-8000 "
                  + e.getMessage()
                  + "; see '"
                  + e.getCommandLine().getCommandSpec().qualifiedName()
                  + " --help'");
          return 2;
        });
    commandLine.setExecutionExceptionHandler(
        (e, line, parsed) -> {
          if (e instanceof DevstackException devstack) {
            System.err.println("rotor: " + devstack.line());
          } else {
            System.err.println("rotor: ROTOR-8999 unexpected " + e);
          }
          return 1;
        });
    int code = commandLine.execute(args);
    System.exit(code);
  }

  static Layout layout() {
    String rootProperty = System.getProperty("rotor.root");
    Path root =
        rootProperty == null
            ? Layout.findRoot(Path.of(""))
            : Path.of(rootProperty).toAbsolutePath();
    String home = System.getProperty("rotor.devstack.home");
    return new Layout(
        root,
        System.getProperty("rotor.target", "target"),
        home == null ? root.resolve(".devstack") : Path.of(home).toAbsolutePath());
  }

  /** {@code ./rotor demo}. */
  @Command(
      name = "demo",
      mixinStandardHelpOptions = true,
      description = {
        "Start Rotor on this machine and run two rotations end to end: a healthy one, and one"
            + " whose new key makes production fail and that Rotor rolls back on its own.",
        "Everything runs on 127.0.0.1, each part a process with its log in .devstack/logs/."
      })
  static final class Demo implements Callable<Integer> {
    @Option(
        names = "--keep",
        description = "Leave everything running afterwards, for rotorctl (stop with Ctrl-C).")
    boolean keep;

    @Option(
        names = "--soak",
        paramLabel = "<ISO-8601>",
        description =
            "How long each stage soaks (default PT20S; the example policy: PT10M, PT30M).")
    Duration soak = Duration.ofSeconds(20);

    @Option(
        names = "--interval",
        paramLabel = "<ISO-8601>",
        description = "How often the verifier checks during a soak (default PT2S).")
    Duration interval = Duration.ofSeconds(2);

    @Option(
        names = "--scenarios",
        paramLabel = "both|healthy|failing|none",
        description = "Which rotations to run (default both; none: just start, implies --keep).")
    String scenarios = "both";

    @Option(
        names = "--port-offset",
        paramLabel = "<n>",
        description =
            "Added to every fixed port (Kafka 9092, PostgreSQL 15432, services 8081-8086).")
    int portOffset;

    @Option(
        names = "--replicas",
        paramLabel = "<n>",
        description = "Pods of the workload per cluster (default 2).")
    int replicas = 2;

    @Option(
        names = "--pod-start",
        paramLabel = "<ISO-8601>",
        description = "How long a simulated pod takes to become ready (default PT8S).")
    Duration podStart = Duration.ofSeconds(8);

    @Option(
        names = "--no-prometheus",
        negatable = true,
        description = "Let the verifier scrape the pods itself even if Prometheus is installed.")
    boolean prometheus = true;

    @Option(
        names = "--otlp-endpoint",
        paramLabel = "<url>",
        description =
            "Turn tracing on (docs/tracing.md): every service and rotorctl send their spans here,"
                + " OTLP over HTTP/protobuf, e.g. http://127.0.0.1:4318/v1/traces.")
    String otlpEndpoint;

    @Override
    public Integer call() throws Exception {
      if (!List.of("both", "healthy", "failing", "none").contains(scenarios)) {
        throw new DevstackException("ROTOR-8000", "--scenarios: both, healthy, failing or none");
      }
      if (soak.isNegative()
          || interval.isNegative()
          || interval.isZero()
          || interval.compareTo(soak) > 0) {
        throw new DevstackException(
            "ROTOR-8000", "--interval must be positive and at most --soak (" + soak + ")");
      }
      Settings settings =
          new Settings(
              soak,
              interval,
              keep || scenarios.equals("none"),
              portOffset,
              replicas,
              podStart,
              scenarios,
              prometheus,
              1,
              otlpEndpoint);
      Console console = new Console(System.out);
      Layout layout = layout();
      console.line(
          "Rotor devstack: Kafka, PostgreSQL, a Git server, two clusters and every Rotor service on"
              + " 127.0.0.1");
      try (Stack stack = new Stack(layout, settings, console)) {
        stack.preflight();
        stack.start();
        double startup = console.elapsedSeconds();
        printUp(stack, settings, console, startup);
        List<Outcome> outcomes = new ArrayList<>();
        if (!scenarios.equals("none")) {
          outcomes = runScenarios(stack, settings, console);
        }
        // After the scenarios: no key of theirs in any record, log, table, Git object or response.
        dev.rotor.devstack.leak.ScanReport leakScan =
            outcomes.isEmpty() ? null : ScanCommand.afterScenarios(layout, console);
        writeSummary(stack, settings, startup, outcomes);
        ScanCommand.addToSummary(layout, leakScan);
        boolean ok =
            outcomes.stream().allMatch(Outcome::ok)
                && (leakScan == null || leakScan.exitCode() == 0);
        if (!outcomes.isEmpty()) {
          console.section(
              !ok
                  ? "Something did not go as promised"
                  : outcomes.size() == 2
                      ? "Both scenarios did what Rotor promises"
                      : "The scenario did what Rotor promises");
          for (Outcome outcome : outcomes) {
            console.line(
                "  "
                    + (outcome.ok() ? "[ok]     " : "[FAILED] ")
                    + outcome.scenario()
                    + (outcome.rotationId() == null
                        ? ""
                        : " (rotation "
                            + outcome.rotationId()
                            + ", "
                            + outcome.wallMillis() / 1000
                            + " s)"));
          }
        }
        if (settings.keep()) {
          console.section("The devstack keeps running; Ctrl-C stops it");
          console.line("  source .devstack/env     # ROTOR_KAFKA, ROTOR_LEDGER_URL, KUBECONFIG");
          console.line("  ./rotor ctl status       # rotorctl against this devstack");
          console.line(
              "  ./rotor ctl request aether-services/secrets-service-config --operator alice");

          new CountDownLatch(1).await();
        }
        return ok ? 0 : 1;
      }
    }

    private static void printUp(Stack stack, Settings settings, Console console, double startup) {
      console.section(String.format(java.util.Locale.ROOT, "Rotor is up after %.1f s", startup));
      console.line("  Kafka             127.0.0.1:" + settings.kafkaPort());
      console.line("  PostgreSQL        127.0.0.1:" + settings.postgresPort());
      console.line("  Git               " + stack.endpoints().gitUrl());
      stack
          .endpoints()
          .clusterApis()
          .forEach(
              (c, url) ->
                  console.line(
                      "  " + pad(c, 18) + url + "   (context " + c + " in .devstack/kubeconfig)"));
      stack
          .endpoints()
          .prometheus()
          .forEach((c, url) -> console.line("  Prometheus        " + url + "   (" + c + ")"));
      console.line(
          "  ledger            http://127.0.0.1:"
              + settings.servicePort(8085)
              + "/ledger/rotations");
      console.line(
          "  logs              "
              + stack.rel(stack.layout().logs())
              + "/<component>.log, pods in "
              + stack.rel(stack.layout().logs().resolve("pods")));
    }

    private List<Outcome> runScenarios(Stack stack, Settings settings, Console console)
        throws IOException {
      Layout layout = stack.layout();
      Map<String, String> env = new LinkedHashMap<>();
      env.put("ROTOR_KAFKA", "127.0.0.1:" + settings.kafkaPort());
      env.put("ROTOR_LEDGER_URL", "http://127.0.0.1:" + settings.servicePort(8085));
      env.putAll(settings.tracingEnvironment());
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
      List<Outcome> outcomes = new ArrayList<>();
      try (EventFollower events = new EventFollower("127.0.0.1:" + settings.kafkaPort())) {
        Scenarios scenarios =
            new Scenarios(
                new Scenarios.Context(
                    Seed.NAMESPACE + "/" + Seed.SECRET,
                    Seed.NAMESPACE,
                    Seed.SECRET,
                    Services.REQUESTER,
                    Services.APPROVER,
                    clusters,
                    Services.PRODUCTION,
                    rotorctl,
                    events,
                    URI.create("http://127.0.0.1:" + settings.servicePort(8085)),
                    settings.soak(),
                    console,
                    stack::stopping));
        console.section(
            "Waiting for the workload's clients (the load generator) to write and read payloads");
        scenarios.awaitTraffic();
        Path kept = layout.home().resolve("ledger/checkpoint-after-first-rotation.note");
        if (!this.scenarios.equals("failing")) {
          console.section("Scenario 1: the example policy's rotation, staging then production");
          Outcome healthy = scenarios.healthy();
          outcomes.add(healthy);
          if (healthy.rotationId() != null) {
            showLedger(rotorctl, console, healthy, events, EventType.ROTATION_COMPLETED);
            ledger(
                rotorctl,
                console,
                healthy,
                "ledger checkpoint: kept to check later that the log only grew",
                "ledger",
                "checkpoint",
                "--save",
                kept.toString());
          }
        }
        if (!this.scenarios.equals("healthy")) {
          console.section(
              "Scenario 2: the new key makes production fail; Rotor rolls back on its own");
          Outcome failing = scenarios.failingProduction();
          outcomes.add(failing);
          if (failing.rotationId() != null) {
            showLedger(rotorctl, console, failing, events, EventType.ROTATION_ROLLED_BACK);
          }
        }
        if (!outcomes.isEmpty()) {
          Outcome last = outcomes.get(outcomes.size() - 1);
          console.section("The whole ledger, verified here against its signed checkpoints");
          if (java.nio.file.Files.exists(kept)) {
            ledger(
                rotorctl,
                console,
                last,
                "ledger verify: signature, every entry, and the log only grew since the kept checkpoint",
                "ledger",
                "verify",
                "--since",
                kept.toString());
          } else {
            ledger(
                rotorctl,
                console,
                last,
                "ledger verify: signature and every entry",
                "ledger",
                "verify");
          }
          ledger(
              rotorctl,
              console,
              last,
              "history of the target from the ledger",
              "history",
              Seed.NAMESPACE + "/" + Seed.SECRET);
        }
      } finally {
        clusters.forEach(ClusterView::close);
      }
      return outcomes;
    }

    /** The ledger's record of the rotation, and its last event proved to be in the log. */
    private static void showLedger(
        RotorctlRunner rotorctl,
        Console console,
        Outcome outcome,
        EventFollower events,
        EventType last) {
      console.section("The ledger's record of rotation " + outcome.rotationId());
      ledger(
          rotorctl,
          console,
          outcome,
          "ledger record of the rotation",
          "ledger",
          "record",
          outcome.rotationId());
      events
          .first(outcome.rotationId(), last)
          .ifPresent(
              event ->
                  ledger(
                      rotorctl,
                      console,
                      outcome,
                      "ledger proof: "
                          + last.eventName()
                          + " is in the log (checked here against the signed checkpoint)",
                      "ledger",
                      "proof",
                      event.id()));
    }

    /** Runs a rotorctl command, shows it and what it printed, and checks that it exited 0. */
    private static void ledger(
        RotorctlRunner rotorctl, Console console, Outcome outcome, String what, String... command) {
      console.line("$ rotorctl " + String.join(" ", command));
      RotorctlRunner.Result result = rotorctl.run(Duration.ofMinutes(2), command);
      if (!result.out().isBlank()) {
        console.line(result.out().stripTrailing());
      }
      if (!result.err().isBlank()) {
        console.line(result.err().stripTrailing());
      }
      boolean ok =
          outcome.check(result.exitCode() == 0, what + " (exit " + result.exitCode() + ")");
      console.line("  " + (ok ? "[ok]     " : "[FAILED] ") + what);
      console.line("");
    }

    private static void writeSummary(
        Stack stack, Settings settings, double startup, List<Outcome> outcomes) throws IOException {
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("startupSeconds", startup);
      Map<String, Long> components = new LinkedHashMap<>();
      stack.startTimes().forEach((name, took) -> components.put(name, took.toMillis()));
      summary.put("componentStartMillis", components);
      summary.put("soak", settings.soak().toString());
      List<Map<String, Object>> scenarios = new ArrayList<>();
      for (Outcome outcome : outcomes) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("scenario", outcome.scenario());
        s.put("rotationId", outcome.rotationId());
        s.put("ok", outcome.ok());
        s.put("wallMillis", outcome.wallMillis());
        s.put("checks", outcome.checks());
        scenarios.add(s);
      }
      summary.put("scenarios", scenarios);
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .writeValue(stack.layout().home().resolve("summary.json").toFile(), summary);
    }

    private static String pad(String text, int width) {
      return text.length() >= width ? text + " " : text + " ".repeat(width - text.length());
    }
  }

  /** {@code ./rotor down}: stops a devstack left running (with --keep, or killed). */
  @Command(
      name = "down",
      mixinStandardHelpOptions = true,
      description = "Stop every process of a devstack that is still running.")
  static final class Down implements Callable<Integer> {
    @Override
    public Integer call() {
      Layout layout = layout();
      PidRegistry registry = new PidRegistry(layout.run().resolve("processes"));
      List<PidRegistry.Recorded> running = registry.running();
      if (running.isEmpty()) {
        System.out.println("No devstack process runs.");
        registry.clear();
        return 0;
      }
      System.out.println("Stopping " + running.size() + " processes of the devstack ...");
      for (PidRegistry.Recorded recorded : running) {
        recorded.handle().descendants().forEach(ProcessHandle::destroy);
        recorded.handle().destroy();
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (running.stream().anyMatch(r -> r.handle().isAlive()) && System.nanoTime() < deadline) {
        dev.rotor.devstack.process.Await.sleep(Duration.ofMillis(200));
      }
      for (PidRegistry.Recorded recorded : running) {
        recorded.handle().descendants().forEach(ProcessHandle::destroyForcibly);
        recorded.handle().destroyForcibly();
      }
      registry.clear();
      System.out.println("ROTOR-8010 stopped.");
      return 0;
    }
  }
}
