package dev.rotor.testsupport.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.TransportException;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GitServerTest {
  @TempDir static Path root;
  static GitServer server;

  @BeforeAll
  static void start() {
    server = GitServer.start(root.resolve("repos"), "rotor", "s3cret");
    server.addReader("agent", "read-only");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void aWriterClonesCommitsAndPushesOverHttp(@TempDir Path work) throws Exception {
    server.createRepository("aether/gitops.git");
    String seeded =
        server.commit("aether/gitops.git", "main", Map.of("README.md", "hello\n"), "seed");

    try (Git git =
        Git.cloneRepository()
            .setURI(server.url("aether/gitops.git"))
            .setCredentialsProvider(server.writerCredentials())
            .setDirectory(work.toFile())
            .call()) {
      assertThat(git.getRepository().resolve("HEAD").name()).isEqualTo(seeded);
      Files.writeString(work.resolve("README.md"), "changed\n");
      git.commit().setAll(true).setMessage("change").call();
      git.push()
          .setCredentialsProvider(server.writerCredentials())
          .setRefSpecs(new RefSpec("HEAD:refs/heads/main"))
          .call();
    }

    try (Repository bare = server.open("aether/gitops.git")) {
      assertThat(bare.resolve("refs/heads/main").name()).isNotEqualTo(seeded);
    }
  }

  @Test
  void aWrongPasswordIsNotAuthorized(@TempDir Path work) {
    server.createRepository("denied.git");

    assertThatThrownBy(
            () ->
                Git.cloneRepository()
                    .setURI(server.url("denied.git"))
                    .setCredentialsProvider(new UsernamePasswordCredentialsProvider("rotor", "x"))
                    .setDirectory(work.toFile())
                    .call())
        .isInstanceOf(TransportException.class)
        .hasMessageContaining("not authorized");
  }

  @Test
  void aReaderMayFetchButNotPush(@TempDir Path work) throws Exception {
    server.createRepository("read-only.git");
    server.commit("read-only.git", "main", Map.of("a.txt", "a\n"), "seed");
    UsernamePasswordCredentialsProvider reader =
        new UsernamePasswordCredentialsProvider("agent", "read-only");

    try (Git git =
        Git.cloneRepository()
            .setURI(server.url("read-only.git"))
            .setCredentialsProvider(reader)
            .setDirectory(work.toFile())
            .call()) {
      Files.writeString(work.resolve("a.txt"), "b\n");
      git.commit().setAll(true).setMessage("sneaky").call();

      assertThatThrownBy(
              () ->
                  git.push()
                      .setCredentialsProvider(reader)
                      .setRefSpecs(new RefSpec("HEAD:refs/heads/main"))
                      .call())
          .isInstanceOf(TransportException.class);
    }
  }
}
