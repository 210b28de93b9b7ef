package dev.rotor.manifest.git;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.common.crypto.AgeIdentity;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.plan.Plan;
import dev.rotor.manifest.keyring.SealedEntryValues;
import dev.rotor.manifest.support.GitRemote;
import dev.rotor.manifest.support.Rotations;
import dev.rotor.manifest.support.SealingController;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A benchmark, not a test (Surefire does not pick up {@code *Bench}): the manifest-service's Git
 * rounds for a fleet in one repository, against the real Git server over HTTP. It proposes {@code
 * rotor.bench.targets} rotations (default 1,000) of SealedSecret manifests in batches of {@code
 * rotor.bench.batch} (default 100), then merges them in batches of the same size, and prints each
 * round's time and the CPU time of the thread that ran it (the client's side: the Git server runs
 * in the same JVM on its own threads). Run it with {@code ./mvnw -pl manifest-service -am test
 * -Dtest=GitRoundBench -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class GitRoundBench {
  private static final int TARGETS = Integer.getInteger("rotor.bench.targets", 1000);
  private static final int BATCH = Integer.getInteger("rotor.bench.batch", 100);
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  @Test
  void proposeAndMergeAFleet() {
    SealingController controller = SealingController.generate();
    try (GitRemote remote = new GitRemote();
        AgeIdentity manifestService = AgeIdentity.generate()) {
      String name = "bench-gitops-" + UUID.randomUUID().toString().substring(0, 8);
      Map<String, String> files = new LinkedHashMap<>();
      for (int i = 0; i < TARGETS; i++) {
        files.put(path(i), Rotations.sealedManifest(controller, "bench", secret(i), "aaaaaaaa"));
      }
      String url = remote.repositoryWith(name, files);
      ManifestChanges changes = ManifestChangesBatchTest.changesWithCache("cache-" + name);

      List<Rotations.Generated> generated = new ArrayList<>();
      List<ManifestChanges.Proposed> proposed = new ArrayList<>();
      long proposeTotal = 0;
      long proposeCpu = 0;
      for (int from = 0; from < TARGETS; from += BATCH) {
        List<ManifestChanges.ProposalRequest> requests = new ArrayList<>();
        for (int i = from; i < Math.min(TARGETS, from + BATCH); i++) {
          Plan plan = Rotations.sealedPlan(url, "bench", secret(i), path(i), controller);
          Rotations.Generated g =
              Rotations.generate(plan, UUID.randomUUID().toString(), "bench", manifestService);
          generated.add(g);
          requests.add(
              new ManifestChanges.ProposalRequest(g.event(), SealedEntryValues.of(g.event())));
        }
        long start = System.nanoTime();
        long cpuStart = THREADS.getCurrentThreadCpuTime();
        List<ManifestChanges.Outcome<ManifestChanges.Proposal>> outcomes =
            changes.proposeAll(requests);
        long ms = (System.nanoTime() - start) / 1_000_000;
        long cpu = (THREADS.getCurrentThreadCpuTime() - cpuStart) / 1_000_000;
        proposeTotal += ms;
        proposeCpu += cpu;
        System.out.printf(
            "propose batch %4d-%4d: %6d ms (client CPU %5d ms)%n",
            from, from + requests.size(), ms, cpu);
        for (int k = 0; k < requests.size(); k++) {
          KeyGenerated key = requests.get(k).key();
          ManifestChanges.Proposal p = outcomes.get(k).get();
          proposed.add(
              new ManifestChanges.Proposed(
                  key.plan(),
                  key.rotationId(),
                  p.branch(),
                  p.distributeCommit(),
                  p.promoteCommit()));
          requests.get(k).values().close();
        }
      }
      long mergeTotal = 0;
      long mergeCpu = 0;
      for (int from = 0; from < TARGETS; from += BATCH) {
        List<ManifestChanges.Proposed> batch =
            proposed.subList(from, Math.min(TARGETS, from + BATCH));
        long start = System.nanoTime();
        long cpuStart = THREADS.getCurrentThreadCpuTime();
        List<ManifestChanges.Outcome<ManifestChanges.Merged>> outcomes = changes.mergeAll(batch);
        long ms = (System.nanoTime() - start) / 1_000_000;
        long cpu = (THREADS.getCurrentThreadCpuTime() - cpuStart) / 1_000_000;
        mergeTotal += ms;
        mergeCpu += cpu;
        outcomes.forEach(ManifestChanges.Outcome::get);
        System.out.printf(
            "merge   batch %4d-%4d: %6d ms (client CPU %5d ms)%n",
            from, from + batch.size(), ms, cpu);
      }
      System.out.printf(
          "%d targets in batches of %d: proposals %d ms (client CPU %d ms), merges %d ms (client CPU"
              + " %d ms); %.1f rotations/s%n",
          TARGETS,
          BATCH,
          proposeTotal,
          proposeCpu,
          mergeTotal,
          mergeCpu,
          TARGETS * 1000.0 / (proposeTotal + mergeTotal));
      assertThat(remote.history(name, "main")).hasSizeGreaterThan(2 * TARGETS);
      generated.forEach(g -> g.key().close());
    }
  }

  private static String secret(int i) {
    return String.format("app-%04d-config", i);
  }

  private static String path(int i) {
    return String.format("apps/app-%04d/secret.yaml", i);
  }
}
