package dev.rotor.manifest.support;

import dev.rotor.testsupport.git.SshGitServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Gives a {@code @QuarkusTest} manifest-service a real Git server over HTTP with basic auth, its
 * credentials (and wrong ones for repositories under {@code locked/}), an age identity file for
 * manifests of format {@code secret}, a working-copy cache under {@code target/}, and short worker
 * intervals. Tests get the server through a field annotated {@link InjectGitRemote}.
 */
public class GitServerResource implements QuarkusTestResourceLifecycleManager {
  /** The webhook secret the application is started with. */
  public static final String WEBHOOK_SECRET = "test-webhook-secret-" + UUID.randomUUID();

  /**
   * The system property naming the port configured as {@code github.api-url}, where a test starts
   * its {@link FakeGitHub}.
   */
  public static final String GITHUB_PORT_PROPERTY = "rotor.test.github-port";

  /** Marks the test field that receives the {@link GitRemote}. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.FIELD)
  public @interface InjectGitRemote {}

  /**
   * The manifest-service's age identity in these tests (made with {@code age-keygen} for them
   * only). The resource touches no class of the application's own dependencies: Quarkus would
   * otherwise load them twice.
   */
  public static final String AGE_IDENTITY_FILE =
      "# created: 2026-11-26T07:36:55Z\n"
          + "# public key: age1eacy3jkdw0twfpcmmnpn93agsst7rm9uhpek69478vvgaam0kqyqhn50ws\n"
          + "AGE-SECRET-KEY-1ML9DLFUPA7P60AT8CNU355F8WQ9955TZM2T65NVKSRX0275GG4TQ02FF5C\n";

  /** Passphrase of the SSH key the trusted server does not know (an encrypted key). */
  public static final String STRANGER_PASSPHRASE = "stranger-passphrase-" + UUID.randomUUID();

  private GitRemote remote;
  private Path work;

  private static String writeFile(Path file, String content) {
    try {
      Files.writeString(file, content);
      return file.toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public Map<String, String> start() {
    remote = new GitRemote();
    work =
        Paths.get(System.getProperty("rotor.test.tmpdir", "target"))
            .toAbsolutePath()
            .resolve("manifest-service-" + UUID.randomUUID().toString().substring(0, 8));
    Path identityFile = work.resolve("age-identity.txt");
    try {
      Files.createDirectories(work);
      Files.writeString(identityFile, AGE_IDENTITY_FILE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String base = "http://127.0.0.1:" + remote.server().port() + "/git/";
    String prefix = "rotor.manifest-service.";
    Map<String, String> config = new HashMap<>();
    config.put(prefix + "cache-dir", work.resolve("git-cache").toString());
    config.put(prefix + "age-identity-file", identityFile.toString());
    config.put(prefix + "git.repositories[0].url-prefix", base);
    config.put(prefix + "git.repositories[0].username", GitRemote.WRITER);
    config.put(prefix + "git.repositories[0].password", GitRemote.PASSWORD);
    config.put(prefix + "git.repositories[1].url-prefix", base + "locked/");
    config.put(prefix + "git.repositories[1].username", GitRemote.WRITER);
    config.put(prefix + "git.repositories[1].password", "wrong-" + GitRemote.PASSWORD);
    // SSH: the trusted server with its writer key; its locked/ repositories with a key it does
    // not know; any other SSH URL (the untrusted server) with the default key, which that server
    // would accept, but its host key is not in the known_hosts file.
    String ssh = "ssh://git@127.0.0.1:" + remote.ssh().port() + "/";
    config.put(
        prefix + "git.ssh.known-hosts-file",
        remote.ssh().writeKnownHosts(work.resolve("ssh/known_hosts")).toString());
    config.put(prefix + "git.repositories[2].url-prefix", ssh);
    config.put(
        prefix + "git.repositories[2].ssh-key-file",
        remote.ssh().writeWriterKey(work.resolve("ssh/id_ecdsa")).toString());
    config.put(prefix + "git.repositories[3].url-prefix", ssh + "locked/");
    config.put(
        prefix + "git.repositories[3].ssh-key-file",
        SshGitServer.writePrivateKey(
                work.resolve("ssh/id_stranger"), SshGitServer.generateKey(), STRANGER_PASSPHRASE)
            .toString());
    config.put(
        prefix + "git.repositories[3].ssh-key-passphrase-file",
        writeFile(work.resolve("ssh/stranger-passphrase"), STRANGER_PASSPHRASE + "\n"));
    config.put(
        prefix + "git.default-credentials.ssh-key-file",
        remote.untrustedSsh().writeWriterKey(work.resolve("ssh/id_default")).toString());
    config.put(prefix + "git.author-email-domain", "users.example.com");
    config.put(prefix + "local.teams.security", "bob,carol,dave");
    config.put(prefix + "github.webhook-secret", WEBHOOK_SECRET);
    int githubPort;
    try (java.net.ServerSocket socket =
        new java.net.ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
      githubPort = socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    System.setProperty(GITHUB_PORT_PROPERTY, Integer.toString(githubPort));
    config.put(prefix + "github.api-url", "http://127.0.0.1:" + githubPort);
    config.put(
        prefix + "github.token", "ghp_test_" + UUID.randomUUID().toString().replace("-", ""));
    config.put(prefix + "worker.interval", "PT0.5S");
    config.put(prefix + "worker.initial-backoff", "PT0.5S");
    config.put(prefix + "worker.max-attempts", "3");
    config.put("quarkus.log.category.\"dev.rotor\".level", "DEBUG");
    return config;
  }

  @Override
  public void inject(TestInjector injector) {
    injector.injectIntoFields(
        remote, new TestInjector.AnnotatedAndMatchesType(InjectGitRemote.class, GitRemote.class));
  }

  @Override
  public void stop() {
    if (remote != null) {
      remote.close();
    }
  }
}
