package dev.rotor.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * docker-compose.yml cannot run here (no Docker engine), so it is checked against what the build
 * defines: every variable a Rotor service gets maps to a configuration key it reads, ports and
 * health checks use the service's {@code quarkus.http.port}, images are the ones the build names,
 * and Prometheus' configuration passes promtool.
 */
class DockerComposeTest {
  private static final Path ROOT = RotorApp.root();
  private static List<RotorApp> apps;
  private static Map<String, Object> compose;

  @BeforeAll
  static void load() {
    apps = RotorApp.all();
    compose = ComposeCheck.load(ROOT.resolve("docker-compose.yml"));
  }

  @Test
  void composeFileAgreesWithEveryService() {
    assertThat(new ComposeCheck(ROOT, apps).check(compose)).isEmpty();
  }

  @Test
  void configurationKeysComeFromTheServicesThemselves() {
    RotorApp verifier = apps.stream().filter(a -> a.module().equals("verifier")).findFirst().get();
    // Read from VerifierConfig by SmallRye Config: a renamed key in the interface fails the check.
    assertThat(verifier.mappedKeys())
        .contains(
            "rotor.verifier.clusters.*.prometheus-url",
            "rotor.verifier.clusters.*.kubeconfig-context",
            "rotor.verifier.metrics.source");
    assertThat(ComposeCheck.toEnvironmentName("rotor.key-generator.policy-file"))
        .isEqualTo("ROTOR_KEY_GENERATOR_POLICY_FILE");
  }

  @Test
  void aMistakeInTheComposeFileIsReportedWithItsPlace() throws IOException {
    String text = Files.readString(ROOT.resolve("docker-compose.yml"), StandardCharsets.UTF_8);
    String broken =
        text.replace(
                "KAFKA_BOOTSTRAP_SERVERS: kafka:9092\n      QUARKUS_DATASOURCE_JDBC_URL: jdbc:postgresql://postgres:5432/verifier",
                "KAFKA_BOOTSTRAP_SERVER: kafka:9092\n      QUARKUS_DATASOURCE_JDBC_URL: jdbc:postgresql://postgres:5432/verifier")
            .replace("\"8085:8085\"", "\"8085:8080\"")
            .replace("http://localhost:8086/q/health/ready", "http://localhost:8080/q/health/ready")
            .replace("rotor/notifier:${ROTOR_VERSION", "rotor/notify:${ROTOR_VERSION")
            .replace(
                "ROTOR_CLUSTER_AGENT_STATE_NAMESPACE: rotor",
                "ROTOR_CLUSTER_AGENT_STATE_NAMESPACES: rotor")
            .replace("rotor.approvals rotor.ledger;", "rotor.approvals;")
            .replace("--config max.message.bytes=2097152", "");
    assertThat(broken).isNotEqualTo(text);
    Map<String, Object> mutated = new Yaml(new LoaderOptions()).load(broken);
    List<String> problems = new ComposeCheck(ROOT, apps).check(mutated);
    assertThat(problems)
        .anyMatch(
            p ->
                p.startsWith(
                    "services.verifier.environment.KAFKA_BOOTSTRAP_SERVER: maps to no configuration key of verifier"))
        .anyMatch(p -> p.startsWith("services.ledger-service.ports: '8085:8080'"))
        .anyMatch(p -> p.startsWith("services.notifier.image: rotor/notify is not an image"))
        .anyMatch(p -> p.startsWith("services: no service runs rotor/notifier"))
        .anyMatch(
            p ->
                p.startsWith(
                    "services.cluster-agent-staging.environment.ROTOR_CLUSTER_AGENT_STATE_NAMESPACES"))
        .anyMatch(p -> p.startsWith("services.kafka-topics.command: does not create rotor.ledger"))
        .anyMatch(
            p ->
                p.equals(
                    "services.kafka-topics.command: does not create rotor.dlq with"
                        + " max.message.bytes=2097152"));
  }

  @Test
  void aMapKeyInAVariableIsSentToTheConfigFile() {
    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> services =
        (Map<String, Map<String, Object>>) compose.get("services");
    @SuppressWarnings("unchecked")
    Map<String, Object> environment =
        (Map<String, Object>) services.get("verifier").get("environment");
    environment.put("ROTOR_VERIFIER_CLUSTERS_AETHER_STAGING_PROMETHEUS_URL", "http://p:9090");
    try {
      assertThat(new ComposeCheck(ROOT, apps).check(compose))
          .containsExactly(
              "services.verifier.environment.ROTOR_VERIFIER_CLUSTERS_AETHER_STAGING_PROMETHEUS_URL:"
                  + " sets a map entry (ROTOR_VERIFIER_CLUSTERS_AETHER_STAGING_PROMETHEUS_URL):"
                  + " write it in a mounted /home/jboss/config/application.properties");
    } finally {
      environment.remove("ROTOR_VERIFIER_CLUSTERS_AETHER_STAGING_PROMETHEUS_URL");
    }
  }

  @Test
  void prometheusConfigurationPassesPromtoolAndScrapesEveryService() throws Exception {
    Path promtool = Path.of("/usr/bin/promtool");
    assertTrue(
        Files.isExecutable(promtool),
        "promtool is missing: apt-get install prometheus (.ci/run does)");
    Process check =
        new ProcessBuilder(
                promtool.toString(),
                "check",
                "config",
                ROOT.resolve("compose/prometheus/prometheus.yml").toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(check.waitFor(60, TimeUnit.SECONDS));
    assertThat(check.exitValue()).as(output).isZero();

    String prometheus =
        Files.readString(ROOT.resolve("compose/prometheus/prometheus.yml"), StandardCharsets.UTF_8);
    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> services =
        (Map<String, Map<String, Object>>) compose.get("services");
    TreeSet<String> missing = new TreeSet<>();
    services.forEach(
        (name, spec) -> {
          if (spec.get("healthcheck") != null
              && String.valueOf(spec.get("image")).contains("rotor/")) {
            @SuppressWarnings("unchecked")
            List<Object> test =
                (List<Object>) ((Map<String, Object>) spec.get("healthcheck")).get("test");
            String url = String.valueOf(test.get(test.size() - 1));
            String port = url.replaceAll("^http://localhost:(\\d+)/.*$", "$1");
            if (!prometheus.contains("- " + name + ":" + port + "\n")) {
              missing.add(name + ":" + port);
            }
          }
        });
    assertThat(missing).as("targets Prometheus does not scrape").isEmpty();
  }
}
