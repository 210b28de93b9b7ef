package dev.rotor.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.cli.rotation.Script;
import dev.rotor.common.event.CloudEventBinding;
import dev.rotor.common.event.EventCodec;
import dev.rotor.common.event.Topics;
import dev.rotor.testsupport.KafkaBroker;
import dev.rotor.testsupport.KafkaTestClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged rotorctl ({@code java -jar target/quarkus-app/quarkus-run.jar}) as people run it:
 * Kafka from {@code ROTOR_KAFKA}, output on stdout, one line on stderr for an error and nothing
 * else, and a watch that follows events as the services write them.
 */
class RotorctlProcessIT {
  private static final Path APP =
      Path.of(System.getProperty("rotor.test.app", "target/quarkus-app/quarkus-run.jar"));
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static KafkaTestClient kafka;
  private final List<Process> started = new ArrayList<>();

  @BeforeAll
  static void broker() {
    assertThat(APP).as("the packaged rotorctl (run after package)").isRegularFile();
    KafkaBroker.createTopics(Topics.EVENT_TOPICS.toArray(String[]::new));
    kafka = new KafkaTestClient();
  }

  @AfterAll
  static void close() {
    kafka.close();
  }

  @AfterEach
  void stopProcesses() {
    started.forEach(Process::destroyForcibly);
  }

  @Test
  void requestReadsKafkaFromRotorKafkaAndPrintsOnlyTheRotationId() throws Exception {
    Run run =
        run(
            Map.of("ROTOR_KAFKA", KafkaBroker.bootstrapServers()),
            "request",
            Script.TARGET,
            "--operator",
            "alice");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).matches("[0-9a-f]{12}\n");
    assertThat(run.err())
        .isEqualTo(
            "Requested rotation "
                + run.out().strip()
                + " of "
                + Script.TARGET
                + " as alice; follow it with: rotorctl watch "
                + run.out().strip()
                + "\n");
  }

  @Test
  void anUnreachableKafkaIsExactlyOneLineOnStderrAndExitThree() throws Exception {
    Run run = run(Map.of("ROTOR_KAFKA", "127.0.0.1:1"), "status", "--timeout", "PT2S");

    assertThat(run.exitCode()).isEqualTo(3);
    assertThat(run.out()).isEmpty();
    assertThat(run.err())
        .isEqualTo(
            "rotorctl: ROTOR-7001 cannot reach Kafka at 127.0.0.1:1 within 2 s (set"
                + " --bootstrap-servers or ROTOR_KAFKA)\n");
  }

  @Test
  void watchShowsEachEventAsItArrivesAndExitsZeroWhenTheRotationCompletes() throws Exception {
    String rotationId = java.util.UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    Script script = new Script(rotationId, Instant.now()).healthy(Duration.ofSeconds(2));
    ProcessBuilder builder = command("watch", rotationId, "--no-live");
    builder.environment().put("ROTOR_KAFKA", KafkaBroker.bootstrapServers());
    Process watch = start(builder);
    List<String> lines = new CopyOnWriteArrayList<>();
    Thread reader = reader(watch, lines);

    for (Script.Step step : script.steps()) {
      int before = lines.size();
      kafka.produce(
          step.topic(),
          step.event().subject(),
          CloudEventBinding.headers(step.event()),
          EventCodec.encode(step.event().data()));
      // Each event shows before the next one is written: the watch follows, it does not batch.
      await().atMost(TIMEOUT).until(() -> lines.size() > before);
    }

    assertThat(watch.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    reader.join(TIMEOUT.toMillis());
    assertThat(watch.exitValue()).isZero();
    assertThat(lines).anySatisfy(line -> assertThat(line).endsWith("approved by bob"));
    assertThat(lines).last().asString().startsWith("  requested by alice, approved by bob");
    assertThat(new String(watch.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)).isEmpty();
  }

  private record Run(int exitCode, String out, String err) {}

  private Run run(Map<String, String> environment, String... args) throws Exception {
    ProcessBuilder builder = command(args);
    builder.environment().putAll(environment);
    Path out =
        Files.createTempFile(
            Path.of(System.getProperty("rotor.test.tmpdir", "target")), "rotorctl", ".out");
    Path err =
        Files.createTempFile(
            Path.of(System.getProperty("rotor.test.tmpdir", "target")), "rotorctl", ".err");
    builder.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process process = start(builder);
    assertThat(process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
  }

  private static ProcessBuilder command(String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-jar");
    command.add(APP.toAbsolutePath().toString());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().remove("ROTOR_KAFKA");
    builder.environment().remove("ROTOR_LEDGER_URL");
    return builder;
  }

  private Process start(ProcessBuilder builder) throws IOException {
    Process process = builder.start();
    started.add(process);
    return process;
  }

  private static Thread reader(Process process, List<String> lines) {
    Thread thread =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  lines.add(line);
                }
              } catch (IOException e) {
                // The process ended.
              }
            },
            "rotorctl-watch-reader");
    thread.setDaemon(true);
    thread.start();
    return thread;
  }
}
