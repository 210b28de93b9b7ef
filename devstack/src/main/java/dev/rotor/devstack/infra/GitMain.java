package dev.rotor.devstack.infra;

import dev.rotor.testsupport.git.GitServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

/**
 * The devstack's Git remote, as a process of its own: JGit's HTTP server on 127.0.0.1 with basic
 * authentication, one repository seeded with the example GitOps layout. The manifest-service may
 * push; the cluster-agents may only fetch.
 *
 * <p>Arguments: {@code <repositories dir> <repository name> <seed dir> <ready file> <parent pid>}.
 * Credentials come from the environment ({@code ROTOR_DEVSTACK_GIT_WRITER}, {@code
 * ..._WRITER_PASSWORD}, {@code ..._READER}, {@code ..._READER_PASSWORD}), never from the command
 * line, which any user can list.
 */
public final class GitMain {
  private GitMain() {}

  public static void main(String[] args) throws Exception {
    Path root = Path.of(args[0]);
    String repository = args[1];
    Path seed = Path.of(args[2]);
    Path ready = Path.of(args[3]);
    ParentWatch.start(Long.parseLong(args[4]));
    Map<String, String> env = System.getenv();
    GitServer git =
        GitServer.start(
            root,
            env.get("ROTOR_DEVSTACK_GIT_WRITER"),
            env.get("ROTOR_DEVSTACK_GIT_WRITER_PASSWORD"));
    git.addReader(
        env.get("ROTOR_DEVSTACK_GIT_READER"), env.get("ROTOR_DEVSTACK_GIT_READER_PASSWORD"));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  git.close();
                  stopped.countDown();
                },
                "rotor-devstack-git-stop"));
    git.createRepository(repository);
    String commit =
        git.commit(
            repository,
            "main",
            files(seed),
            "Aether services: the Secrets Service and its keyring Secret\n\n"
                + "Seeded by the Rotor devstack from deploy/gitops-example.");
    Map<String, Object> content = new LinkedHashMap<>();
    content.put("port", git.port());
    content.put("url", git.url(repository));
    content.put("commit", commit);
    ReadyFile.write(ready, content);
    System.out.println(
        "ROTOR-8015 Git server ready at " + git.url(repository) + " (main at " + commit + ")");
    stopped.await();
  }

  private static Map<String, String> files(Path seed) throws IOException {
    Map<String, String> files = new LinkedHashMap<>();
    try (Stream<Path> paths = Files.walk(seed)) {
      for (Path file : paths.filter(Files::isRegularFile).sorted().toList()) {
        files.put(
            seed.relativize(file).toString().replace('\\', '/'),
            Files.readString(file, StandardCharsets.UTF_8));
      }
    }
    return files;
  }
}
