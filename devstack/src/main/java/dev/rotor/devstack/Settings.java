package dev.rotor.devstack;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How the devstack runs, from the command line.
 *
 * @param soak the soak of every stage (the example policy's are 10 and 30 minutes)
 * @param interval the verifier's check interval (at most the soak)
 * @param keep whether to leave everything running after the scenarios
 * @param portOffset added to every fixed port, when the defaults are taken
 * @param replicas pods of the workload per cluster
 * @param podStart how long a simulated pod takes to start (the rollout simulator's delay)
 * @param scenarios which scenarios run: {@code both}, {@code healthy}, {@code failing} or {@code
 *     none}
 * @param prometheus use Prometheus when {@code /usr/bin/prometheus} exists
 * @param targets how many targets to seed: the example's, then copies of it (each its own Secret,
 *     Deployment, manifest and policy entry)
 * @param otlpEndpoint where every service and rotorctl send their spans (OTLP over HTTP/protobuf),
 *     with tracing turned on (docs/tracing.md); null: tracing off
 */
public record Settings(
    Duration soak,
    Duration interval,
    boolean keep,
    int portOffset,
    int replicas,
    Duration podStart,
    String scenarios,
    boolean prometheus,
    int targets,
    String otlpEndpoint) {

  /**
   * The configuration that turns tracing on (docs/tracing.md), for every service and rotorctl;
   * empty when it is off.
   */
  public Map<String, String> tracing() {
    if (otlpEndpoint == null) {
      return Map.of();
    }
    Map<String, String> p = new LinkedHashMap<>();
    p.put("quarkus.otel.sdk.disabled", "false");
    p.put("mp.messaging.connector.smallrye-kafka.tracing-enabled", "true");
    p.put("quarkus.otel.exporter.otlp.traces.endpoint", otlpEndpoint);
    p.put("quarkus.otel.exporter.otlp.traces.protocol", "http/protobuf");
    p.put("quarkus.otel.bsp.schedule.delay", "PT1S");
    return p;
  }

  /** {@link #tracing()} as environment variables (for rotorctl). */
  public Map<String, String> tracingEnvironment() {
    Map<String, String> env = new LinkedHashMap<>();
    tracing()
        .forEach(
            (key, value) ->
                env.put(
                    key.toUpperCase(java.util.Locale.ROOT).replaceAll("[^A-Z0-9]", "_"), value));
    return env;
  }

  public int kafkaPort() {
    return 9092 + portOffset;
  }

  public int kafkaControllerPort() {
    return 9093 + portOffset;
  }

  public int postgresPort() {
    return 15432 + portOffset;
  }

  public int prometheusPort(int cluster) {
    return 19090 + cluster + portOffset;
  }

  /** The services' HTTP ports: their own defaults, so the docs' URLs work. */
  public int servicePort(int defaultPort) {
    return defaultPort + portOffset;
  }
}
