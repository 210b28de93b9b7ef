package dev.rotor.deploy;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The configuration keys one service really has: those of its {@code application.properties}, the
 * keys its document lists in its configuration tables (its {@code @ConfigMapping}), and the few
 * Quarkus and Kafka client keys the manifests use, each documented by Quarkus.
 */
final class ConfigKeys {
  /** Service (container name) → module folder, document, prefix of its own keys. */
  record Service(String name, String module, String doc, String prefix, int port) {}

  static final Map<String, Service> SERVICES =
      Map.of(
          "key-generator",
          new Service(
              "key-generator",
              "key-generator",
              "docs/key-generator.md",
              "rotor.key-generator.",
              8081),
          "manifest-service",
          new Service(
              "manifest-service",
              "manifest-service",
              "docs/manifest-service.md",
              "rotor.manifest-service.",
              8082),
          "cluster-agent",
          new Service(
              "cluster-agent",
              "cluster-agent",
              "docs/cluster-agent.md",
              "rotor.cluster-agent.",
              8083),
          "verifier",
          new Service("verifier", "verifier", "docs/verifier.md", "rotor.verifier.", 8084),
          "ledger-service",
          new Service(
              "ledger-service", "ledger-service", "docs/ledger-service.md", "rotor.ledger.", 8085),
          "notifier",
          new Service("notifier", "notifier", "docs/notifier.md", "rotor.notifier.", 8086),
          "secrets-service",
          new Service(
              "secrets-service",
              "examples/secrets-service",
              "examples/secrets-service/README.md",
              "secrets-service.",
              8080));

  /**
   * Documented Quarkus and Kafka keys the manifests may set for any service: the datasource
   * (quarkus.io/guides/datasource), extra configuration files (quarkus.io/guides/config-reference,
   * "quarkus.config.locations"), and Kafka client settings, which Quarkus passes from "kafka.*" (or
   * KAFKA_* environment variables) to every channel (quarkus.io/guides/kafka).
   */
  static final List<String> QUARKUS_KEYS =
      List.of(
          "quarkus.config.locations",
          "quarkus.datasource.jdbc.url",
          "quarkus.datasource.username",
          "quarkus.datasource.password",
          "kafka.bootstrap.servers",
          "kafka.security.protocol",
          "kafka.sasl.mechanism",
          "kafka.sasl.jaas.config",
          "kafka.ssl.truststore.type",
          "kafka.ssl.truststore.location");

  private static final Pattern KEY = Pattern.compile("[a-z][a-z0-9-]*(\\.[a-z0-9<>\\[\\]-]+)*");
  private static final Pattern BACKTICKED = Pattern.compile("`([^`]+)`");

  private final Service service;
  private final List<String> keys = new ArrayList<>();

  ConfigKeys(Service service) {
    this.service = service;
    keys.addAll(QUARKUS_KEYS);
    applicationProperties(service).stringPropertyNames().stream()
        .filter(k -> !k.startsWith("%"))
        .forEach(keys::add);
    keys.addAll(documented(service));
  }

  static ConfigKeys of(String service) {
    Service s = SERVICES.get(service);
    if (s == null) {
      throw new AssertionError("unknown service (container name) " + service);
    }
    return new ConfigKeys(s);
  }

  static Properties applicationProperties(Service service) {
    return properties(
        Repo.read(
            Repo.ROOT
                .resolve(service.module())
                .resolve("src/main/resources/application.properties")),
        service.module() + "/src/main/resources/application.properties");
  }

  static Properties properties(String text, String origin) {
    Properties p = new Properties();
    try {
      p.load(new StringReader(text));
    } catch (IOException | IllegalArgumentException e) {
      throw new AssertionError(origin + ": not a properties file: " + e.getMessage(), e);
    }
    return p;
  }

  /**
   * The keys in the first column of the document's tables: full keys, keys relative to the
   * service's prefix, and the shorthand "`a.b` / `.c`" for a.b and a.c.
   */
  private static List<String> documented(Service service) {
    List<String> found = new ArrayList<>();
    for (String line : Repo.read(Repo.ROOT.resolve(service.doc())).lines().toList()) {
      if (!line.startsWith("|")) {
        continue;
      }
      String[] cells = line.split("(?<!\\\\)\\|");
      if (cells.length < 2) {
        continue;
      }
      String previous = null;
      Matcher m = BACKTICKED.matcher(cells[1]);
      while (m.find()) {
        String token = m.group(1).trim();
        if (token.startsWith(".") && previous != null) {
          token = previous.substring(0, previous.lastIndexOf('.')) + token;
        } else if (!KEY.matcher(token).matches()) {
          continue;
        } else if (!token.startsWith("rotor.")
            && !token.startsWith("quarkus.")
            && !token.startsWith("kafka.")
            && !token.startsWith(service.prefix())) {
          token = service.prefix() + token;
        }
        found.add(token);
        previous = token;
      }
    }
    return found;
  }

  Service service() {
    return service;
  }

  /** The key a property name in a properties file is, if it is one of this service's. */
  Optional<String> property(String name) {
    return keys.stream().filter(k -> regex(k, false).matcher(name).matches()).findFirst();
  }

  /** The key an environment variable sets (SmallRye Config's mapping), if any. */
  Optional<String> environment(String variable) {
    return keys.stream().filter(k -> regex(k, true).matcher(variable).matches()).findFirst();
  }

  /** A key as a pattern: {@code <name>} is a map key, {@code [i]} an index. */
  private static Pattern regex(String key, boolean environment) {
    StringBuilder out = new StringBuilder();
    Matcher parts = Pattern.compile("<[^>]+>|\\[i]|[^<\\[]+|.").matcher(key);
    while (parts.find()) {
      String part = parts.group();
      if (part.startsWith("<")) {
        out.append(environment ? "[A-Z0-9_]+" : "(\"[^\"]+\"|[^.]+)");
      } else if (part.equals("[i]")) {
        out.append(environment ? "_[0-9]+_" : "\\[[0-9]+]");
      } else if (environment) {
        out.append(Pattern.quote(part.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_")));
      } else {
        out.append(Pattern.quote(part));
      }
    }
    return Pattern.compile(out.toString());
  }

  static Path docPath(String service) {
    return Repo.ROOT.resolve(SERVICES.get(service).doc());
  }
}
