package dev.rotor.devstack;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The configuration of every Rotor service in the devstack: the keys their docs describe ({@code
 * docs/<service>.md}), set to the devstack's broker, database, Git server, clusters and short
 * intervals.
 */
final class Services {
  static final String PRODUCTION = "aether-production";
  static final String STAGING = "aether-staging";
  static final List<String> CLUSTERS = List.of(STAGING, PRODUCTION);

  /** People of the example policy's approval team ({@code approvals.teams: [security]}). */
  static final String REQUESTER = "alice";

  static final String APPROVER = "bob";

  private final Layout layout;
  private final Settings settings;
  private final Seed seed;
  private final Secrets secrets;

  /** Generated credentials of the devstack's Git server and Slack stand-in. */
  record Secrets(
      String gitWriter,
      String gitWriterPassword,
      String gitReader,
      String gitReaderPassword,
      String slackToken) {}

  Services(Layout layout, Settings settings, Seed seed, Secrets secrets) {
    this.layout = layout;
    this.settings = settings;
    this.seed = seed;
    this.secrets = secrets;
  }

  /** Every service, with the endpoints of the infrastructure that runs. */
  List<ServiceSpec> all(Endpoints endpoints) {
    List<ServiceSpec> services = new ArrayList<>();
    services.add(keyGenerator());
    services.add(manifestService());
    for (int i = 0; i < CLUSTERS.size(); i++) {
      services.add(clusterAgent(CLUSTERS.get(i), i));
    }
    services.add(verifier(endpoints));
    services.add(ledger());
    services.add(notifier(endpoints));
    return services;
  }

  private Map<String, String> common(String name, int port, String database) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("quarkus.http.host", "127.0.0.1");
    p.put("quarkus.http.port", String.valueOf(port));
    p.put("quarkus.log.console.format", "%d{HH:mm:ss,SSS} %-5p [%c{3.}] %s%e%n");
    p.put("kafka.bootstrap.servers", "127.0.0.1:" + settings.kafkaPort());
    if (database != null) {
      p.put(
          "quarkus.datasource.jdbc.url",
          "jdbc:postgresql://127.0.0.1:" + settings.postgresPort() + "/" + database);
      p.put("quarkus.datasource.username", "postgres");
      // A dozen JVMs share the machine: a connection may take longer than Agroal's 5 s default,
      // above all while a service starts (Flyway) right after PostgreSQL restarted.
      p.put("quarkus.datasource.jdbc.acquisition-timeout", "PT30S");
    }
    p.put("quarkus.log.category.\"org.apache.kafka\".level", "WARN");
    p.putAll(settings.tracing());
    return p;
  }

  private static Map<String, String> databasePassword() {
    // The embedded server trusts loopback connections; a password is still given, as in production.
    return Map.of("QUARKUS_DATASOURCE_PASSWORD", "postgres");
  }

  private ServiceSpec keyGenerator() {
    int port = settings.servicePort(8081);
    Map<String, String> p = common("key-generator", port, "key_generator");
    p.put("rotor.key-generator.policy-file", seed.policy().toString());
    p.put("rotor.key-generator.outbox.retry-interval", "PT2S");
    p.put("rotor.key-generator.cadence.check-interval", "PT1M");
    return new ServiceSpec("key-generator", "key-generator", port, p, databasePassword());
  }

  private ServiceSpec manifestService() {
    int port = settings.servicePort(8082);
    Map<String, String> p = common("manifest-service", port, "manifest_service");
    p.put(
        "rotor.manifest-service.cache-dir",
        layout.data("manifest-service").resolve("git").toString());
    p.put("rotor.manifest-service.git.default-credentials.username", secrets.gitWriter());
    p.put("rotor.manifest-service.local.teams.security", APPROVER);
    p.put("rotor.manifest-service.worker.interval", "PT1S");
    p.put("rotor.manifest-service.worker.initial-backoff", "PT1S");
    Map<String, String> env = new LinkedHashMap<>(databasePassword());
    env.put("ROTOR_MANIFEST_SERVICE_GIT_DEFAULT_CREDENTIALS_PASSWORD", secrets.gitWriterPassword());
    return new ServiceSpec("manifest-service", "manifest-service", port, p, env);
  }

  private ServiceSpec clusterAgent(String cluster, int index) {
    int port = settings.servicePort(index == 0 ? 8083 : 8093);
    Map<String, String> p = common("cluster-agent-" + cluster, port, null);
    p.put("rotor.cluster-agent.cluster", cluster);
    p.put("rotor.cluster-agent.policy-file", seed.policy().toString());
    p.put("rotor.cluster-agent.kubernetes.context", cluster);
    p.put("kubeconfig", kubeconfig().toString());
    p.put("rotor.cluster-agent.state.namespace", "rotor");
    p.put("rotor.cluster-agent.git.username", secrets.gitReader());
    p.put(
        "rotor.cluster-agent.git.cache-directory",
        layout.data("cluster-agent-" + cluster).resolve("git").toString());
    p.put("rotor.cluster-agent.rollout.resync-interval", "PT1S");
    p.put("rotor.cluster-agent.state.schedule-interval", "PT2S");
    p.put("rotor.cluster-agent.retry.max-backoff", "PT5S");
    Map<String, String> env = new LinkedHashMap<>();
    env.put("ROTOR_CLUSTER_AGENT_GIT_PASSWORD", secrets.gitReaderPassword());
    env.put("KUBECONFIG", kubeconfig().toString());
    return new ServiceSpec("cluster-agent-" + cluster, "cluster-agent", port, p, env);
  }

  private ServiceSpec verifier(Endpoints endpoints) {
    int port = settings.servicePort(8084);
    Map<String, String> p = common("verifier", port, "verifier");
    p.put("rotor.verifier.rollback.check-duration", "PT6S");
    p.put("rotor.verifier.rollback.interval", "PT2S");
    p.put(
        "rotor.verifier.metrics.source",
        endpoints.prometheus().isEmpty() ? "scrape" : "prometheus");
    for (int i = 0; i < CLUSTERS.size(); i++) {
      String cluster = CLUSTERS.get(i);
      String prefix = "rotor.verifier.clusters." + cluster + ".";
      p.put(prefix + "kubeconfig-context", cluster);
      p.put(prefix + "kubeconfig-file", kubeconfig().toString());
      if (endpoints.prometheus().containsKey(cluster)) {
        p.put(prefix + "metrics-source", "prometheus");
        p.put(prefix + "prometheus-url", endpoints.prometheus().get(cluster));
      } else {
        p.put(prefix + "metrics-source", "scrape");
      }
    }
    return new ServiceSpec("verifier", "verifier", port, p, databasePassword());
  }

  private ServiceSpec ledger() {
    int port = settings.servicePort(8085);
    Map<String, String> p = common("ledger-service", port, "ledger");
    p.put("quarkus.datasource.username", "rotor_ledger_app");
    p.put("quarkus.datasource.owner.username", "rotor_ledger_owner");
    p.put("rotor.ledger.origin", "devstack.rotor.localhost/ledger");
    p.put("rotor.ledger.checkpoint.signing-key-file", seed.ledgerSigningKey().toString());
    p.put("rotor.ledger.checkpoint.key-name", "devstack-ledger");
    p.put("rotor.ledger.checkpoint.interval", "10s");
    Map<String, String> env = new LinkedHashMap<>();
    env.put("QUARKUS_DATASOURCE_PASSWORD", "rotor_ledger_app");
    env.put("QUARKUS_DATASOURCE_OWNER_PASSWORD", "rotor_ledger_owner");
    return new ServiceSpec("ledger-service", "ledger-service", port, p, env);
  }

  private ServiceSpec notifier(Endpoints endpoints) {
    int port = settings.servicePort(8086);
    Map<String, String> p = common("notifier", port, "notifier");
    p.put("rotor.notifier.mode", "web-api");
    p.put("rotor.notifier.slack.api-url", endpoints.slackApi());
    p.put("rotor.notifier.delivery.initial-backoff", "PT1S");
    p.put("rotor.notifier.delivery.max-backoff", "PT10S");
    Map<String, String> env = new LinkedHashMap<>(databasePassword());
    env.put("ROTOR_NOTIFIER_SLACK_TOKEN", secrets.slackToken());
    return new ServiceSpec("notifier", "notifier", port, p, env);
  }

  Path kubeconfig() {
    return layout.home().resolve("kubeconfig");
  }

  /** The databases PostgreSQL is created with ({@code name} or {@code name:owner:app}). */
  static List<String> databases() {
    return databases(1);
  }

  /** The databases, with one per cluster for each of {@code targets} workloads. */
  static List<String> databases(int targets) {
    List<String> databases = new ArrayList<>();
    databases.add("key_generator");
    databases.add("manifest_service");
    databases.add("verifier");
    databases.add("notifier");
    databases.add("ledger:rotor_ledger_owner:rotor_ledger_app");
    for (String cluster : CLUSTERS) {
      for (int target = 1; target <= targets; target++) {
        databases.add(workloadDatabase(cluster, target));
      }
    }
    return databases;
  }

  /**
   * The database of the workload of target {@code index} (1 for the example's) in {@code cluster}:
   * each workload has its own, as its payloads are encrypted under its own keyring.
   */
  static String workloadDatabase(String cluster, int index) {
    return index == 1
        ? workloadDatabase(cluster)
        : workloadDatabase(cluster) + String.format(java.util.Locale.ROOT, "_%02d", index);
  }

  static String workloadDatabase(String cluster) {
    return "secrets_" + cluster.replace('-', '_');
  }
}
