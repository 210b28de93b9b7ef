package dev.rotor.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Service;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * deploy/k8s/monitoring: the scrape configurations find Rotor's services, the alerts are valid
 * Prometheus rules whose unit tests pass (promtool), and alerts and dashboard use only metrics the
 * services document (docs/*.md).
 */
class MonitoringTest {
  private static final Path MONITORING = Repo.K8S.resolve("monitoring");
  private static final Pattern METRIC = Pattern.compile("\\brotor_[a-z0-9_]+");
  private static final List<String> ALERTS =
      List.of(
          "RotorRotationOverdue",
          "RotorStageStuck",
          "RotorAgentStateWritesRefused",
          "RotorDeadLettersGrowing",
          "RotorLedgerCheckpointStale",
          "RotorVerificationInconclusive");

  private final Rendered monitoring = Rendered.of(MONITORING);

  @Test
  void theAlertsAreValidRulesAndTheirUnitTestsPass() throws IOException {
    Path dir = Repo.scratch("rules");
    Files.writeString(
        dir.resolve("rotor-alerts.rules.yml"), Repo.YAML.writeValueAsString(rule().get("spec")));
    Files.copy(
        MONITORING.resolve("tests/rotor-alerts.test.yaml"),
        dir.resolve("rotor-alerts.test.yaml"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);

    Repo.run(
        List.of("promtool", "check", "rules", dir.resolve("rotor-alerts.rules.yml").toString()),
        "promtool");
    String tested =
        Repo.run(
            List.of("promtool", "test", "rules", dir.resolve("rotor-alerts.test.yaml").toString()),
            "promtool");
    assertThat(tested).contains("SUCCESS");
  }

  @Test
  void everyAlertIsTestedFiringAndSilent() throws IOException {
    JsonNode rule = rule();
    assertThat(rule.at("/apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
    assertThat(fields(rule.get("spec"))).containsExactly("groups");
    List<String> alerts = new ArrayList<>();
    for (JsonNode group : rule.at("/spec/groups")) {
      for (JsonNode r : group.get("rules")) {
        assertThat(fields(r))
            .as(r.toString())
            .isSubsetOf("alert", "expr", "for", "labels", "annotations");
        alerts.add(r.get("alert").asText());
        assertThat(r.at("/labels/severity").asText()).isIn("warning", "critical");
      }
    }
    assertThat(alerts).containsExactlyInAnyOrderElementsOf(ALERTS);

    JsonNode tests =
        Repo.YAML.readTree(MONITORING.resolve("tests/rotor-alerts.test.yaml").toFile());
    Set<String> fires = new HashSet<>();
    Set<String> silent = new HashSet<>();
    for (JsonNode test : tests.get("tests")) {
      for (JsonNode check : test.get("alert_rule_test")) {
        (check.get("exp_alerts").isEmpty() ? silent : fires).add(check.get("alertname").asText());
      }
    }
    assertThat(fires)
        .as("alerts with a series that fires them")
        .containsExactlyInAnyOrderElementsOf(ALERTS);
    assertThat(silent)
        .as("alerts with a series that must not fire them")
        .containsExactlyInAnyOrderElementsOf(ALERTS);
  }

  @Test
  void alertsUseOnlyMetricsTheServicesExpose() {
    Set<String> exposed = exposedMetrics();
    for (JsonNode group : rule().at("/spec/groups")) {
      for (JsonNode r : group.get("rules")) {
        List<String> used = metrics(r.get("expr").asText());
        assertThat(used).as("metrics of %s", r.get("alert").asText()).isNotEmpty();
        assertThat(exposed).as("metrics of %s", r.get("alert").asText()).containsAll(used);
      }
    }
  }

  @Test
  void theDashboardShowsOnlyMetricsTheServicesExpose() throws IOException {
    JsonNode dashboard = Repo.JSON.readTree(MONITORING.resolve("rotor-dashboard.json").toFile());
    Set<String> exposed = exposedMetrics();
    List<String> expressions = dashboard.findValuesAsText("expr");
    Set<String> used = new TreeSet<>();

    assertThat(expressions).hasSizeGreaterThan(10);
    for (String expr : expressions) {
      assertThat(metrics(expr)).as(expr).isNotEmpty();
      used.addAll(metrics(expr));
    }
    assertThat(exposed).containsAll(used);
    // What the dashboard is for: rotations by state, stage durations, dead letters, ledger size.
    assertThat(used)
        .contains(
            "rotor_manifest_service_rotations_open",
            "rotor_cluster_agent_jobs",
            "rotor_cluster_agent_rollout_duration_seconds_sum",
            "rotor_dlq_records_total",
            "rotor_ledger_tree_size");
    assertThat(dashboard.at("/templating/list/0/type").asText()).isEqualTo("datasource");
    assertThat(monitoring.configMap("rotor-grafana-dashboard"))
        .hasValueSatisfying(c -> assertThat(c.getData()).containsKey("rotor-dashboard.json"));
  }

  @Test
  void theServiceMonitorSelectsEveryRotorService() {
    JsonNode monitor =
        monitoring.documents().stream()
            .filter(d -> d.at("/kind").asText().equals("ServiceMonitor"))
            .findFirst()
            .orElseThrow();
    assertThat(monitor.at("/apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
    assertThat(fields(monitor.get("spec")))
        .containsExactlyInAnyOrder("namespaceSelector", "selector", "endpoints");
    assertThat(monitor.at("/spec/endpoints/0/port").asText()).isEqualTo("http");
    assertThat(monitor.at("/spec/endpoints/0/path").asText()).isEqualTo("/q/metrics");
    assertThat(monitor.at("/spec/namespaceSelector/matchNames/0").asText()).isEqualTo("rotor");
    String key = monitor.at("/spec/selector/matchLabels").fieldNames().next();
    String value = monitor.at("/spec/selector/matchLabels/" + key.replace("/", "~1")).asText();

    List<Service> services = rotorServices();
    assertThat(services).hasSize(6);
    for (Service service : services) {
      assertThat(service.getMetadata().getLabels())
          .as(service.getMetadata().getName())
          .containsEntry(key, value);
      assertThat(service.getSpec().getPorts())
          .anySatisfy(p -> assertThat(p.getName()).isEqualTo("http"));
    }
  }

  @Test
  void thePlainScrapeConfigIsValidAndScrapesEveryRotorService() throws IOException {
    Path config = MONITORING.resolve("prometheus.yml");
    Repo.run(List.of("promtool", "check", "config", config.toString()), "promtool");

    JsonNode job = Repo.YAML.readTree(config.toFile()).at("/scrape_configs/0");
    assertThat(job.get("metrics_path").asText()).isEqualTo("/q/metrics");
    List<String> targets = job.findValuesAsText("targets").isEmpty() ? targets(job) : targets(job);
    List<String> expected =
        rotorServices().stream()
            .map(
                s ->
                    s.getMetadata().getName()
                        + "."
                        + s.getMetadata().getNamespace()
                        + ".svc:"
                        + s.getSpec().getPorts().get(0).getPort())
            .toList();
    assertThat(targets).containsExactlyInAnyOrderElementsOf(expected);
  }

  private static List<String> targets(JsonNode job) {
    List<String> targets = new ArrayList<>();
    for (JsonNode c : job.get("static_configs")) {
      c.get("targets").forEach(t -> targets.add(t.asText()));
    }
    return targets;
  }

  private static List<Service> rotorServices() {
    return Stream.of(Repo.K8S.resolve("base"), Repo.K8S.resolve("cluster-agent"))
        .flatMap(dir -> Rendered.of(dir).all(Service.class).stream())
        .toList();
  }

  private JsonNode rule() {
    return monitoring.documents().stream()
        .filter(d -> d.at("/kind").asText().equals("PrometheusRule"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("deploy/k8s/monitoring renders no PrometheusRule"));
  }

  private static List<String> metrics(String promql) {
    List<String> found = new ArrayList<>();
    Matcher m = METRIC.matcher(promql);
    while (m.find()) {
      found.add(m.group());
    }
    return found;
  }

  /**
   * The metric names the services document in their "Metrics" tables (Prometheus names), with the
   * _count, _sum and _max series Micrometer adds to timers and distribution summaries.
   */
  static Set<String> exposedMetrics() {
    Set<String> names = new TreeSet<>();
    try (Stream<Path> docs = Files.list(Repo.ROOT.resolve("docs"))) {
      for (Path doc : docs.filter(p -> p.toString().endsWith(".md")).toList()) {
        for (String line : Repo.read(doc).lines().filter(l -> l.startsWith("|")).toList()) {
          Matcher m = Pattern.compile("`(rotor_[a-z0-9_]+)").matcher(line);
          while (m.find()) {
            names.add(m.group(1));
          }
        }
      }
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    Set<String> withSeries = new TreeSet<>(names);
    for (String name : names) {
      if (!name.endsWith("_total")) {
        List.of("_count", "_sum", "_max").forEach(s -> withSeries.add(name + s));
      }
    }
    return withSeries;
  }

  private static List<String> fields(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
