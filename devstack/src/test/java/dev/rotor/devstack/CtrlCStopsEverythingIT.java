package dev.rotor.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.devstack.process.PidRegistry;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Ctrl-C on a running devstack stops every process it started (the broker, PostgreSQL and its
 * daemonized postmaster, the Git server, the clusters and their pods, Prometheus, every service)
 * and leaves none behind.
 */
class CtrlCStopsEverythingIT {

  @Test
  void ctrlCStopsEveryProcessTheDevstackStartedAndLeavesNoOrphans() throws Exception {
    try (DevstackProcess devstack =
        DevstackProcess.start("it-ctrl-c", 300, "--scenarios", "none", "--replicas", "1")) {
      devstack.awaitLine("The devstack keeps running", Duration.ofMinutes(8));
      List<PidRegistry.Recorded> recorded =
          new PidRegistry(devstack.home().resolve("run/processes")).running();
      List<ProcessHandle> tree = new ArrayList<>(devstack.process.descendants().toList());
      recorded.forEach(r -> tree.add(r.handle()));
      assertThat(recorded)
          .extracting(PidRegistry.Recorded::name)
          .contains(
              "kafka",
              "postgres",
              "postgres/postmaster",
              "git",
              "cluster-aether-staging",
              "cluster-aether-production",
              "key-generator",
              "manifest-service",
              "cluster-agent-aether-staging",
              "cluster-agent-aether-production",
              "verifier",
              "ledger-service",
              "notifier");
      assertThat(recorded).anySatisfy(r -> assertThat(r.name()).startsWith("aether-staging/"));

      // Ctrl-C sends SIGINT. A JVM started with SIGINT ignored (a background job of a
      // non-interactive shell, as some CI runners start builds) never sees it; SIGTERM then takes
      // the same path through the shutdown hook.
      devstack.signal(devstack.ignoresSigint() ? "TERM" : "INT");

      assertThat(devstack.process.waitFor(2, TimeUnit.MINUTES)).isTrue();
      assertThat(devstack.output())
          .contains("ROTOR-8010 stopped every process the devstack started");
      assertThat(tree).noneMatch(ProcessHandle::isAlive);
      assertThat(Files.exists(devstack.home().resolve("run/processes"))).isFalse();
    }
  }
}
