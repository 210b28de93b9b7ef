package dev.rotor.benchmarks;

import dev.rotor.devstack.DevstackException;
import dev.rotor.devstack.Layout;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * {@code benchmarks/bench <overhead|fleet|footprint> [options]}: starts the benchmarks' Rotor
 * ({@link BenchStack}), runs one benchmark, prints its figures and writes them to {@code
 * benchmarks/target/benchmarks/<name>-<time>.txt}, stops everything. See docs/scaling.md.
 */
public final class Bench {
  static final String REQUESTER = "alice";
  static final String APPROVER = "bob";

  private Bench() {}

  static final String USAGE =
      String.join(
          "\n",
          "usage: benchmarks/bench <overhead|fleet|footprint> [options]",
          "",
          "  overhead   rotations one after the other (zero soak, instant rollout, local approval):",
          "             request to rotation.completed p50/p99 next to Kafka's produce-to-consume",
          "             round trip measured in the same run, and where the time went per service",
          "  fleet      every target rotated at once: wall time, rotations/s, per-service breakdown",
          "  footprint  each service started one at a time: time to /q/health/ready and RSS",
          "",
          "options:",
          "  --port-offset N      added to every port (Kafka 9092, PostgreSQL 15432, services 8081-)",
          "  --rotations N        overhead: measured rotations (default 100, after 3 warm-up ones)",
          "  --targets N          targets (default: overhead 10, fleet 1000, footprint 10)",
          "  --clusters N         simulated clusters, one agent each (default 1)",
          "  --stages N           stages per target on consecutive clusters (default: every cluster;",
          "                       1 spreads the targets over the clusters, one cluster each)",
          "  --partitions N       partitions of every topic (default 1)",
          "  --verifier-tick D    the verifier's tick (default PT1S, its own default)",
          "  --agent-concurrency N  the cluster-agents' rollout.concurrency (default: theirs, 4)",
          "  --heap SIZE          each service's -Xmx (default 384m)",
          "  --jfr SETTINGS       record each service with Java Flight Recorder (default or",
          "                       profile) into bench-run/jfr/<service>.jfr, written at its exit",
          "  --timeout D          give up after (default PT15M)",
          "");

  public static void main(String[] args) {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
      System.out.println(USAGE);
      System.exit(args.length == 0 ? 2 : 0);
    }
    String name = args[0];
    BenchOptions options;
    try {
      options = parse(name, List.of(args).subList(1, args.length));
    } catch (IllegalArgumentException e) {
      System.err.println("ROTOR-9000 " + e.getMessage());
      System.err.println(USAGE);
      System.exit(2);
      return;
    }
    Path root = Layout.findRoot(Path.of("").toAbsolutePath());
    String buildDirectory = System.getenv().getOrDefault("ROTOR_TARGET", "target");
    Path home = root.resolve("benchmarks").resolve(buildDirectory).resolve("bench-run");
    Layout layout = new Layout(root, buildDirectory, home);
    Report report = new Report(System.out);
    int status;
    try (BenchStack stack = new BenchStack(layout, options, System.out)) {
      report.line(
          "Rotor benchmark '%s' on %s, %d cores; load average at start %s",
          name,
          LocalDateTime.now().withNano(0),
          Runtime.getRuntime().availableProcessors(),
          Report.loadAverage());
      report.line("options: %s", options);
      stack.start();
      status =
          switch (name) {
            case "overhead" -> new Benchmarks(stack, options, report).overhead();
            case "fleet" -> new Benchmarks(stack, options, report).fleet();
            case "footprint" -> new Benchmarks(stack, options, report).footprint();
            default -> throw new IllegalStateException(name);
          };
      report.line("load average at end %s", Report.loadAverage());
    } catch (DevstackException e) {
      report.line("%s", e.line());
      status = 1;
    } catch (RuntimeException e) {
      // A fault of the benchmark itself: keep what was measured so far, and exit (the clients'
      // threads would keep the JVM alive).
      StringWriter trace = new StringWriter();
      e.printStackTrace(new PrintWriter(trace));
      report.line("ROTOR-9010 the benchmark failed: %s", trace);
      status = 3;
    }
    Path file =
        root.resolve("benchmarks")
            .resolve(buildDirectory)
            .resolve("benchmarks")
            .resolve(
                name
                    + "-"
                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
                    + ".txt");
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, report.text(), StandardCharsets.UTF_8);
      System.out.println("ROTOR-9009 figures written to " + root.relativize(file));
    } catch (IOException e) {
      System.err.println("ROTOR-9009 cannot write " + file + ": " + e.getMessage());
    }
    System.exit(status);
  }

  static BenchOptions parse(String name, List<String> args) {
    if (!List.of("overhead", "fleet", "footprint").contains(name)) {
      throw new IllegalArgumentException(
          "unknown benchmark '" + name + "': overhead, fleet or footprint");
    }
    int portOffset = 0;
    int rotations = 100;
    int targets = name.equals("fleet") ? 1000 : 10;
    int clusters = 1;
    int stages = 0;
    int partitions = 1;
    Duration tick = Duration.ofSeconds(1);
    int concurrency = 0;
    String heap = "384m";
    String jfr = "";
    Duration timeout = Duration.ofMinutes(15);
    for (int i = 0; i < args.size(); i++) {
      String option = args.get(i);
      if (i + 1 >= args.size()) {
        throw new IllegalArgumentException(option + ": needs a value");
      }
      String value = args.get(++i);
      switch (option) {
        case "--port-offset" -> portOffset = integer(option, value, 0, 40000);
        case "--rotations" -> rotations = integer(option, value, 1, 100000);
        case "--targets" -> targets = integer(option, value, 1, 100000);
        case "--clusters" -> clusters = integer(option, value, 1, 9);
        case "--stages" -> stages = integer(option, value, 1, 9);
        case "--partitions" -> partitions = integer(option, value, 1, 64);
        case "--verifier-tick" -> tick = duration(option, value);
        case "--agent-concurrency" -> concurrency = integer(option, value, 1, 1000);
        case "--heap" -> {
          if (!value.matches("[0-9]+[mg]")) {
            throw new IllegalArgumentException(
                option + ": expected a size such as 384m, got '" + value + "'");
          }
          heap = value;
        }
        case "--jfr" -> {
          if (!List.of("default", "profile").contains(value)) {
            throw new IllegalArgumentException(
                option + ": expected default or profile, got '" + value + "'");
          }
          jfr = value;
        }
        case "--timeout" -> timeout = duration(option, value);
        default -> throw new IllegalArgumentException("unknown option " + option);
      }
    }
    if (stages > clusters) {
      throw new IllegalArgumentException(
          "--stages: " + stages + " stages need as many clusters, but --clusters is " + clusters);
    }
    return new BenchOptions(
        portOffset,
        targets,
        clusters,
        stages == 0 ? clusters : stages,
        rotations,
        partitions,
        tick,
        concurrency,
        heap,
        jfr,
        // One at a time: start-up figures without the others' start-up in them, and no service
        // timing out on its database while five others run their migrations on a busy machine.
        true,
        timeout);
  }

  private static int integer(String option, String value, int min, int max) {
    try {
      int n = Integer.parseInt(value);
      if (n < min || n > max) {
        throw new IllegalArgumentException(
            option + ": must be between " + min + " and " + max + ", got " + n);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + ": expected a number, got '" + value + "'");
    }
  }

  private static Duration duration(String option, String value) {
    try {
      Duration d = Duration.parse(value);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(option + ": must be positive, got " + value);
      }
      return d;
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          option + ": expected an ISO-8601 duration such as PT1S, got '" + value + "'");
    }
  }

  /** Lines printed as they come and kept for the figures file. */
  static final class Report {
    private final PrintStream out;
    private final StringBuilder text = new StringBuilder();

    Report(PrintStream out) {
      this.out = out;
    }

    synchronized void line(String format, Object... args) {
      String line = String.format(format, args);
      out.println(line);
      text.append(line).append('\n');
    }

    synchronized String text() {
      return text.toString();
    }

    static String loadAverage() {
      try {
        String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
        return parts[0] + " " + parts[1] + " " + parts[2];
      } catch (IOException e) {
        return "unknown";
      }
    }
  }
}
