package dev.rotor.devstack;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.common.event.Topics;
import dev.rotor.devstack.cluster.ClusterSpec;
import dev.rotor.devstack.infra.KafkaNode;
import dev.rotor.devstack.infra.ReadyFile;
import dev.rotor.devstack.process.Await;
import dev.rotor.devstack.process.Console;
import dev.rotor.devstack.process.Http;
import dev.rotor.devstack.process.Jvm;
import dev.rotor.devstack.process.ManagedProcess;
import dev.rotor.devstack.process.PidRegistry;
import dev.rotor.devstack.process.Ports;
import dev.rotor.devstack.process.Tasks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * Starts the devstack, each component a process of its own with its own log under {@code
 * .devstack/logs/}: the infrastructure (Kafka, PostgreSQL, the Git server, the Slack stand-in, two
 * clusters, Prometheus when installed), then every Rotor service; and stops all of it, every
 * process tree, on {@link #close()} (also from the shutdown hook on Ctrl-C).
 */
final class Stack implements AutoCloseable {
  private static final Duration INFRA_TIMEOUT = Duration.ofMinutes(4);
  private static final Duration SERVICE_TIMEOUT = Duration.ofMinutes(5);
  private static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
  private final Layout layout;
  private final Settings settings;
  private final Console console;
  private final PidRegistry registry;
  private final Seed seed;
  private final Services.Secrets secrets;
  private final List<ManagedProcess> processes = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, ManagedProcess> current =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final Map<String, Duration> startTimes =
      Collections.synchronizedMap(new LinkedHashMap<>());
  private volatile boolean stopped;
  private Endpoints endpoints;
  private List<ServiceSpec> services = List.of();

  Stack(Layout layout, Settings settings, Console console) {
    this.layout = layout;
    this.settings = settings;
    this.console = console;
    this.registry = new PidRegistry(layout.run().resolve("processes"));
    this.seed = new Seed(layout, settings.targets());
    this.secrets =
        new Services.Secrets(
            "rotor",
            Tasks.randomHex(),
            "cluster-agent",
            Tasks.randomHex(),
            "xoxb-devstack-" + Tasks.randomHex());
  }

  Layout layout() {
    return layout;
  }

  Endpoints endpoints() {
    return endpoints;
  }

  Seed seed() {
    return seed;
  }

  List<ServiceSpec> services() {
    return services;
  }

  Map<String, Duration> startTimes() {
    return startTimes;
  }

  // ---------------------------------------------------------------------------------- checks

  /** Refuses to start over a running devstack, without the built applications, or on busy ports. */
  void preflight() {
    List<PidRegistry.Recorded> running = registry.running();
    if (!running.isEmpty()) {
      throw new DevstackException(
          "ROTOR-8003",
          "a devstack is running already ("
              + running.size()
              + " processes, e.g. "
              + running.get(0).name()
              + " pid "
              + running.get(0).handle().pid()
              + "); stop it with ./rotor down, or use it: ./rotor ctl status");
    }
    List<Path> needed = new ArrayList<>();
    needed.add(layout.rotorctl());
    needed.add(layout.secretsService());
    for (String module :
        List.of(
            "key-generator",
            "manifest-service",
            "cluster-agent",
            "verifier",
            "ledger-service",
            "notifier")) {
      needed.add(layout.quarkusApp(module));
    }
    for (Path path : needed) {
      if (!Files.isRegularFile(path)) {
        throw new DevstackException(
            "ROTOR-8004",
            path
                + " is missing: build first (./rotor demo builds what it needs, or ./mvnw package"
                + " -DskipTests)");
      }
    }
    Ports.requireFree(settings.kafkaPort(), "Kafka");
    Ports.requireFree(settings.kafkaControllerPort(), "Kafka's controller");
    Ports.requireFree(settings.postgresPort(), "PostgreSQL");
    for (int port : List.of(8081, 8082, 8083, 8093, 8084, 8085, 8086)) {
      Ports.requireFree(settings.servicePort(port), "a Rotor service");
    }
    if (usePrometheus()) {
      for (int i = 0; i < Services.CLUSTERS.size(); i++) {
        Ports.requireFree(settings.prometheusPort(i), "Prometheus of " + Services.CLUSTERS.get(i));
      }
    }
  }

  boolean usePrometheus() {
    return settings.prometheus() && Files.isExecutable(PROMETHEUS);
  }

  // ------------------------------------------------------------------------------- start-up

  /** Starts everything and returns when every service is ready. */
  void start() {
    Runtime.getRuntime().addShutdownHook(new Thread(this::close, "rotor-devstack-stop"));
    layout.clean(layout.log("build"));
    console.section(
        "Starting the infrastructure (each a process; logs in " + rel(layout.logs()) + ")");
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      Future<Integer> postgres = pool.submit(this::startPostgres);
      Future<Integer> kafka = pool.submit(this::startKafka);
      Future<String> slack = pool.submit(this::startSlack);
      String keyId = seed.make();
      Future<String> git = pool.submit(this::startGit);
      Map<String, String> prometheus = new LinkedHashMap<>();
      List<Future<?>> prometheusStarts = new ArrayList<>();
      if (usePrometheus()) {
        for (int i = 0; i < Services.CLUSTERS.size(); i++) {
          String cluster = Services.CLUSTERS.get(i);
          int port = settings.prometheusPort(i);
          prometheus.put(cluster, "http://127.0.0.1:" + port);
          prometheusStarts.add(pool.submit(() -> startPrometheus(cluster, port)));
        }
      } else {
        console.component(
            "prometheus", "not installed", "the verifier scrapes the pods' /q/metrics itself");
      }
      Tasks.get(postgres, "ROTOR-8005");
      Map<String, Future<JsonNode>> clusterStarts = new LinkedHashMap<>();
      for (String cluster : Services.CLUSTERS) {
        clusterStarts.put(cluster, pool.submit(() -> startCluster(cluster, usePrometheus())));
      }
      String gitUrl = Tasks.get(git, "ROTOR-8005");
      // The policy names the Git server's URL, known now.
      seed.writePolicy(gitUrl, settings.soak(), settings.interval());
      Map<String, String> apis = new LinkedHashMap<>();
      Map<String, Integer> controls = new LinkedHashMap<>();
      for (Map.Entry<String, Future<JsonNode>> entry : clusterStarts.entrySet()) {
        JsonNode ready = Tasks.get(entry.getValue(), "ROTOR-8005");
        apis.put(entry.getKey(), ready.path("apiUrl").asText());
        controls.put(entry.getKey(), ready.path("controlPort").asInt());
      }
      for (Future<?> start : prometheusStarts) {
        Tasks.get(start, "ROTOR-8005");
      }
      Tasks.get(kafka, "ROTOR-8005");
      endpoints = new Endpoints(gitUrl, apis, controls, prometheus, Tasks.get(slack, "ROTOR-8005"));
      writeKubeconfig(apis);
      writeEnvironment();
      console.line(
          "  (the workload's first key, "
              + keyId
              + ", was sealed into the GitOps repository for the local controllers)");

      console.section("Starting Rotor's services");
      services = new Services(layout, settings, seed, secrets).all(endpoints);
      List<Future<?>> starts = new ArrayList<>();
      for (ServiceSpec service : services) {
        starts.add(pool.submit(() -> startService(service)));
      }
      for (Future<?> start : starts) {
        Tasks.get(start, "ROTOR-8005");
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private int startKafka() throws IOException {
    Instant begin = Instant.now();
    Path properties =
        KafkaNode.writeProperties(
            layout.data("kafka"), settings.kafkaPort(), settings.kafkaControllerPort(), 1);
    ManagedProcess format =
        launch("kafka-format", KafkaNode.formatCommand(properties), Map.of(), layout.log("kafka"));
    Await.until("Kafka's storage to be formatted", INFRA_TIMEOUT, null, () -> !format.alive());
    if (format.exitCode() != 0) {
      throw new DevstackException(
          "ROTOR-8005",
          "formatting Kafka's storage failed; see "
              + rel(format.log())
              + ":\n"
              + format.logTail(10));
    }
    ManagedProcess kafka = launchKafka();
    Await.until(
        "Kafka on 127.0.0.1:" + settings.kafkaPort(),
        INFRA_TIMEOUT,
        kafka,
        () -> Ports.answers(settings.kafkaPort()) && createTopics());
    ready("kafka", begin, "127.0.0.1:" + settings.kafkaPort(), kafka);
    return settings.kafkaPort();
  }

  private ManagedProcess launchKafka() {
    Path properties = layout.data("kafka").resolve("server.properties");
    return launch("kafka", KafkaNode.runCommand(properties), Map.of(), layout.log("kafka"));
  }

  private boolean createTopics() {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + settings.kafkaPort());
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
    try (Admin admin = Admin.create(config)) {
      List<String> wanted = new ArrayList<>(Topics.EVENT_TOPICS);
      wanted.add(Topics.DLQ);
      var existing = admin.listTopics().names().get(5, TimeUnit.SECONDS);
      List<NewTopic> missing =
          wanted.stream()
              .filter(t -> !existing.contains(t))
              .map(t -> new NewTopic(t, 1, (short) 1).configs(Topics.config(t)))
              .toList();
      if (!missing.isEmpty()) {
        admin.createTopics(missing).all().get(10, TimeUnit.SECONDS);
      }
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  private int startPostgres() {
    Instant begin = Instant.now();
    ManagedProcess postgres = launchPostgres();
    ready("postgres", begin, "127.0.0.1:" + settings.postgresPort(), postgres);
    return settings.postgresPort();
  }

  /** Starts PostgreSQL on its data directory (made on the first start, kept on a restart). */
  private ManagedProcess launchPostgres() {
    Path ready = layout.readyFile("postgres");
    try {
      Files.deleteIfExists(ready);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove " + ready, e);
    }
    List<String> args = new ArrayList<>();
    args.add(String.valueOf(settings.postgresPort()));
    args.add(layout.data("postgres").resolve("data").toAbsolutePath().toString());
    args.add(layout.data("cache").resolve("postgres-binaries").toAbsolutePath().toString());
    args.add(ready.toString());
    args.add(String.valueOf(ProcessHandle.current().pid()));
    args.addAll(Services.databases(settings.targets()));
    ManagedProcess postgres =
        launch(
            "postgres",
            Jvm.main("128m", Map.of(), "dev.rotor.devstack.infra.PostgresMain", args),
            Map.of(),
            layout.log("postgres"));
    Await.until(
        "PostgreSQL on 127.0.0.1:" + settings.postgresPort(),
        INFRA_TIMEOUT,
        postgres,
        () -> ReadyFile.read(ready).isPresent());
    long postmaster = ReadyFile.read(ready).orElseThrow().path("postmasterPid").asLong();
    ProcessHandle.of(postmaster)
        .ifPresent(
            handle -> {
              postgres.adopt(handle);
              registry.record("postgres/postmaster", handle);
            });
    return postgres;
  }

  private String startGit() {
    Instant begin = Instant.now();
    Path ready = layout.readyFile("git");
    Map<String, String> env = new LinkedHashMap<>();
    env.put("ROTOR_DEVSTACK_GIT_WRITER", secrets.gitWriter());
    env.put("ROTOR_DEVSTACK_GIT_WRITER_PASSWORD", secrets.gitWriterPassword());
    env.put("ROTOR_DEVSTACK_GIT_READER", secrets.gitReader());
    env.put("ROTOR_DEVSTACK_GIT_READER_PASSWORD", secrets.gitReaderPassword());
    ManagedProcess git =
        launch(
            "git",
            Jvm.main(
                "128m",
                Map.of(),
                "dev.rotor.devstack.infra.GitMain",
                List.of(
                    layout.data("git").toAbsolutePath().toString(),
                    Seed.REPOSITORY,
                    seed.seedRepository().toAbsolutePath().toString(),
                    ready.toString(),
                    String.valueOf(ProcessHandle.current().pid()))),
            env,
            layout.log("git"));
    Await.until("the Git server", INFRA_TIMEOUT, git, () -> ReadyFile.read(ready).isPresent());
    String url = ReadyFile.read(ready).orElseThrow().path("url").asText();
    ready("git", begin, url, git);
    return url;
  }

  private String startSlack() {
    Instant begin = Instant.now();
    Path ready = layout.readyFile("slack");
    ManagedProcess slack =
        launch(
            "slack",
            Jvm.main(
                "64m",
                Map.of(),
                "dev.rotor.devstack.infra.SlackMain",
                List.of(ready.toString(), String.valueOf(ProcessHandle.current().pid()))),
            Map.of("ROTOR_DEVSTACK_SLACK_TOKEN", secrets.slackToken()),
            layout.log("slack"));
    Await.until(
        "the Slack stand-in", INFRA_TIMEOUT, slack, () -> ReadyFile.read(ready).isPresent());
    String api = ReadyFile.read(ready).orElseThrow().path("apiUrl").asText();
    ready("slack (stand-in)", begin, api, slack);
    return api;
  }

  private JsonNode startCluster(String cluster, boolean prometheus) {
    Instant begin = Instant.now();
    Path dir = layout.data("clusters").resolve(cluster);
    Path ready = layout.readyFile("cluster-" + cluster);
    ClusterSpec spec =
        new ClusterSpec(
            cluster,
            Seed.NAMESPACE,
            "secrets-service",
            Seed.SECRET,
            settings.replicas(),
            seed.initialSecret().toAbsolutePath().toString(),
            seed.sealingDirectory().toAbsolutePath().toString(),
            layout.secretsService().toAbsolutePath().toString(),
            "jdbc:postgresql://127.0.0.1:"
                + settings.postgresPort()
                + "/"
                + Services.workloadDatabase(cluster),
            "postgres",
            dir.resolve("pods").toAbsolutePath().toString(),
            layout.logs().resolve("pods").resolve(cluster).toAbsolutePath().toString(),
            settings.podStart().toMillis(),
            prometheus
                ? layout
                    .data("prometheus")
                    .resolve(cluster)
                    .resolve("targets.json")
                    .toAbsolutePath()
                    .toString()
                : null,
            ready.toString(),
            layout.run().resolve("processes").toAbsolutePath().toString(),
            ProcessHandle.current().pid(),
            seed.targets().stream()
                .skip(1)
                .map(
                    target ->
                        new ClusterSpec.Workload(
                            target.deployment(),
                            target.secret(),
                            seed.initialSecret(target).toAbsolutePath().toString(),
                            "jdbc:postgresql://127.0.0.1:"
                                + settings.postgresPort()
                                + "/"
                                + Services.workloadDatabase(cluster, target.index())))
                .toList());
    Path specFile = dir.resolve("cluster.json");
    spec.write(specFile);
    ManagedProcess process =
        launch(
            "cluster-" + cluster,
            Jvm.main(
                "384m",
                Map.of("java.util.logging.manager", "org.jboss.logmanager.LogManager"),
                "dev.rotor.devstack.cluster.ClusterMain",
                List.of(specFile.toAbsolutePath().toString())),
            Map.of(),
            layout.log("cluster-" + cluster));
    Await.until(
        "cluster " + cluster + " and its workload's pods",
        INFRA_TIMEOUT,
        process,
        () -> ReadyFile.read(ready).isPresent());
    JsonNode node = ReadyFile.read(ready).orElseThrow();
    ready(
        "cluster " + cluster,
        begin,
        "API " + node.path("apiUrl").asText() + ", " + settings.replicas() + " pods serving",
        process);
    return node;
  }

  private Void startPrometheus(String cluster, int port) throws IOException {
    Instant begin = Instant.now();
    Path dir = layout.data("prometheus").resolve(cluster);
    Files.createDirectories(dir);
    Path targets = dir.resolve("targets.json");
    if (!Files.exists(targets)) {
      Files.writeString(targets, "[]", StandardCharsets.UTF_8);
    }
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "# The pods of " + cluster + ", as the devstack's cluster lists them.",
            "global:",
            "  scrape_interval: 1s",
            "  evaluation_interval: 1s",
            "scrape_configs:",
            "  - job_name: pods",
            "    metrics_path: /q/metrics",
            "    file_sd_configs:",
            "      - files: [" + targets.toAbsolutePath() + "]",
            "        refresh_interval: 1s",
            ""),
        StandardCharsets.UTF_8);
    ManagedProcess prometheus =
        launch(
            "prometheus-" + cluster,
            List.of(
                PROMETHEUS.toString(),
                "--config.file=" + config.toAbsolutePath(),
                "--storage.tsdb.path=" + dir.resolve("data").toAbsolutePath(),
                "--storage.tsdb.retention.time=1d",
                "--web.listen-address=127.0.0.1:" + port),
            Map.of(),
            layout.log("prometheus-" + cluster));
    Await.until(
        "Prometheus of " + cluster,
        INFRA_TIMEOUT,
        prometheus,
        () -> Http.ok(URI.create("http://127.0.0.1:" + port + "/-/ready")));
    ready("prometheus " + cluster, begin, "http://127.0.0.1:" + port, prometheus);
    return null;
  }

  private void startService(ServiceSpec service) {
    Instant begin = Instant.now();
    ManagedProcess process = launchService(service);
    ready(service.name(), begin, "http://127.0.0.1:" + service.port(), process);
  }

  private ManagedProcess launchService(ServiceSpec service) {
    ManagedProcess process =
        launch(
            service.name(),
            Jvm.jar("320m", service.properties(), layout.quarkusApp(service.module()).toString()),
            service.secrets(),
            layout.log(service.name()));
    URI health = URI.create("http://127.0.0.1:" + service.port() + "/q/health/ready");
    Await.until(
        service.name() + " to be ready (" + health + ")",
        SERVICE_TIMEOUT,
        process,
        () -> Http.ok(health));
    return process;
  }

  // --------------------------------------------------------------------------------- faults

  /**
   * SIGKILLs the Rotor service {@code name} and starts it again with the same configuration (its
   * log goes on in the same file); returns when it is ready again.
   */
  void killAndRestartService(String name) {
    ServiceSpec service =
        services.stream()
            .filter(s -> s.name().equals(name))
            .findFirst()
            .orElseThrow(() -> new DevstackException("ROTOR-8000", "no service " + name));
    kill(name);
    // As Kubernetes restarts a container that exits while it starts (a database that does not
    // answer in time on a busy machine): up to three times.
    for (int attempt = 1; ; attempt++) {
      try {
        launchService(service);
        return;
      } catch (DevstackException e) {
        if (attempt == 3 || stopped || !"ROTOR-8005".equals(e.id())) {
          throw e;
        }
        console.line("  (" + name + " exited while starting; starting it again: " + e.id() + ")");
      }
    }
  }

  /** Stops the Kafka broker (SIGTERM) and starts it again on the same data and ports. */
  void restartKafka() {
    stop("kafka");
    ManagedProcess kafka = launchKafka();
    Await.until(
        "Kafka on 127.0.0.1:" + settings.kafkaPort() + " after its restart",
        INFRA_TIMEOUT,
        kafka,
        () -> Ports.answers(settings.kafkaPort()) && createTopics());
  }

  /** Stops PostgreSQL (SIGTERM: a fast shutdown) and starts it again on the same data and port. */
  void restartPostgres() {
    stop("postgres");
    launchPostgres();
  }

  private void kill(String name) {
    ManagedProcess process = current.get(name);
    if (process == null) {
      throw new DevstackException("ROTOR-8000", "no process " + name);
    }
    process.process().destroyForcibly();
    try {
      if (!process.process().waitFor(30, TimeUnit.SECONDS)) {
        throw new DevstackException("ROTOR-8006", name + " did not die of SIGKILL in 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DevstackException("ROTOR-8009", "interrupted");
    }
  }

  private void stop(String name) {
    ManagedProcess process = current.get(name);
    if (process == null) {
      throw new DevstackException("ROTOR-8000", "no process " + name);
    }
    process.stop(Duration.ofSeconds(30));
  }

  // ---------------------------------------------------------------------------------- files

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
                    .append("\n      user: devstack\n      namespace: ")
                    .append(Seed.NAMESPACE)
                    .append("\n"));
    s.append("users:\n  - name: devstack\n    user:\n      token: devstack\n");
    s.append("current-context: ").append(Services.STAGING).append("\n");
    write(layout.home().resolve("kubeconfig"), s.toString());
  }

  private static void write(Path file, String content) {
    try {
      Files.writeString(file, content, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /** {@code .devstack/env}: what rotorctl and kubectl need to talk to this devstack. */
  private void writeEnvironment() {
    String env =
        "# source .devstack/env: rotorctl and kubectl against the running devstack\n"
            + "export ROTOR_KAFKA=127.0.0.1:"
            + settings.kafkaPort()
            + "\nexport ROTOR_LEDGER_URL=http://127.0.0.1:"
            + settings.servicePort(8085)
            + "\nexport KUBECONFIG="
            + layout.home().resolve("kubeconfig").toAbsolutePath()
            + "\n";
    write(layout.home().resolve("env"), env);
  }

  // -------------------------------------------------------------------------------- helpers

  private ManagedProcess launch(
      String name, List<String> command, Map<String, String> environment, Path log) {
    if (stopped) {
      throw new DevstackException("ROTOR-8009", "stopping: " + name + " is not started");
    }
    Map<String, String> env = new LinkedHashMap<>(environment);
    // The devstack's own settings must not leak into what it starts.
    env.putIfAbsent("ROTOR_KAFKA", null);
    env.putIfAbsent("ROTOR_LEDGER_URL", null);
    ManagedProcess process = ManagedProcess.start(name, command, env, layout.home(), log);
    processes.add(process);
    current.put(name, process);
    registry.record(name, process.process().toHandle());
    return process;
  }

  private void ready(String name, Instant begin, String detail, ManagedProcess process) {
    Duration took = Duration.between(begin, Instant.now());
    startTimes.put(name, took);
    console.component(
        name, "ready in " + Console.seconds(took), detail + "  log " + rel(process.log()));
  }

  String rel(Path path) {
    Path absolute = path.toAbsolutePath();
    return absolute.startsWith(layout.root())
        ? layout.root().relativize(absolute).toString()
        : absolute.toString();
  }

  // ---------------------------------------------------------------------------------- stop

  /** Whether the stop has begun (Ctrl-C, or the end). */
  boolean stopping() {
    return stopped;
  }

  /** Takes a process started elsewhere (rotorctl on the terminal) into the stop. */
  void track(String name, Process process) {
    if (stopped) {
      process.destroy();
      return;
    }
    processes.add(ManagedProcess.of(name, process, layout.log("rotorctl")));
    registry.record(name, process.toHandle());
  }

  /** How many processes run now. */
  int running() {
    synchronized (processes) {
      return (int) processes.stream().filter(ManagedProcess::alive).count();
    }
  }

  /**
   * Stops every process it started, services first, then the clusters (and their pods), then the
   * infrastructure; each with SIGTERM, then SIGKILL for what is left of its tree.
   */
  @Override
  public synchronized void close() {
    if (stopped) {
      return;
    }
    stopped = true;
    List<ManagedProcess> all;
    synchronized (processes) {
      all = new ArrayList<>(processes);
    }
    if (all.stream().noneMatch(ManagedProcess::alive)) {
      registry.clear();
      return;
    }
    console.line("");
    console.line(
        "Stopping the devstack ("
            + all.stream().filter(ManagedProcess::alive).count()
            + " processes) ...");
    List<List<ManagedProcess>> waves = new ArrayList<>();
    waves.add(
        all.stream()
            .filter(p -> services.stream().anyMatch(s -> s.name().equals(p.name())))
            .toList());
    waves.add(all.stream().filter(p -> p.name().startsWith("cluster-")).toList());
    List<ManagedProcess> rest = new ArrayList<>(all);
    waves.forEach(rest::removeAll);
    waves.add(rest);
    for (List<ManagedProcess> wave : waves) {
      List<Thread> stops = new ArrayList<>();
      for (ManagedProcess process : wave) {
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
    for (PidRegistry.Recorded leftover : registry.running()) {
      leftover.handle().destroyForcibly();
    }
    registry.clear();
    console.line(
        "ROTOR-8010 stopped every process the devstack started; logs stay in "
            + rel(layout.logs()));
  }
}
