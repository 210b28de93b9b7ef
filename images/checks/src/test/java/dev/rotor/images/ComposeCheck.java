package dev.rotor.images;

import dev.rotor.common.event.Topics;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Checks a Compose file against Rotor's applications and lists every problem, each naming the
 * service and the entry ({@code services.verifier.environment.KAFKA_BOOTSTRAP_SERVER: ...}).
 *
 * <p>Environment variables follow MicroProfile Config's rule: a key's variable is the key with
 * every character other than a letter or digit replaced by {@code _}, in upper case ({@code
 * kafka.bootstrap.servers} is {@code KAFKA_BOOTSTRAP_SERVERS}). Map keys (a cluster or team name)
 * cannot be told apart from the key's other segments in a variable, so they belong in a mounted
 * {@code config/application.properties}, which is checked key by key.
 */
final class ComposeCheck {
  static final Pattern IMAGE =
      Pattern.compile(
          "^\\$\\{ROTOR_REGISTRY:-docker\\.io}/(rotor/[a-z0-9-]+):\\$\\{ROTOR_VERSION:-([^}]+)}$");

  /** Quarkus' working directory in the images: config/application.properties there is read. */
  static final String CONFIG_FILE = "/home/jboss/config/application.properties";

  /** Variables read by libraries directly, not configuration keys. */
  static final Set<String> LIBRARY_ENVIRONMENT = Set.of("KUBECONFIG"); // fabric8's kubeconfig

  private final Path root;
  private final List<RotorApp> apps;
  private final List<String> problems = new ArrayList<>();

  ComposeCheck(Path root, List<RotorApp> apps) {
    this.root = root;
    this.apps = apps;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> load(Path file) {
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return new Yaml(new LoaderOptions()).load(reader);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  @SuppressWarnings("unchecked")
  List<String> check(Map<String, Object> compose) {
    Map<String, Map<String, Object>> services =
        (Map<String, Map<String, Object>>) compose.get("services");
    Set<String> imagesUsed = new TreeSet<>();
    for (Map.Entry<String, Map<String, Object>> entry : services.entrySet()) {
      String service = entry.getKey();
      Map<String, Object> spec = entry.getValue();
      String image = String.valueOf(spec.get("image"));
      if (!image.contains("rotor/")) {
        continue; // infrastructure: Kafka, PostgreSQL, Prometheus
      }
      Matcher m = IMAGE.matcher(image);
      if (!m.matches()) {
        problem(
            service,
            "image",
            "'"
                + image
                + "' is not ${ROTOR_REGISTRY:-docker.io}/rotor/<name>:${ROTOR_VERSION:-...}");
        continue;
      }
      if (!m.group(2).equals(RotorApp.version())) {
        problem(
            service, "image", "default version " + m.group(2) + " is not " + RotorApp.version());
      }
      RotorApp app =
          apps.stream().filter(a -> a.image().equals(m.group(1))).findFirst().orElse(null);
      if (app == null) {
        problem(service, "image", m.group(1) + " is not an image the build produces");
        continue;
      }
      imagesUsed.add(app.image());
      checkEnvironment(service, spec, app);
      checkConfigFiles(service, spec, app);
      checkPortsAndHealth(service, spec, app);
      checkDependencies(service, spec, services);
    }
    for (RotorApp app : apps) {
      if (!imagesUsed.contains(app.image())) {
        problems.add("services: no service runs " + app.image() + " (" + app.module() + ")");
      }
    }
    checkBindMounts(services);
    checkTopics(services);
    return List.copyOf(problems);
  }

  private void checkEnvironment(String service, Map<String, Object> spec, RotorApp app) {
    for (String name : environment(spec).keySet()) {
      if (LIBRARY_ENVIRONMENT.contains(name) || app.referencedEnvironment().contains(name)) {
        continue;
      }
      Set<String> exact = knownKeys(app);
      boolean matched = exact.stream().anyMatch(key -> toEnvironmentName(key).equals(name));
      if (matched) {
        continue;
      }
      boolean mapKey =
          app.mappedKeys().stream()
              .filter(key -> key.contains("*"))
              .anyMatch(key -> name.matches(toEnvironmentPattern(key)));
      problem(
          service,
          "environment." + name,
          mapKey
              ? "sets a map entry (" + name + "): write it in a mounted " + CONFIG_FILE
              : "maps to no configuration key of " + app.module());
    }
  }

  private void checkConfigFiles(String service, Map<String, Object> spec, RotorApp app) {
    for (String[] volume : bindMounts(spec)) {
      if (!volume[1].equals(CONFIG_FILE)) {
        continue;
      }
      Path file = root.resolve(volume[0]).normalize();
      Properties properties = new Properties();
      try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        properties.load(reader);
      } catch (IOException e) {
        problem(service, "volumes", "cannot read " + volume[0] + ": " + e.getMessage());
        continue;
      }
      for (String key : new TreeSet<>(properties.stringPropertyNames())) {
        boolean known =
            knownKeys(app).contains(key)
                || app.mappedKeys().stream().anyMatch(k -> key.matches(toKeyPattern(k)));
        if (!known) {
          problem(service, volume[0] + ": " + key, "is no configuration key of " + app.module());
        }
      }
    }
  }

  @SuppressWarnings("unchecked")
  private void checkPortsAndHealth(String service, Map<String, Object> spec, RotorApp app) {
    List<Object> ports = (List<Object>) spec.getOrDefault("ports", List.of());
    Map<String, Object> health = (Map<String, Object>) spec.get("healthcheck");
    if (app.port().isEmpty()) {
      if (!ports.isEmpty() || health != null) {
        problem(service, "ports", app.module() + " serves no HTTP: no ports, no healthcheck");
      }
      return;
    }
    int port = app.port().get();
    if (ports.isEmpty()) {
      problem(service, "ports", "publishes nothing; the service listens on " + port);
    }
    for (Object mapping : ports) {
      String[] parts = String.valueOf(mapping).split(":");
      String container = parts[parts.length - 1].replace("/tcp", "");
      if (!container.equals(String.valueOf(port))) {
        problem(
            service,
            "ports",
            "'" + mapping + "': the container port must be quarkus.http.port " + port);
      }
    }
    String expected = "http://localhost:" + port + "/q/health/ready";
    List<Object> test = health == null ? List.of() : (List<Object>) health.get("test");
    if (test == null || !test.contains(expected)) {
      problem(service, "healthcheck", "must request " + expected + " (got " + test + ")");
    }
  }

  @SuppressWarnings("unchecked")
  private void checkDependencies(
      String service, Map<String, Object> spec, Map<String, Map<String, Object>> services) {
    Map<String, String> environment = environment(spec);
    Object dependsOn = spec.getOrDefault("depends_on", Map.of());
    Map<String, Object> dependencies =
        dependsOn instanceof Map ? (Map<String, Object>) dependsOn : Map.of();
    String url = environment.get("QUARKUS_DATASOURCE_JDBC_URL");
    if (url != null) {
      requireDependency(service, dependencies, "postgres", "service_healthy");
      Matcher m = Pattern.compile("^jdbc:postgresql://postgres:5432/(\\w+)$").matcher(url);
      if (!m.matches()) {
        problem(service, "environment.QUARKUS_DATASOURCE_JDBC_URL", "not a database of postgres");
      } else if (!initSql().contains("CREATE DATABASE " + m.group(1))) {
        problem(
            service,
            "environment.QUARKUS_DATASOURCE_JDBC_URL",
            "database " + m.group(1) + " is not created by compose/postgres/init.sql.in");
      }
    }
    if (environment.containsKey("KAFKA_BOOTSTRAP_SERVERS")
        || environment.containsKey("ROTOR_KAFKA")) {
      requireDependency(service, dependencies, "kafka-topics", "service_completed_successfully");
      String servers =
          environment.getOrDefault(
              "KAFKA_BOOTSTRAP_SERVERS", environment.getOrDefault("ROTOR_KAFKA", ""));
      if (!servers.equals("kafka:9092")) {
        problem(service, "environment", "Kafka is kafka:9092, not " + servers);
      }
    }
    for (String dependency : dependencies.keySet()) {
      if (!services.containsKey(dependency)) {
        problem(service, "depends_on." + dependency, "no such service");
      }
    }
  }

  private void requireDependency(
      String service, Map<String, Object> dependencies, String on, String condition) {
    Object spec = dependencies.get(on);
    if (!(spec instanceof Map<?, ?> map) || !condition.equals(map.get("condition"))) {
      problem(service, "depends_on", "must wait for " + on + " (condition: " + condition + ")");
    }
  }

  private void checkBindMounts(Map<String, Map<String, Object>> services) {
    for (Map.Entry<String, Map<String, Object>> entry : services.entrySet()) {
      for (String[] volume : bindMounts(entry.getValue())) {
        if (volume[0].startsWith("./") && !Files.exists(root.resolve(volume[0]))) {
          problem(entry.getKey(), "volumes", volume[0] + " does not exist in the repository");
        }
      }
    }
  }

  /**
   * The topics the kafka-topics service creates cover every topic an application names, and the
   * dead-letter topic takes the larger records the services' dead-letter producers send.
   */
  private void checkTopics(Map<String, Map<String, Object>> services) {
    Map<String, Object> creator = services.get("kafka-topics");
    String command = creator == null ? "" : String.valueOf(creator.get("command"));
    String dlqSize = "max.message.bytes=" + Topics.DLQ_MAX_MESSAGE_BYTES;
    if (!command.matches(
        "(?s).*--topic\\s+"
            + Pattern.quote(Topics.DLQ)
            + "\\s[^;&]*--config\\s+"
            + Pattern.quote(dlqSize)
            + ".*")) {
      problems.add(
          "services.kafka-topics.command: does not create " + Topics.DLQ + " with " + dlqSize);
    }
    for (RotorApp app : apps) {
      Properties properties = new Properties();
      Path file = root.resolve(app.module()).resolve("src/main/resources/application.properties");
      if (!Files.exists(file)) {
        continue;
      }
      try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        properties.load(reader);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      for (String key : properties.stringPropertyNames()) {
        if (key.startsWith("mp.messaging.")
            && (key.endsWith(".topic") || key.endsWith(".topics"))) {
          for (String topic : properties.getProperty(key).split(",")) {
            if (!command.matches(
                "(?s).*(^|[\\s\\[])" + Pattern.quote(topic.strip()) + "([\\s;\\]]|$).*")) {
              problems.add(
                  "services.kafka-topics.command: does not create "
                      + topic.strip()
                      + " ("
                      + app.module()
                      + " "
                      + key
                      + ")");
            }
          }
        }
      }
    }
  }

  /** Keys an application reads besides its @ConfigMapping ones: its own and the extensions'. */
  static Set<String> knownKeys(RotorApp app) {
    Set<String> keys = new TreeSet<>(app.propertiesKeys());
    app.mappedKeys().stream().filter(k -> !k.contains("*")).forEach(keys::add);
    if (app.propertiesKeys().contains("quarkus.datasource.db-kind")) {
      // quarkus-agroal / quarkus-datasource: the default datasource's connection.
      keys.addAll(
          List.of(
              "quarkus.datasource.jdbc.url",
              "quarkus.datasource.username",
              "quarkus.datasource.password"));
    }
    if (app.propertiesKeys().contains("quarkus.datasource.owner.db-kind")) {
      keys.addAll(
          List.of("quarkus.datasource.owner.username", "quarkus.datasource.owner.password"));
    }
    if (app.propertiesKeys().stream().anyMatch(k -> k.startsWith("mp.messaging."))) {
      // quarkus-messaging-kafka: the default bootstrap servers of every Kafka channel.
      keys.add("kafka.bootstrap.servers");
    }
    return keys;
  }

  static String toEnvironmentName(String key) {
    return key.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(java.util.Locale.ROOT);
  }

  private static String toEnvironmentPattern(String key) {
    StringBuilder regex = new StringBuilder("^");
    for (String part : key.split("\\*", -1)) {
      if (regex.length() > 1) {
        regex.append("[A-Z0-9_]+");
      }
      regex.append(Pattern.quote(toEnvironmentName(part)));
    }
    return regex.append("$").toString();
  }

  private static String toKeyPattern(String key) {
    String regex = Pattern.quote(key).replace("[*]", "\\E\\[\\d+\\]\\Q");
    regex = regex.replace("*", "\\E([^.\"]+|\"[^\"]+\")\\Q");
    return "^" + regex + "$";
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> environment(Map<String, Object> spec) {
    Object environment = spec.get("environment");
    Map<String, String> result = new LinkedHashMap<>();
    if (environment instanceof Map<?, ?> map) {
      map.forEach((k, v) -> result.put(String.valueOf(k), String.valueOf(v)));
    } else if (environment instanceof List<?> list) {
      for (Object item : list) {
        String[] kv = String.valueOf(item).split("=", 2);
        result.put(kv[0], kv.length > 1 ? kv[1] : "");
      }
    }
    return result;
  }

  /** Short-syntax bind mounts as {source, target}; ${...} in the source is kept whole. */
  @SuppressWarnings("unchecked")
  private static List<String[]> bindMounts(Map<String, Object> spec) {
    List<String[]> mounts = new ArrayList<>();
    for (Object volume : (List<Object>) spec.getOrDefault("volumes", List.of())) {
      String text = String.valueOf(volume);
      Matcher m = Pattern.compile("^(\\$\\{[^}]*}|[^:]+):([^:]+)(:[a-z,]+)?$").matcher(text);
      if (m.matches()) {
        mounts.add(new String[] {m.group(1), m.group(2)});
      }
    }
    return mounts;
  }

  private String initSql() {
    try {
      return Files.readString(root.resolve("compose/postgres/init.sql.in"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void problem(String service, String where, String what) {
    problems.add("services." + service + "." + where + ": " + what);
  }
}
