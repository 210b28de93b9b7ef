package dev.rotor.testsupport.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.common.git.GitSsh;
import dev.rotor.common.git.SshIdentity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.RefSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SSH Git server against common's {@link GitSsh}: both are real, nothing is mocked. */
class SshGitServerTest {
  @TempDir static Path root;
  static SshGitServer server;
  static Path writerKey;
  static Path knownHosts;

  @BeforeAll
  static void start() {
    server = SshGitServer.start(root.resolve("repos"));
    writerKey = server.writeWriterKey(root.resolve("keys/id_ecdsa"));
    knownHosts = server.writeKnownHosts(root.resolve("keys/known_hosts"));
    server.createRepository("aether/gitops.git");
    server.commit("aether/gitops.git", "main", Map.of("README.md", "hello\n"), "seed");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void aWriterKeyClonesCommitsAndPushesOverSsh(@TempDir Path work) throws Exception {
    String before;
    try (Repository bare = server.open("aether/gitops.git")) {
      before = bare.resolve("refs/heads/main").name();
    }
    try (GitSsh ssh = GitSsh.of(new SshIdentity(writerKey, Optional.empty()), knownHosts);
        Git git =
            Git.cloneRepository()
                .setURI(server.url("aether/gitops.git"))
                .setTransportConfigCallback(ssh.transportConfig())
                .setDirectory(work.toFile())
                .call()) {
      assertThat(git.getRepository().resolve("HEAD").name()).isEqualTo(before);
      Files.writeString(work.resolve("README.md"), "changed\n");
      git.commit().setAll(true).setMessage("change").call();
      git.push()
          .setTransportConfigCallback(ssh.transportConfig())
          .setRefSpecs(new RefSpec("HEAD:refs/heads/main"))
          .call();
    }
    try (Repository bare = server.open("aether/gitops.git")) {
      assertThat(bare.resolve("refs/heads/main").name()).isNotEqualTo(before);
    }
  }

  @Test
  void anEncryptedKeyWorksWithItsPassphraseFile(@TempDir Path work) throws Exception {
    KeyPair reader = SshGitServer.generateKey();
    server.addReader(reader.getPublic());
    Path key = SshGitServer.writePrivateKey(work.resolve("keys/id_reader"), reader, "open sesame");
    Path passphrase = Files.writeString(work.resolve("keys/passphrase"), "open sesame\n");
    SshIdentity identity = new SshIdentity(key, Optional.of(passphrase));
    assertThat(identity.problems("key", "passphrase")).isEmpty();

    try (GitSsh ssh = GitSsh.of(identity, knownHosts);
        Git git =
            Git.cloneRepository()
                .setURI(server.url("aether/gitops.git"))
                .setTransportConfigCallback(ssh.transportConfig())
                .setDirectory(work.resolve("clone").toFile())
                .call()) {
      assertThat(git.getRepository().resolve("HEAD")).isNotNull();
    }
  }

  @Test
  void aReaderKeyMayNotPush(@TempDir Path work) throws Exception {
    KeyPair reader = SshGitServer.generateKey();
    server.addReader(reader.getPublic());
    Path key = SshGitServer.writePrivateKey(work.resolve("keys/id_reader"), reader, null);
    try (GitSsh ssh = GitSsh.of(new SshIdentity(key, Optional.empty()), knownHosts);
        Git git =
            Git.cloneRepository()
                .setURI(server.url("aether/gitops.git"))
                .setTransportConfigCallback(ssh.transportConfig())
                .setDirectory(work.resolve("clone").toFile())
                .call()) {
      git.commit().setAllowEmpty(true).setMessage("nope").call();
      assertThatThrownBy(
              () ->
                  git.push()
                      .setTransportConfigCallback(ssh.transportConfig())
                      .setRefSpecs(new RefSpec("HEAD:refs/heads/main"))
                      .call())
          .hasMessageContaining("push not permitted");
    }
  }

  @Test
  void anUnknownHostKeyIsRefusedAndNothingIsLearnt(@TempDir Path work) throws Exception {
    Path otherHost = server.writeKnownHosts(work.resolve("known_hosts"), generateHostKey());
    String before = Files.readString(otherHost);
    try (GitSsh ssh = GitSsh.of(new SshIdentity(writerKey, Optional.empty()), otherHost)) {
      assertThatThrownBy(
              () ->
                  Git.cloneRepository()
                      .setURI(server.url("aether/gitops.git"))
                      .setTransportConfigCallback(ssh.transportConfig())
                      .setDirectory(work.resolve("clone").toFile())
                      .call()
                      .close())
          .satisfies(e -> assertThat(GitSsh.refusalOf(e)).contains(GitSsh.Refusal.HOST_KEY));
    }
    assertThat(Files.readString(otherHost)).isEqualTo(before);

    Path empty = Files.writeString(work.resolve("known_hosts_of_another_host"), "");
    Files.writeString(
        empty,
        "github.com "
            + org.apache.sshd.common.config.keys.PublicKeyEntry.toString(generateHostKey())
            + "\n");
    try (GitSsh ssh = GitSsh.of(new SshIdentity(writerKey, Optional.empty()), empty)) {
      assertThatThrownBy(
              () ->
                  Git.lsRemoteRepository()
                      .setRemote(server.url("aether/gitops.git"))
                      .setTransportConfigCallback(ssh.transportConfig())
                      .call())
          .satisfies(e -> assertThat(GitSsh.refusalOf(e)).contains(GitSsh.Refusal.HOST_KEY));
    }
    assertThat(Files.readString(empty)).startsWith("github.com ").hasLineCount(1);
  }

  @Test
  void aKeyTheServerDoesNotKnowIsRefused(@TempDir Path work) {
    Path stranger =
        SshGitServer.writePrivateKey(work.resolve("id_stranger"), SshGitServer.generateKey(), null);
    try (GitSsh ssh = GitSsh.of(new SshIdentity(stranger, Optional.empty()), knownHosts)) {
      assertThatThrownBy(
              () ->
                  Git.lsRemoteRepository()
                      .setRemote(server.url("aether/gitops.git"))
                      .setTransportConfigCallback(ssh.transportConfig())
                      .call())
          .satisfies(e -> assertThat(GitSsh.refusalOf(e)).contains(GitSsh.Refusal.AUTHENTICATION));
    }
  }

  @Test
  void aRefusingTransportNeverFallsBackToTheUsersSshDirectory() {
    assertThatThrownBy(
            () ->
                Git.lsRemoteRepository()
                    .setRemote(server.url("aether/gitops.git"))
                    .setTransportConfigCallback(GitSsh.refusing("no SSH key configured"))
                    .call())
        .hasStackTraceContaining("no SSH key configured");
  }

  @Test
  void identitiesAndKnownHostsAreCheckedWithoutShowingTheirContent(@TempDir Path work)
      throws Exception {
    assertThat(new SshIdentity(work.resolve("missing"), Optional.empty()).problems("k", "p"))
        .containsExactly("k: " + work.resolve("missing") + " is not a readable file");
    Path garbage = Files.writeString(work.resolve("garbage"), "c2VjcmV0LWtleS1tYXRlcmlhbA==\n");
    assertThat(new SshIdentity(garbage, Optional.empty()).problems("k", "p"))
        .singleElement()
        .asString()
        .startsWith("k: ")
        .doesNotContain("c2VjcmV0");
    KeyPair reader = SshGitServer.generateKey();
    Path encrypted = SshGitServer.writePrivateKey(work.resolve("enc"), reader, "right");
    assertThat(new SshIdentity(encrypted, Optional.empty()).problems("k", "p"))
        .singleElement()
        .asString()
        .contains("an encrypted key needs p");
    Path wrong = Files.writeString(work.resolve("wrong"), "wrong\n");
    assertThat(new SshIdentity(encrypted, Optional.of(wrong)).problems("k", "p"))
        .singleElement()
        .asString()
        .contains("with the passphrase in " + wrong);

    assertThat(GitSsh.knownHostsProblems("h", work.resolve("nothing")))
        .containsExactly("h: " + work.resolve("nothing") + " is not a readable file");
    assertThat(GitSsh.knownHostsProblems("h", Files.writeString(work.resolve("kh"), "# none\n")))
        .singleElement()
        .asString()
        .contains("holds no host key");
    assertThat(GitSsh.knownHostsProblems("h", knownHosts)).isEmpty();
  }

  @Test
  void sshUrlsAreRecognisedAsJGitDoes() {
    assertThat(GitSsh.isSshUrl("ssh://git@github.com/aether/gitops.git")).isTrue();
    assertThat(GitSsh.isSshUrl("git@github.com:aether/gitops.git")).isTrue();
    assertThat(GitSsh.isSshUrl("git+ssh://git@github.com/aether/gitops.git")).isTrue();
    assertThat(GitSsh.isSshUrl("https://github.com/aether/gitops.git")).isFalse();
    assertThat(GitSsh.isSshUrl("file:///tmp/gitops.git")).isFalse();
    assertThat(GitSsh.isSshUrl("/tmp/gitops.git")).isFalse();
  }

  private static java.security.PublicKey generateHostKey() {
    return SshGitServer.generateKey().getPublic();
  }
}
