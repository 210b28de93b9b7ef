package dev.rotor.images;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.ConfigMappings;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One of Rotor's applications as its build defines it: the configuration keys it reads (its {@code
 * application.properties} and its {@code @ConfigMapping} interfaces, expanded by SmallRye Config
 * itself), its HTTP port and the image the build names.
 */
record RotorApp(
    String module,
    String image,
    OptionalInt httpPort,
    Set<String> propertiesKeys,
    Set<String> mappedKeys,
    Set<String> referencedEnvironment) {

  /** Root of the checkout (set by the POM; the working directory otherwise is the module). */
  static Path root() {
    return Path.of(System.getProperty("rotor.root", "../..")).toAbsolutePath().normalize();
  }

  static String version() {
    return System.getProperty("rotor.version", "0.1.0-SNAPSHOT");
  }

  static String target() {
    return System.getProperty("rotor.target", "target");
  }

  /** Every Quarkus application that ships as an image, and the load generator (no Quarkus). */
  static List<RotorApp> all() {
    List<RotorApp> apps = new ArrayList<>();
    for (String module :
        List.of(
            "key-generator",
            "manifest-service",
            "cluster-agent",
            "verifier",
            "ledger-service",
            "notifier",
            "cli",
            "examples/secrets-service")) {
      apps.add(quarkus(module));
    }
    // Not a Quarkus application: its image comes from jib-maven-plugin (its pom.xml).
    apps.add(
        new RotorApp(
            "examples/load-generator",
            "rotor/load-generator",
            OptionalInt.empty(),
            Set.of(),
            Set.of(),
            Set.of()));
    return List.copyOf(apps);
  }

  static RotorApp quarkus(String module) {
    Path moduleDir = root().resolve(module);
    Properties properties = new Properties();
    Path file = moduleDir.resolve("src/main/resources/application.properties");
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      properties.load(reader);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    Set<String> keys = new TreeSet<>();
    Set<String> environment = new TreeSet<>();
    Pattern reference = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)[:}]");
    for (String key : properties.stringPropertyNames()) {
      if (!key.startsWith("%")) { // profile-specific keys (%test.) do not apply to a container
        keys.add(key);
      }
      Matcher m = reference.matcher(properties.getProperty(key));
      while (m.find()) {
        environment.add(m.group(1));
      }
    }
    String group = properties.getProperty("quarkus.container-image.group");
    String name = properties.getProperty("quarkus.container-image.name");
    if (group == null || name == null) {
      throw new IllegalStateException(
          file + ": quarkus.container-image.group and .name must name the image (docs/images.md)");
    }
    String port = properties.getProperty("quarkus.http.port");
    return new RotorApp(
        module,
        group + "/" + name,
        port == null ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(port)),
        keys,
        mappedKeys(moduleDir.resolve(target()).resolve("classes")),
        environment);
  }

  /**
   * The keys of every {@code @ConfigMapping} interface compiled into {@code classes}, as SmallRye
   * Config names them (kebab-case, nested groups, {@code *} for a map key, {@code [*]} for a list
   * index). The classes are loaded from the test class path (the application's jar).
   */
  static Set<String> mappedKeys(Path classes) {
    byte[] marker = "Lio/smallrye/config/ConfigMapping;".getBytes(StandardCharsets.UTF_8);
    Set<String> keys = new TreeSet<>();
    try (Stream<Path> files = Files.walk(classes)) {
      for (Path classFile : files.filter(f -> f.toString().endsWith(".class")).toList()) {
        if (indexOf(Files.readAllBytes(classFile), marker) < 0) {
          continue;
        }
        String className =
            classes.relativize(classFile).toString().replace('/', '.').replaceAll("\\.class$", "");
        Class<?> type = Class.forName(className, false, RotorApp.class.getClassLoader());
        ConfigMapping mapping = type.getAnnotation(ConfigMapping.class);
        if (mapping == null || !type.isInterface()) {
          continue;
        }
        keys.addAll(
            ConfigMappings.getProperties(
                    ConfigMappings.ConfigClass.configClass(type, mapping.prefix()))
                .keySet());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + classes + " (build the module first)", e);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException("not on the test class path: " + e.getMessage(), e);
    }
    return keys;
  }

  /** The Quarkus application's port in its container (the one its health check must use). */
  Optional<Integer> port() {
    return httpPort.isPresent() ? Optional.of(httpPort.getAsInt()) : Optional.empty();
  }

  private static int indexOf(byte[] data, byte[] pattern) {
    outer:
    for (int i = 0; i <= data.length - pattern.length; i++) {
      for (int j = 0; j < pattern.length; j++) {
        if (data[i + j] != pattern[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
