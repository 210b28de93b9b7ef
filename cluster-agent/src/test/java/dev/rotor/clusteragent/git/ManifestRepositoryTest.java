package dev.rotor.clusteragent.git;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.clusteragent.config.ClusterAgentConfig;
import dev.rotor.common.plan.ManifestFormat;
import dev.rotor.common.plan.ManifestSpec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.transport.RefSpec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's reads of a manifest repository: each sees what was merged before it asked, and many
 * jobs of one repository at once share a fetch instead of fetching one after the other.
 */
class ManifestRepositoryTest {
  private static final String PATH = "apps/app/secret.yaml";

  @TempDir Path directory;
  private Git work;
  private ManifestSpec manifest;
  private SimpleMeterRegistry registry;
  private ManifestRepository repository;

  @BeforeEach
  void createRemote() throws Exception {
    Path remote = directory.resolve("remote.git");
    Git.init().setBare(true).setInitialBranch("main").setDirectory(remote.toFile()).call().close();
    work =
        Git.cloneRepository()
            .setURI(remote.toUri().toString())
            .setDirectory(directory.resolve("work").toFile())
            .call();
    manifest =
        new ManifestSpec(remote.toUri().toString(), "main", PATH, ManifestFormat.SECRET, true);
    registry = new SimpleMeterRegistry();
    repository = new ManifestRepository(config(directory.resolve("cache")), registry);
  }

  @Test
  void aReadAfterANewMergeFetchesAgainAndSeesIt() throws Exception {
    RevCommit first = commitAndPush("first");
    assertThat(text(repository.read(manifest, first.name()))).isEqualTo("first");

    RevCommit second = commitAndPush("second");

    assertThat(text(repository.read(manifest, second.name()))).isEqualTo("second");
    assertThat(fetches()).isEqualTo(2.0);
    assertThat(shared()).isZero();
  }

  @Test
  void readsThatAskAtOnceShareAFetchAndEachGetsItsManifest() throws Exception {
    RevCommit commit = commitAndPush("merged");
    int readers = 16;
    ExecutorService pool = Executors.newFixedThreadPool(readers);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<byte[]>> reads = new ArrayList<>();
      for (int i = 0; i < readers; i++) {
        reads.add(
            pool.submit(
                () -> {
                  start.await();
                  return repository.read(manifest, commit.name());
                }));
      }
      start.countDown();
      for (Future<byte[]> read : reads) {
        assertThat(text(read.get(60, TimeUnit.SECONDS))).isEqualTo("merged");
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(fetches() + shared()).isEqualTo(readers);
    assertThat(fetches())
        .as("fetches for %d reads that asked at once", readers)
        .isLessThan(readers);
  }

  private RevCommit commitAndPush(String content) throws Exception {
    Path file = work.getRepository().getWorkTree().toPath().resolve(PATH);
    Files.createDirectories(file.getParent());
    Files.writeString(file, content, StandardCharsets.UTF_8);
    work.add().addFilepattern(PATH).call();
    RevCommit commit = work.commit().setMessage(content).setSign(false).call();
    work.push().setRemote("origin").setRefSpecs(new RefSpec("HEAD:refs/heads/main")).call();
    return commit;
  }

  private double fetches() {
    return registry.get("rotor.cluster-agent.git.fetches").counter().count();
  }

  private double shared() {
    return registry.get("rotor.cluster-agent.git.fetches.shared").counter().count();
  }

  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static ClusterAgentConfig config(Path cache) {
    return new SmallRyeConfigBuilder()
        .addDefaultInterceptors()
        .withMapping(ClusterAgentConfig.class)
        .withSources(
            new PropertiesConfigSource(
                Map.of(
                    "rotor.cluster-agent.cluster", "aether-staging",
                    "rotor.cluster-agent.policy-file", "unused.yaml",
                    "rotor.cluster-agent.git.cache-directory", cache.toString()),
                "test",
                500))
        .build()
        .getConfigMapping(ClusterAgentConfig.class);
  }
}
