package dev.rotor.clusteragent.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.clusteragent.config.ClusterAgentConfig;
import dev.rotor.clusteragent.work.RolloutFailure;
import dev.rotor.common.event.Reasons;
import dev.rotor.common.plan.ManifestFormat;
import dev.rotor.common.plan.ManifestSpec;
import dev.rotor.testsupport.git.SshGitServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
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
    return config(cache, Map.of());
  }

  private static ClusterAgentConfig config(Path cache, Map<String, String> overrides) {
    Map<String, String> properties = new java.util.HashMap<>();
    properties.put("rotor.cluster-agent.cluster", "aether-staging");
    properties.put("rotor.cluster-agent.policy-file", "unused.yaml");
    properties.put("rotor.cluster-agent.git.cache-directory", cache.toString());
    properties.put("rotor.cluster-agent.retry.initial-backoff", "PT0.1S");
    properties.putAll(overrides);
    return new SmallRyeConfigBuilder()
        .addDefaultInterceptors()
        .withMapping(ClusterAgentConfig.class)
        .withSources(new PropertiesConfigSource(properties, "test", 500))
        .build()
        .getConfigMapping(ClusterAgentConfig.class);
  }

  // ---------------------------------------------------------------- over SSH

  @Test
  void aManifestIsReadOverSshWithAReadOnlyKeyAndTheKnownHostsFile() {
    try (SshGitServer server = SshGitServer.start(directory.resolve("ssh"))) {
      KeyPair reader = SshGitServer.generateKey();
      server.addReader(reader.getPublic());
      String url = server.createRepository("platform/gitops.git");
      String commit =
          server.commit("platform/gitops.git", "main", Map.of(PATH, "over ssh"), "Add manifest");
      ManifestSpec overSsh = new ManifestSpec(url, "main", PATH, ManifestFormat.SECRET, true);
      Path key =
          SshGitServer.writePrivateKey(directory.resolve("keys/id_reader"), reader, "pass-" + PATH);
      ManifestRepository agent =
          new ManifestRepository(
              config(
                  directory.resolve("ssh-cache"),
                  Map.of(
                      "rotor.cluster-agent.git.ssh-key-file", key.toString(),
                      "rotor.cluster-agent.git.ssh-key-passphrase-file",
                          writeFile(directory.resolve("keys/passphrase"), "pass-" + PATH + "\n"),
                      "rotor.cluster-agent.git.ssh-known-hosts-file",
                          server
                              .writeKnownHosts(directory.resolve("keys/known_hosts"))
                              .toString())),
              new SimpleMeterRegistry());
      try {
        assertThat(text(agent.read(overSsh, commit))).isEqualTo("over ssh");
      } finally {
        agent.close();
      }
    }
  }

  @Test
  void anUnknownHostKeyOrAKeyTheServerRefusesFailsAtOnceWithWhatToCheck() {
    try (SshGitServer server = SshGitServer.start(directory.resolve("ssh"))) {
      String url = server.createRepository("platform/gitops.git");
      String commit = server.commit("platform/gitops.git", "main", Map.of(PATH, "x"), "Add");
      ManifestSpec overSsh = new ManifestSpec(url, "main", PATH, ManifestFormat.SECRET, true);
      Path writerKey = server.writeWriterKey(directory.resolve("keys/id_writer"));
      Path otherHost =
          server.writeKnownHosts(
              directory.resolve("keys/other_known_hosts"), SshGitServer.generateKey().getPublic());
      ManifestRepository untrusting =
          new ManifestRepository(
              config(
                  directory.resolve("cache-1"),
                  Map.of(
                      "rotor.cluster-agent.git.ssh-key-file", writerKey.toString(),
                      "rotor.cluster-agent.git.ssh-known-hosts-file", otherHost.toString())),
              new SimpleMeterRegistry());
      try {
        assertThatThrownBy(() -> untrusting.read(overSsh, commit))
            .isInstanceOfSatisfying(
                RolloutFailure.class,
                f -> {
                  assertThat(f.reason()).isEqualTo(Reasons.Rollout.GIT_UNAVAILABLE);
                  assertThat(f.isRefused()).isTrue();
                  assertThat(f.getMessage())
                      .contains("host key is not in the configured known_hosts file")
                      .endsWith("rotor.cluster-agent.git.ssh-known-hosts-file");
                });
      } finally {
        untrusting.close();
      }
      assertThat(server.servedRepositories()).isEmpty();

      Path stranger =
          SshGitServer.writePrivateKey(
              directory.resolve("keys/id_stranger"), SshGitServer.generateKey(), null);
      ManifestRepository refused =
          new ManifestRepository(
              config(
                  directory.resolve("cache-2"),
                  Map.of(
                      "rotor.cluster-agent.git.ssh-key-file", stranger.toString(),
                      "rotor.cluster-agent.git.ssh-known-hosts-file",
                          server
                              .writeKnownHosts(directory.resolve("keys/known_hosts"))
                              .toString())),
              new SimpleMeterRegistry());
      try {
        assertThatThrownBy(() -> refused.read(overSsh, commit))
            .isInstanceOfSatisfying(
                RolloutFailure.class,
                f -> {
                  assertThat(f.isRefused()).isTrue();
                  assertThat(f.getMessage())
                      .contains("the server refused the SSH key")
                      .doesNotContain(SshGitServer.privateKeyLines(stranger).get(1));
                });
      } finally {
        refused.close();
      }

      ManifestRepository keyless =
          new ManifestRepository(config(directory.resolve("cache-3")), new SimpleMeterRegistry());
      assertThatThrownBy(() -> keyless.read(overSsh, commit))
          .isInstanceOfSatisfying(
              RolloutFailure.class,
              f -> {
                assertThat(f.isRefused()).isTrue();
                assertThat(f.getMessage())
                    .contains("no SSH key is configured: set rotor.cluster-agent.git.ssh-key-file");
              });
    }
  }

  private static String writeFile(Path file, String content) {
    try {
      Files.createDirectories(file.getParent());
      return Files.writeString(file, content).toString();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
