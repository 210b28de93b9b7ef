package dev.rotor.examples.load;

import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.time.format.DateTimeParseException;

/**
 * Command line of the load generator; prints one summary line and exits with 0 when nothing failed,
 * 1 when something did, 2 on a usage error.
 *
 * <pre>
 * java -jar rotor-example-load-generator.jar --target http://127.0.0.1:8080 \
 *     --target http://127.0.0.1:8081 [--duration PT30S] [--count 1000] [--workers 2] [--pause PT0.01S]
 * </pre>
 */
public final class LoadGeneratorMain {
  private static final String USAGE =
      "usage: load-generator --target <base URL> [--target <base URL> ...]"
          + " [--duration <ISO-8601, e.g. PT30S>] [--count <writes>] [--workers <n>]"
          + " [--pause <ISO-8601>] [--timeout <ISO-8601>]";

  private LoadGeneratorMain() {}

  public static void main(String[] args) throws InterruptedException {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs with the given arguments and returns the exit code. */
  static int run(String[] args, PrintStream out, PrintStream err) throws InterruptedException {
    LoadGenerator generator;
    try {
      generator = parse(args).build();
    } catch (IllegalArgumentException | DateTimeParseException e) {
      err.println("load-generator: " + e.getMessage());
      err.println(USAGE);
      return 2;
    }
    LoadReport report = generator.run();
    out.println(report.summary());
    report.failureSamples().forEach(sample -> err.println("  " + sample));
    return report.clean() ? 0 : 1;
  }

  static LoadGenerator.Builder parse(String[] args) {
    LoadGenerator.Builder builder = LoadGenerator.builder();
    for (int i = 0; i < args.length; i++) {
      String option = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(option + ": needs a value");
      }
      String value = args[++i];
      switch (option) {
        case "--target" -> builder.target(URI.create(value));
        case "--duration" -> builder.duration(Duration.parse(value));
        case "--count" -> builder.maxWrites(Long.parseLong(value));
        case "--workers" -> builder.workers(Integer.parseInt(value));
        case "--pause" -> builder.pause(Duration.parse(value));
        case "--timeout" -> builder.requestTimeout(Duration.parse(value));
        default -> throw new IllegalArgumentException(option + ": unknown option");
      }
    }
    return builder;
  }
}
