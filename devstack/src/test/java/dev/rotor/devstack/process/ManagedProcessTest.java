package dev.rotor.devstack.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManagedProcessTest {

  @Test
  void stopEndsTheProcessAndEveryProcessItStarted(@TempDir Path dir) {
    // A shell that starts two children and ignores SIGTERM itself, as a stuck process would.
    ManagedProcess shell =
        ManagedProcess.start(
            "shell",
            List.of("bash", "-c", "trap '' TERM; sleep 300 & sleep 300 & wait"),
            Map.of(),
            dir,
            dir.resolve("shell.log"));
    await().atMost(Duration.ofSeconds(10)).until(() -> shell.tree().size() == 2);
    List<ProcessHandle> tree = shell.tree();

    shell.stop(Duration.ofSeconds(1));

    assertThat(shell.alive()).isFalse();
    assertThat(tree).noneMatch(ProcessHandle::isAlive);
  }

  @Test
  void aProcessThatLeftItsTreeIsStoppedWhenAdopted(@TempDir Path dir) throws IOException {
    // Like pg_ctl: the daemon is reparented once its starter exits.
    Path pid = dir.resolve("daemon.pid");
    ManagedProcess starter =
        ManagedProcess.start(
            "starter",
            List.of(
                "bash",
                "-c",
                "setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $! > " + pid + "; sleep 300"),
            Map.of(),
            dir,
            dir.resolve("starter.log"));
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(pid) && Files.size(pid) > 0);
    ProcessHandle daemon =
        ProcessHandle.of(Long.parseLong(Files.readString(pid).strip())).orElseThrow();
    starter.adopt(daemon);

    starter.stop(Duration.ofSeconds(2));

    await().atMost(Duration.ofSeconds(10)).until(() -> !daemon.isAlive());
  }
}
