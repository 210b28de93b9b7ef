package dev.rotor.notifier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.testsupport.PostgresServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The packaged application ({@code quarkus-run.jar}) refuses to start with a wrong configuration,
 * names every wrong key, and shows no secret while doing so.
 */
class NotifierStartupIT {
  private static final String SECRET_PATH = "/services/T0ROTOR/B0ROTOR/it-secret-part";

  @Test
  void refusesToStartWithAWrongConfigurationNamingEachKeyButNoSecret() throws Exception {
    String database = PostgresServer.createDatabase();
    try {
      Path jar =
          Paths.get(System.getProperty("rotor.quarkus.app", "target/quarkus-app/quarkus-run.jar"));
      assertThat(jar).exists();
      List<String> command = new ArrayList<>();
      command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
      command.add("-Dquarkus.http.port=0");
      command.add("-Dquarkus.datasource.jdbc.url=" + PostgresServer.jdbcUrl(database));
      command.add("-Dquarkus.datasource.username=" + PostgresServer.username());
      command.add("-Dquarkus.datasource.password=" + PostgresServer.password());
      command.add("-Dkafka.bootstrap.servers=127.0.0.1:9");
      command.add("-Drotor.notifier.mode=webhook");
      command.add(
          "-Drotor.notifier.channels.security-ops.webhook-url=http://hooks.slack.example"
              + SECRET_PATH);
      command.add("-Drotor.notifier.channels.platform-alerts.events=rollout.exploded");
      command.add("-jar");
      command.add(jar.toString());
      Path output = Files.createTempFile(jar.getParent().getParent(), "notifier-startup", ".log");

      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .start();
      boolean exited;
      try {
        exited = process.waitFor(90, TimeUnit.SECONDS);
      } finally {
        process.destroyForcibly();
      }

      String log = read(output);
      assertThat(exited).as("the application exits on its own; output:%n%s", log).isTrue();
      assertThat(process.exitValue()).as(log).isNotZero();
      assertThat(log)
          .contains("ROTOR-6100 the notifier's configuration is invalid")
          .contains(
              "rotor.notifier.channels.security-ops.webhook-url: must be an absolute https URL"
                  + " (http only for localhost)")
          .contains(
              "rotor.notifier.channels.platform-alerts.events: 'rollout.exploded' is no event type")
          .contains("rotor.notifier.channels.reviewers.webhook-url: is required in webhook mode")
          .doesNotContain(SECRET_PATH);
    } finally {
      PostgresServer.dropDatabase(database);
    }
  }

  private static String read(Path file) throws IOException {
    return Files.readString(file, StandardCharsets.UTF_8);
  }
}
