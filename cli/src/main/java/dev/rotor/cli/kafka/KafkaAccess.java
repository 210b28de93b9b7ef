package dev.rotor.cli.kafka;

import dev.rotor.cli.CliException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/** Where rotorctl's Kafka is, how long to wait for it, and the client settings they imply. */
public record KafkaAccess(String bootstrapServers, Duration timeout) {

  /**
   * Fails with one clear line unless a broker answers within the timeout: the Kafka clients
   * themselves would retry quietly until their own, much longer, deadlines.
   */
  public void requireReachable() {
    Map<String, Object> config = common("rotorctl-admin");
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
    try (Admin admin = Admin.create(config)) {
      admin
          .describeCluster(new DescribeClusterOptions().timeoutMs((int) timeout.toMillis()))
          .clusterId()
          .get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unreachable(e);
    }
  }

  /** The settings every client shares. */
  Map<String, Object> common(String clientPrefix) {
    Map<String, Object> config = new HashMap<>();
    config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(
        CommonClientConfigs.CLIENT_ID_CONFIG,
        clientPrefix + "-" + UUID.randomUUID().toString().substring(0, 8));
    // Fail fast on a wrong address instead of retrying for minutes.
    config.put(CommonClientConfigs.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000);
    config.put(CommonClientConfigs.SOCKET_CONNECTION_SETUP_TIMEOUT_MS_CONFIG, 2000L);
    config.put(CommonClientConfigs.SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS_CONFIG, 5000L);
    return config;
  }

  CliException unreachable(Throwable cause) {
    return CliException.unavailable(
        "ROTOR-7001",
        "cannot reach Kafka at "
            + bootstrapServers
            + " within "
            + seconds(timeout)
            + " (set --bootstrap-servers or ROTOR_KAFKA)",
        cause);
  }

  static String seconds(Duration duration) {
    long millis = duration.toMillis();
    return millis % 1000 == 0 ? millis / 1000 + " s" : String.format("%.1f s", millis / 1000.0);
  }
}
