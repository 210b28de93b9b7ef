package dev.rotor.devstack.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PidRegistryTest {

  @Test
  void aRecordedProcessThatRunsIsFoundAgainAndOneThatEndedIsNot(@TempDir Path dir)
      throws Exception {
    PidRegistry registry = new PidRegistry(dir.resolve("processes"));
    Process running = new ProcessBuilder("sleep", "300").start();
    Process ended = new ProcessBuilder("true").start();
    try {
      registry.record("running", running.toHandle());
      registry.record("ended", ended.toHandle());
      ended.waitFor(10, TimeUnit.SECONDS);

      assertThat(new PidRegistry(dir.resolve("processes")).running())
          .extracting(PidRegistry.Recorded::name)
          .containsExactly("running");
    } finally {
      running.destroyForcibly();
    }
  }

  @Test
  void aRecycledPidIsNotMistakenForTheProcessThatHadIt(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("processes");
    long self = ProcessHandle.current().pid();
    // This JVM's pid, but a start time it never had: another process that once had the pid.
    Files.writeString(file, self + " 12345 kafka\n");

    assertThat(new PidRegistry(file).running()).isEmpty();
  }
}
