package dev.rotor.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import org.eclipse.microprofile.config.ConfigProvider;
import picocli.CommandLine.Option;

/**
 * Options every command that talks to Kafka takes. Each falls back to configuration: {@code
 * rotor.cli.kafka} (environment {@code ROTOR_KAFKA}), {@code rotor.cli.timeout}.
 */
public final class CommonOptions {

  @Option(
      names = {"--bootstrap-servers", "-b"},
      paramLabel = "<host:port>",
      description = "Kafka bootstrap servers (default: $ROTOR_KAFKA, else localhost:9092).")
  String bootstrapServers;

  @Option(
      names = "--timeout",
      paramLabel = "<ISO-8601>",
      description =
          "How long to wait for Kafka to answer (default PT10S); for watch, see its own --until.")
  Duration timeout;

  @Option(
      names = {"--output", "-o"},
      paramLabel = "text|json",
      description = "text for people (default), json for scripts.")
  OutputFormat output = OutputFormat.TEXT;

  /** The Kafka bootstrap servers to use. */
  public String bootstrapServers() {
    if (bootstrapServers != null && !bootstrapServers.isBlank()) {
      return bootstrapServers.trim();
    }
    return config("rotor.cli.kafka").orElse("localhost:9092");
  }

  /** The longest {@code --timeout}: a day (Kafka's clients take milliseconds as an int). */
  public static final Duration MAX_TIMEOUT = Duration.ofDays(1);

  /** How long a single exchange with Kafka may take. */
  public Duration timeout() {
    if (timeout != null) {
      return checkTimeout(timeout, "--timeout");
    }
    Optional<String> configured = config("rotor.cli.timeout");
    if (configured.isEmpty()) {
      return Duration.ofSeconds(10);
    }
    String where = "rotor.cli.timeout (ROTOR_CLI_TIMEOUT)";
    try {
      return checkTimeout(Duration.parse(configured.get().strip()), where);
    } catch (DateTimeParseException e) {
      throw CliException.usage(
          "ROTOR-7000", where + ": not an ISO-8601 duration; expected e.g. PT10S or PT2M");
    }
  }

  /**
   * {@code timeout} if it is positive and at most {@link #MAX_TIMEOUT}.
   *
   * @param where the option or setting it came from, for the error
   * @throws CliException a usage error naming {@code where}
   */
  public static Duration checkTimeout(Duration timeout, String where) {
    if (timeout.isNegative() || timeout.isZero()) {
      throw CliException.usage("ROTOR-7000", where + ": must be positive, e.g. PT10S");
    }
    if (timeout.compareTo(MAX_TIMEOUT) > 0) {
      throw CliException.usage(
          "ROTOR-7000", where + ": " + timeout + " is too long; at most PT24H");
    }
    return timeout;
  }

  public OutputFormat output() {
    return output;
  }

  static Optional<String> config(String key) {
    return ConfigProvider.getConfig()
        .getOptionalValue(key, String.class)
        .filter(value -> !value.isBlank());
  }

  /** The output formats. */
  public enum OutputFormat {
    TEXT,
    JSON
  }
}
