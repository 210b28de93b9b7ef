package dev.rotor.notifier.config;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/** The notifier's configuration built by SmallRye Config, as Quarkus builds it, without Quarkus. */
public final class ConfigFixtures {
  /** The shipped defaults. */
  public static final Path DEFAULTS = Path.of("src/main/resources/application.properties");

  private ConfigFixtures() {}

  /** The shipped defaults with {@code overrides} on top. */
  public static NotifierConfig config(Map<String, String> overrides) {
    Map<String, String> defaults = new HashMap<>();
    Properties properties = new Properties();
    try (InputStream in = Files.newInputStream(DEFAULTS)) {
      properties.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    properties.forEach((key, value) -> defaults.put((String) key, (String) value));
    SmallRyeConfig config =
        new SmallRyeConfigBuilder()
            .withMapping(NotifierConfig.class)
            .withConverter(Path.class, 100, v -> v.isBlank() ? null : Path.of(v.strip()))
            .withSources(new PropertiesConfigSource(defaults, "defaults", 100))
            .withSources(new PropertiesConfigSource(overrides, "test", 200))
            .build();
    return config.getConfigMapping(NotifierConfig.class);
  }

  /** The settings of the shipped defaults with a token and {@code overrides}. */
  public static NotifierSettings settings(Map<String, String> overrides) {
    Map<String, String> all = new HashMap<>();
    all.put("rotor.notifier.slack.token", "xoxb-fixture");
    all.putAll(overrides);
    return NotifierSettings.from(config(all));
  }
}
