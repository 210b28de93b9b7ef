package dev.rotor.cli;

import java.time.Duration;
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

  /** How long a single exchange with Kafka may take. */
  public Duration timeout() {
    if (timeout != null) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw CliException.usage("ROTOR-7000", "--timeout: must be positive, e.g. PT10S");
      }
      return timeout;
    }
    return config("rotor.cli.timeout").map(Duration::parse).orElse(Duration.ofSeconds(10));
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
