package dev.rotor.benchmarks;

import dev.rotor.common.event.Topics;
import dev.rotor.devstack.DevstackException;
import dev.rotor.devstack.Layout;
import dev.rotor.devstack.infra.KafkaNode;
import dev.rotor.devstack.infra.ReadyFile;
import dev.rotor.devstack.process.Await;
import dev.rotor.devstack.process.Http;
import dev.rotor.devstack.process.Jvm;
import dev.rotor.devstack.process.ManagedProcess;
import dev.rotor.devstack.process.Ports;
import dev.rotor.devstack.process.Tasks;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * The benchmarks' Rotor: the devstack's real infrastructure (a Kafka broker, PostgreSQL, JGit's
 * HTTP server, the Slack stand-in, one Prometheus) and simulated clusters ({@link
 * BenchClusterMain}), each a process, then every Rotor service as {@code java -jar
 * <module>/target/quarkus-app/quarkus-run.jar}. Records each service's time from process start to
 * {@code /q/health/ready} and its RSS.
 */
final class BenchStack implements AutoCloseable {
  static final String TOPIC_ROUND_TRIP = "rotor.bench.round-trip";
  private static final Duration INFRA_TIMEOUT = Duration.ofMinutes(6);
  private static final Duration SERVICE_TIMEOUT = Duration.ofMinutes(5);
  private static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
  private final Layout layout;
  private final BenchOptions options;
  private final PrintStream out;
  private final BenchSeed seed;
  private final List<String> clusters;
  private final List<ManagedProcess> infrastructure =
      Collections.synchronizedList(new ArrayList<>());
  private final Map<String, ManagedProcess> services =
      Collections.synchronizedMap(new LinkedHashMap<>());
  private final Map<String, Integer> servicePorts =
      Collections.synchronizedMap(new LinkedHashMap<>());
  private final Map<String, Startup> startups = Collections.synchronizedMap(new LinkedHashMap<>());
  private final String gitWriterPassword = Tasks.randomHex();
  private final String gitReaderPassword = Tasks.randomHex();
  private final String slackToken = "xoxb-bench-" + Tasks.randomHex();
  private volatile boolean closed;

  /** A service's start: process start to ready, and its RSS then. */
  record Startup(String service, Duration toReady, long rssKb) {}

  BenchStack(Layout layout, BenchOptions options, PrintStream out) {
    this.layout = layout;
    this.options = options;
    this.out = out;
    this.seed = new BenchSeed(layout.home());
    this.clusters = BenchSeed.clusters(options.clusters());
  }

  List<String> clusters() {
    return clusters;
  }

  /** The clusters target {@code index} is rotated on, in order. */
  List<String> stagesOf(int index) {
    return BenchSeed.stagesOf(index, clusters, options.stages());
  }

  String kafka() {
    return "127.0.0.1:" + kafkaPort();
  }

  int kafkaPort() {
    return 9092 + options.portOffset();
  }

  private int kafkaControllerPort() {
    return 9093 + options.portOffset();
  }

  private int postgresPort() {
    return 15432 + options.portOffset();
  }

  private int prometheusPort() {
    return 19090 + options.portOffset();
  }

  private int port(int base) {
    return base + options.portOffset();
  }

  String ledgerUrl() {
    return "http://127.0.0.1:" + port(8085);
  }

  Map<String, ManagedProcess> services() {
    return services;
  }

  /** Every process the stack started (infrastructure, clusters and services), by name. */
  Map<String, ManagedProcess> processes() {
    Map<String, ManagedProcess> all = new LinkedHashMap<>();
    synchronized (infrastructure) {
      infrastructure.forEach(p -> all.put(p.name(), p));
    }
    all.putAll(services);
    return all;
  }

  Map<String, Startup> startups() {
    return startups;
  }

  /** Each started service's HTTP port. */
  Map<String, Integer> servicePorts() {
    return servicePorts;
  }

  // ------------------------------------------------------------------------------- start-up

  void start() {
    Runtime.getRuntime().addShutdownHook(new Thread(this::close, "rotor-bench-stop"));
    layout.clean();
    requireFreePorts();
    List<String> missing = new ArrayList<>();
    for (String module : modules()) {
      if (!Files.isRegularFile(layout.quarkusApp(module))) {
        missing.add(layout.quarkusApp(module).toString());
      }
    }
    if (!missing.isEmpty()) {
      throw new DevstackException(
          "ROTOR-9003",
          "not built: "
              + String.join(", ", missing)
              + " (benchmarks/bench builds them, or ./mvnw -pl benchmarks -am package"
              + " -DskipTests)");
    }
    out.printf(
        "Starting the infrastructure: Kafka, PostgreSQL, Git, Slack stand-in, Prometheus, %d"
            + " cluster(s) with %d targets (logs in %s)%n",
        clusters.size(), options.targets(), layout.logs());
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      long begin = System.nanoTime();
      String recipient = seed.make(options.targets());
      out.printf("  seeded %d sealed manifests in %.1f s%n", options.targets(), since(begin));
      Future<?> postgres = pool.submit(this::startPostgres);
      Future<?> kafka = pool.submit(this::startKafka);
      Future<String> slack = pool.submit(this::startSlack);
      Future<String> git = pool.submit(this::startGit);
      Future<?> prometheus = pool.submit(this::startPrometheus);
      List<Future<String>> clusterStarts = new ArrayList<>();
      for (String cluster : clusters) {
        clusterStarts.add(pool.submit(() -> startCluster(cluster)));
      }
      String gitUrl = Tasks.get(git, "ROTOR-9005");
      seed.writePolicy(
          gitUrl, recipient, options.targets(), clusters, options.stages(), Duration.ofSeconds(1));
      Map<String, String> apis = new LinkedHashMap<>();
      for (int i = 0; i < clusters.size(); i++) {
        apis.put(clusters.get(i), Tasks.get(clusterStarts.get(i), "ROTOR-9005"));
      }
      writeKubeconfig(apis);
      Tasks.get(postgres, "ROTOR-9005");
      Tasks.get(kafka, "ROTOR-9005");
      Tasks.get(prometheus, "ROTOR-9005");
      String slackApi = Tasks.get(slack, "ROTOR-9005");
      out.printf("  infrastructure ready in %.1f s%n", since(begin));

      List<ServiceLaunch> launches = launches(slackApi);
      out.printf(
          "Starting Rotor's %d services (%s)%n",
          launches.size(), options.sequentialStart() ? "one at a time" : "all at once");
      if (options.sequentialStart()) {
        for (ServiceLaunch launch : launches) {
          startService(launch);
        }
      } else {
        List<Future<?>> starts = new ArrayList<>();
        for (ServiceLaunch launch : launches) {
          starts.add(pool.submit(() -> startService(launch)));
        }
        for (Future<?> start : starts) {
          Tasks.get(start, "ROTOR-9005");
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static double since(long nanos) {
    return (System.nanoTime() - nanos) / 1e9;
  }

  static List<String> modules() {
    return List.of(
        "key-generator",
        "manifest-service",
        "cluster-agent",
        "verifier",
        "ledger-service",
        "notifier");
  }

  private void requireFreePorts() {
    Ports.requireFree(kafkaPort(), "Kafka");
    Ports.requireFree(kafkaControllerPort(), "Kafka's controller");
    Ports.requireFree(postgresPort(), "PostgreSQL");
    Ports.requireFree(prometheusPort(), "Prometheus");
    for (int base : List.of(8081, 8082, 8083, 8084, 8085, 8086)) {
      Ports.requireFree(port(base), "a Rotor service");
    }
    for (int i = 1; i < clusters.size(); i++) {
      Ports.requireFree(port(8090 + i), "a cluster-agent");
    }
  }

  private Void startKafka() throws IOException {
    Path properties =
        KafkaNode.writeProperties(
            layout.data("kafka"), kafkaPort(), kafkaControllerPort(), options.partitions());
    ManagedProcess format =
        launch("kafka-format", KafkaNode.formatCommand(properties), Map.of(), layout.log("kafka"));
    Await.until("Kafka's storage to be formatted", INFRA_TIMEOUT, null, () -> !format.alive());
    if (format.exitCode() != 0) {
      throw new DevstackException(
          "ROTOR-8005", "formatting Kafka's storage failed:\n" + format.logTail(10));
    }
    ManagedProcess kafka =
        launch("kafka", KafkaNode.runCommand(properties), Map.of(), layout.log("kafka"));
    Await.until(
        "Kafka on " + kafka(),
        INFRA_TIMEOUT,
        kafka,
        () -> Ports.answers(kafkaPort()) && createTopics());
    return null;
  }

  private boolean createTopics() {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka());
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
    try (Admin admin = Admin.create(config)) {
      List<String> wanted = new ArrayList<>(Topics.EVENT_TOPICS);
      wanted.add(Topics.DLQ);
      wanted.add(TOPIC_ROUND_TRIP);
      var existing = admin.listTopics().names().get(5, TimeUnit.SECONDS);
      List<NewTopic> missing =
          wanted.stream()
              .filter(t -> !existing.contains(t))
              .map(t -> new NewTopic(t, options.partitions(), (short) 1))
              .toList();
      if (!missing.isEmpty()) {
        admin.createTopics(missing).all().get(10, TimeUnit.SECONDS);
      }
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  private Void startPostgres() {
    Path ready = layout.readyFile("postgres");
    List<String> args = new ArrayList<>();
    args.add(String.valueOf(postgresPort()));
    args.add(layout.data("postgres").resolve("data").toAbsolutePath().toString());
    args.add(layout.data("cache").resolve("postgres-binaries").toAbsolutePath().toString());
    args.add(ready.toString());
    args.add(String.valueOf(ProcessHandle.current().pid()));
    args.addAll(
        List.of(
            "key_generator",
            "manifest_service",
            "verifier",
            "notifier",
            "ledger:rotor_ledger_owner:rotor_ledger_app"));
    ManagedProcess postgres =
        launch(
            "postgres",
            Jvm.main("128m", Map.of(), "dev.rotor.devstack.infra.PostgresMain", args),
            Map.of(),
            layout.log("postgres"));
    Await.until(
        "PostgreSQL on 127.0.0.1:" + postgresPort(),
        INFRA_TIMEOUT,
        postgres,
        () -> ReadyFile.read(ready).isPresent());
    long postmaster = ReadyFile.read(ready).orElseThrow().path("postmasterPid").asLong();
    ProcessHandle.of(postmaster).ifPresent(postgres::adopt);
    return null;
  }

  private String startGit() {
    Path ready = layout.readyFile("git");
    Map<String, String> env = new LinkedHashMap<>();
    env.put("ROTOR_DEVSTACK_GIT_WRITER", "rotor");
    env.put("ROTOR_DEVSTACK_GIT_WRITER_PASSWORD", gitWriterPassword);
    env.put("ROTOR_DEVSTACK_GIT_READER", "cluster-agent");
    env.put("ROTOR_DEVSTACK_GIT_READER_PASSWORD", gitReaderPassword);
    ManagedProcess git =
        launch(
            "git",
            Jvm.main(
                "256m",
                Map.of(),
                "dev.rotor.devstack.infra.GitMain",
                List.of(
                    layout.data("git").toAbsolutePath().toString(),
                    BenchSeed.REPOSITORY,
                    seed.repository().toAbsolutePath().toString(),
                    ready.toString(),
                    String.valueOf(ProcessHandle.current().pid()))),
            env,
            layout.log("git"));
    Await.until("the Git server", INFRA_TIMEOUT, git, () -> ReadyFile.read(ready).isPresent());
    return ReadyFile.read(ready).orElseThrow().path("url").asText();
  }

  private String startSlack() {
    Path ready = layout.readyFile("slack");
    ManagedProcess slack =
        launch(
            "slack",
            Jvm.main(
                "64m",
                Map.of(),
                "dev.rotor.devstack.infra.SlackMain",
                List.of(ready.toString(), String.valueOf(ProcessHandle.current().pid()))),
            Map.of("ROTOR_DEVSTACK_SLACK_TOKEN", slackToken),
            layout.log("slack"));
    Await.until(
        "the Slack stand-in", INFRA_TIMEOUT, slack, () -> ReadyFile.read(ready).isPresent());
    return ReadyFile.read(ready).orElseThrow().path("apiUrl").asText();
  }

  private Void startPrometheus() throws IOException {
    if (!Files.isExecutable(PROMETHEUS)) {
      throw new DevstackException(
          "ROTOR-9004",
          PROMETHEUS
              + " is missing: the benchmarks' verifier asks a real Prometheus"
              + " (apt-get install -y prometheus)");
    }
    Path dir = layout.data("prometheus");
    Files.createDirectories(dir);
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(
        config,
        "# The benchmarks' Prometheus: it scrapes nothing and answers the policy's constant"
            + " queries.\nglobal:\n  scrape_interval: 15s\nscrape_configs: []\n",
        StandardCharsets.UTF_8);
    ManagedProcess prometheus =
        launch(
            "prometheus",
            List.of(
                PROMETHEUS.toString(),
                "--config.file=" + config.toAbsolutePath(),
                "--storage.tsdb.path=" + dir.resolve("data").toAbsolutePath(),
                "--web.listen-address=127.0.0.1:" + prometheusPort()),
            Map.of(),
            layout.log("prometheus"));
    Await.until(
        "Prometheus",
        INFRA_TIMEOUT,
        prometheus,
        () -> Http.ok(URI.create(prometheusUrl() + "/-/ready")));
    return null;
  }

  private String prometheusUrl() {
    return "http://127.0.0.1:" + prometheusPort();
  }

  private String startCluster(String cluster) {
    Path ready = layout.readyFile("cluster-" + cluster);
    List<Integer> targets =
        BenchSeed.targetsOn(cluster, options.targets(), clusters, options.stages());
    ManagedProcess process =
        launch(
            "cluster-" + cluster,
            Jvm.main(
                targets.size() > 200 ? "1g" : "384m",
                Map.of("java.util.logging.manager", "org.jboss.logmanager.LogManager"),
                BenchClusterMain.class.getName(),
                List.of(
                    cluster,
                    targets.stream().map(String::valueOf).collect(Collectors.joining(",")),
                    seed.repository().toAbsolutePath().toString(),
                    seed.sealingDirectory().toAbsolutePath().toString(),
                    ready.toString(),
                    String.valueOf(ProcessHandle.current().pid()))),
            Map.of(),
            layout.log("cluster-" + cluster));
    Await.until(
        "cluster " + cluster, INFRA_TIMEOUT, process, () -> ReadyFile.read(ready).isPresent());
    return ReadyFile.read(ready).orElseThrow().path("apiUrl").asText();
  }

  private Path kubeconfig() {
    return layout.home().resolve("kubeconfig");
  }

  private void writeKubeconfig(Map<String, String> apis) {
    StringBuilder s = new StringBuilder("apiVersion: v1\nkind: Config\nclusters:\n");
    apis.forEach(
        (cluster, url) ->
            s.append("  - name: ")
                .append(cluster)
                .append("\n    cluster:\n      server: ")
                .append(url)
                .append("\n"));
    s.append("contexts:\n");
    apis.keySet()
        .forEach(
            cluster ->
                s.append("  - name: ")
                    .append(cluster)
                    .append("\n    context:\n      cluster: ")
                    .append(cluster)
                    .append("\n      user: bench\n      namespace: ")
                    .append(BenchSeed.NAMESPACE)
                    .append("\n"));
    s.append("users:\n  - name: bench\n    user:\n      token: bench\n");
    s.append("current-context: ").append(clusters.get(0)).append("\n");
    BenchSeed.write(kubeconfig(), s.toString());
  }

  // ------------------------------------------------------------------------------- services

  /** One Rotor service: its name, module, port, system properties and secret environment. */
  record ServiceLaunch(
      String name,
      String module,
      int port,
      Map<String, String> properties,
      Map<String, String> environment) {}

  private Map<String, String> common(int port, String database) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("quarkus.http.host", "127.0.0.1");
    p.put("quarkus.http.port", String.valueOf(port));
    p.put("quarkus.log.console.format", "%d{HH:mm:ss,SSS} %-5p [%c{3.}] %s%e%n");
    p.put("kafka.bootstrap.servers", kafka());
    if (database != null) {
      p.put(
          "quarkus.datasource.jdbc.url",
          "jdbc:postgresql://127.0.0.1:" + postgresPort() + "/" + database);
      p.put("quarkus.datasource.username", "postgres");
    }
    p.put("quarkus.log.category.\"org.apache.kafka\".level", "WARN");
    return p;
  }

  List<ServiceLaunch> launches(String slackApi) {
    Map<String, String> dbPassword = Map.of("QUARKUS_DATASOURCE_PASSWORD", "postgres");
    List<ServiceLaunch> launches = new ArrayList<>();

    Map<String, String> keys = common(port(8081), "key_generator");
    keys.put("rotor.key-generator.policy-file", seed.policy().toString());
    keys.put("rotor.key-generator.outbox.retry-interval", "PT2S");
    keys.put("rotor.key-generator.cadence.check-interval", "PT1M");
    launches.add(new ServiceLaunch("key-generator", "key-generator", port(8081), keys, dbPassword));

    Map<String, String> manifests = common(port(8082), "manifest_service");
    manifests.put(
        "rotor.manifest-service.cache-dir",
        layout.data("manifest-service").resolve("git").toString());
    manifests.put("rotor.manifest-service.git.default-credentials.username", "rotor");
    manifests.put("rotor.manifest-service.local.teams.security", Bench.APPROVER);
    manifests.put("rotor.manifest-service.worker.interval", "PT1S");
    manifests.put("rotor.manifest-service.worker.initial-backoff", "PT1S");
    Map<String, String> manifestEnv = new LinkedHashMap<>(dbPassword);
    manifestEnv.put("ROTOR_MANIFEST_SERVICE_GIT_DEFAULT_CREDENTIALS_PASSWORD", gitWriterPassword);
    launches.add(
        new ServiceLaunch(
            "manifest-service", "manifest-service", port(8082), manifests, manifestEnv));

    for (int i = 0; i < clusters.size(); i++) {
      String cluster = clusters.get(i);
      int agentPort = i == 0 ? port(8083) : port(8090 + i);
      Map<String, String> p = common(agentPort, null);
      p.put("rotor.cluster-agent.cluster", cluster);
      p.put("rotor.cluster-agent.policy-file", seed.policy().toString());
      p.put("rotor.cluster-agent.kubernetes.context", cluster);
      p.put("kubeconfig", kubeconfig().toString());
      p.put("rotor.cluster-agent.state.namespace", "rotor");
      p.put("rotor.cluster-agent.git.username", "cluster-agent");
      p.put(
          "rotor.cluster-agent.git.cache-directory",
          layout.data("cluster-agent-" + cluster).resolve("git").toString());
      p.put("rotor.cluster-agent.rollout.resync-interval", "PT1S");
      p.put("rotor.cluster-agent.state.schedule-interval", "PT2S");
      p.put("rotor.cluster-agent.retry.max-backoff", "PT5S");
      if (options.agentConcurrency() > 0) {
        p.put(
            "rotor.cluster-agent.rollout.concurrency", String.valueOf(options.agentConcurrency()));
      }
      Map<String, String> env = new LinkedHashMap<>();
      env.put("ROTOR_CLUSTER_AGENT_GIT_PASSWORD", gitReaderPassword);
      env.put("KUBECONFIG", kubeconfig().toString());
      launches.add(
          new ServiceLaunch("cluster-agent-" + cluster, "cluster-agent", agentPort, p, env));
    }

    Map<String, String> verifier = common(port(8084), "verifier");
    verifier.put("rotor.verifier.tick", options.verifierTick().toString());
    verifier.put("rotor.verifier.metrics.source", "prometheus");
    verifier.put("rotor.verifier.prometheus.url", prometheusUrl());
    for (String cluster : clusters) {
      String prefix = "rotor.verifier.clusters." + cluster + ".";
      verifier.put(prefix + "kubeconfig-context", cluster);
      verifier.put(prefix + "kubeconfig-file", kubeconfig().toString());
      verifier.put(prefix + "metrics-source", "prometheus");
      verifier.put(prefix + "prometheus-url", prometheusUrl());
    }
    launches.add(new ServiceLaunch("verifier", "verifier", port(8084), verifier, dbPassword));

    Map<String, String> ledger = common(port(8085), "ledger");
    ledger.put("quarkus.datasource.username", "rotor_ledger_app");
    ledger.put("quarkus.datasource.owner.username", "rotor_ledger_owner");
    ledger.put("rotor.ledger.origin", "bench.rotor.localhost/ledger");
    ledger.put("rotor.ledger.checkpoint.signing-key-file", seed.ledgerSigningKey().toString());
    ledger.put("rotor.ledger.checkpoint.key-name", "bench-ledger");
    ledger.put("rotor.ledger.checkpoint.interval", "10s");
    Map<String, String> ledgerEnv = new LinkedHashMap<>();
    ledgerEnv.put("QUARKUS_DATASOURCE_PASSWORD", "rotor_ledger_app");
    ledgerEnv.put("QUARKUS_DATASOURCE_OWNER_PASSWORD", "rotor_ledger_owner");
    launches.add(
        new ServiceLaunch("ledger-service", "ledger-service", port(8085), ledger, ledgerEnv));

    Map<String, String> notifier = common(port(8086), "notifier");
    notifier.put("rotor.notifier.mode", "web-api");
    notifier.put("rotor.notifier.slack.api-url", slackApi);
    notifier.put("rotor.notifier.delivery.initial-backoff", "PT1S");
    notifier.put("rotor.notifier.delivery.max-backoff", "PT10S");
    Map<String, String> notifierEnv = new LinkedHashMap<>(dbPassword);
    notifierEnv.put("ROTOR_NOTIFIER_SLACK_TOKEN", slackToken);
    launches.add(new ServiceLaunch("notifier", "notifier", port(8086), notifier, notifierEnv));
    return launches;
  }

  private void startService(ServiceLaunch service) {
    List<String> command = new ArrayList<>();
    command.add(Layout.java());
    command.add("-Xmx" + options.serviceHeap());
    command.add("-XX:+UseSerialGC");
    command.add("-Djava.net.preferIPv4Stack=true");
    if (!options.jfr().isEmpty()) {
      Path recording = layout.home().resolve("jfr").resolve(service.name() + ".jfr");
      try {
        Files.createDirectories(recording.getParent());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      command.add(
          "-XX:StartFlightRecording=settings="
              + options.jfr()
              + ",dumponexit=true,filename="
              + recording);
    }
    service.properties().forEach((key, value) -> command.add("-D" + key + "=" + value));
    command.add("-jar");
    command.add(layout.quarkusApp(service.module()).toString());
    ManagedProcess process =
        ManagedProcess.start(
            service.name(),
            command,
            service.environment(),
            layout.home(),
            layout.log(service.name()));
    services.put(service.name(), process);
    servicePorts.put(service.name(), service.port());
    URI health = URI.create("http://127.0.0.1:" + service.port() + "/q/health/ready");
    Await.until(
        service.name() + " to be ready (" + health + ")",
        SERVICE_TIMEOUT,
        process,
        () -> Http.ok(health));
    Duration took = Duration.between(process.startedAt(), java.time.Instant.now());
    long rss = Footprint.rssKb(process.pid());
    startups.put(service.name(), new Startup(service.name(), took, rss));
    out.printf(
        "  %-28s ready in %5.1f s, RSS %4d MB%n",
        service.name(), took.toMillis() / 1000.0, rss / 1024);
  }

  // -------------------------------------------------------------------------------- helpers

  private ManagedProcess launch(
      String name, List<String> command, Map<String, String> environment, Path log) {
    if (closed) {
      throw new DevstackException("ROTOR-8009", "stopping: " + name + " is not started");
    }
    ManagedProcess process = ManagedProcess.start(name, command, environment, layout.home(), log);
    infrastructure.add(process);
    return process;
  }

  /** Stops the services, then the clusters and the infrastructure. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    List<ManagedProcess> serviceProcesses = new ArrayList<>(services.values());
    stopAll(serviceProcesses);
    List<ManagedProcess> rest = new ArrayList<>(infrastructure);
    stopAll(rest.stream().filter(p -> p.name().startsWith("cluster-")).toList());
    stopAll(rest.stream().filter(p -> !p.name().startsWith("cluster-")).toList());
    // The next run binds these ports without SO_REUSEADDR (Ports.requireFree): wait until the
    // postmaster and the broker are gone and their connections left TIME_WAIT (up to a minute).
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while ((!bindable(postgresPort()) || !bindable(kafkaPort())) && System.nanoTime() < deadline) {
      Await.sleep(Duration.ofMillis(500));
    }
  }

  private static boolean bindable(int port) {
    try {
      Ports.requireFree(port, "the next run");
      return true;
    } catch (DevstackException e) {
      return false;
    }
  }

  private static void stopAll(List<ManagedProcess> processes) {
    List<Thread> stops = new ArrayList<>();
    for (ManagedProcess process : processes) {
      Thread thread =
          new Thread(() -> process.stop(Duration.ofSeconds(15)), "stop-" + process.name());
      thread.start();
      stops.add(thread);
    }
    for (Thread thread : stops) {
      try {
        thread.join(Duration.ofSeconds(40).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
