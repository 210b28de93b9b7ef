package dev.rotor.devstack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.rotor.devstack.infra.ReadyFile;
import dev.rotor.devstack.leak.LeakScanner;
import dev.rotor.devstack.leak.ScanReport;
import dev.rotor.devstack.leak.ScanTargets;
import dev.rotor.devstack.process.Console;
import dev.rotor.devstack.process.PidRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./rotor scan}: the leak scan of a running devstack (docs/leak-scan.md). Exit 0 clean, 1 a
 * key was found, 2 something could not be scanned.
 */
@Command(
    name = "scan",
    mixinStandardHelpOptions = true,
    description = {
      "Look for every key of every rotation (raw, base64, base64url, hex) in every Kafka record,"
          + " log file, database table, Git object and read API response of the running devstack.",
      "Exit 0: clean; 1: a key was found (where and whose is printed, never the key); 2: something"
          + " could not be scanned."
    })
final class ScanCommand implements Callable<Integer> {
  @Option(
      names = "--report",
      paramLabel = "<file>",
      description = "Also write the report as JSON there (default .devstack/leak-scan.json).")
  Path reportFile;

  @Override
  public Integer call() throws IOException {
    Layout layout = Devstack.layout();
    if (new PidRegistry(layout.run().resolve("processes")).running().isEmpty()) {
      throw new DevstackException(
          "ROTOR-8130",
          "no devstack runs from "
              + layout.home()
              + ": the scan reads a running one (./rotor up, or ./rotor demo --keep)");
    }
    ScanReport report = LeakScanner.scan(targets(layout));
    report.print(System.out);
    Path file = reportFile == null ? layout.home().resolve("leak-scan.json") : reportFile;
    report.write(file);
    System.out.println("  report: " + file);
    return report.exitCode();
  }

  /**
   * The scan at the end of {@code ./rotor demo}, shown on the console and written to {@code
   * .devstack/leak-scan.json}.
   */
  static ScanReport afterScenarios(Layout layout, Console console) {
    console.section("Leak scan: every key of every rotation, everywhere it must not be");
    ScanReport report;
    try {
      report = LeakScanner.scan(targets(layout));
      report.write(layout.home().resolve("leak-scan.json"));
    } catch (RuntimeException | IOException e) {
      console.line("  ROTOR-8132 the leak scan could not run: " + e);
      return ScanReport.failed(String.valueOf(e));
    }
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    report.print(new PrintStream(text, true, StandardCharsets.UTF_8));
    text.toString(StandardCharsets.UTF_8).lines().forEach(console::line);
    return report;
  }

  /** Adds the scan's report to {@code .devstack/summary.json} as {@code leakScan}. */
  static void addToSummary(Layout layout, ScanReport report) throws IOException {
    if (report == null) {
      return;
    }
    Path summary = layout.home().resolve("summary.json");
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode node = (ObjectNode) json.readTree(summary.toFile());
    node.set("leakScan", json.valueToTree(report.toMap()));
    json.writeValue(summary.toFile(), node);
  }

  /** The folders that hold Git repositories: the server's, the services' clones. */
  private static List<Path> gitRoots(Path home) {
    List<String> notGit =
        List.of("cache", "postgres", "kafka", "prometheus", "logs", "clusters", "run");
    try (var children = Files.list(home)) {
      return children
          .filter(Files::isDirectory)
          .filter(d -> !notGit.contains(d.getFileName().toString()))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new DevstackException("ROTOR-8130", "cannot list " + home + ": " + e.getMessage(), e);
    }
  }

  /** What to scan of the devstack whose folder is {@code layout.home()} (running). */
  static ScanTargets targets(Layout layout) {
    Path home = layout.home();
    Path env = home.resolve("env");
    if (!Files.isRegularFile(env)) {
      throw new DevstackException(
          "ROTOR-8130",
          "no devstack in "
              + home
              + " (no env file): scan a running one (./rotor up, or ./rotor demo --keep)");
    }
    Map<String, String> variables = new LinkedHashMap<>();
    try {
      for (String line : Files.readAllLines(env, StandardCharsets.UTF_8)) {
        if (line.startsWith("export ") && line.contains("=")) {
          String assignment = line.substring("export ".length());
          int eq = assignment.indexOf('=');
          variables.put(assignment.substring(0, eq), assignment.substring(eq + 1));
        }
      }
    } catch (IOException e) {
      throw new DevstackException("ROTOR-8130", "cannot read " + env + ": " + e.getMessage(), e);
    }
    String kafka = variables.get("ROTOR_KAFKA");
    String ledger = variables.get("ROTOR_LEDGER_URL");
    if (kafka == null || ledger == null || !kafka.matches("127\\.0\\.0\\.1:[0-9]+")) {
      throw new DevstackException(
          "ROTOR-8130",
          env + " does not name ROTOR_KAFKA and ROTOR_LEDGER_URL as the devstack does");
    }
    int offset = Integer.parseInt(kafka.substring(kafka.indexOf(':') + 1)) - 9092;
    int postgresPort =
        ReadyFile.read(layout.readyFile("postgres"))
            .map(n -> n.path("port").asInt())
            .orElse(15432 + offset);
    Map<String, String> clusters = new LinkedHashMap<>();
    Path kubeconfig = home.resolve("kubeconfig");
    try {
      JsonNode config = new YAMLMapper().readTree(kubeconfig.toFile());
      for (JsonNode cluster : config.path("clusters")) {
        clusters.put(
            cluster.path("name").asText(), cluster.path("cluster").path("server").asText());
      }
    } catch (IOException e) {
      throw new DevstackException(
          "ROTOR-8130", "cannot read " + kubeconfig + ": " + e.getMessage(), e);
    }
    List<URI> urls = new ArrayList<>();
    for (int port : List.of(8081, 8082, 8083, 8093, 8084, 8085, 8086)) {
      for (String path : List.of("/q/health", "/q/health/ready", "/q/health/live", "/q/metrics")) {
        urls.add(URI.create("http://127.0.0.1:" + (port + offset) + path));
      }
    }
    return new ScanTargets(
        layout.root(),
        clusters,
        List.of(home.resolve("clusters")),
        kafka,
        List.of(layout.logs()),
        "127.0.0.1:" + postgresPort,
        "postgres",
        "postgres",
        gitRoots(home),
        URI.create(ledger),
        urls);
  }
}
