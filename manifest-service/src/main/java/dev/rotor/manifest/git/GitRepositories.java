package dev.rotor.manifest.git;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.stream.Stream;
import org.eclipse.jgit.api.TransportConfigCallback;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.jboss.logging.Logger;

/**
 * The working-copy cache: one bare repository per remote URL under a cache directory, fetched
 * before every use. Bare, because Rotor never checks files out: it reads blobs and writes trees and
 * commits directly, so a manifest path can never reach the file system. One operation at a time per
 * repository within this process; each instance of the service needs its own directory.
 */
public final class GitRepositories {
  private static final Logger LOG = Logger.getLogger(GitRepositories.class);

  private final Path cacheDirectory;
  private final GitCredentials.Source credentials;
  private final Function<String, TransportConfigCallback> transports;
  private final Duration timeout;
  private final ConcurrentHashMap<String, ReentrantLock> locks = new ConcurrentHashMap<>();

  public GitRepositories(Path cacheDirectory, GitCredentials.Source credentials, Duration timeout) {
    this(cacheDirectory, credentials, url -> null, timeout);
  }

  /**
   * @param transports how the transport to a URL is set up (SSH identity and known_hosts); null for
   *     none
   */
  public GitRepositories(
      Path cacheDirectory,
      GitCredentials.Source credentials,
      Function<String, TransportConfigCallback> transports,
      Duration timeout) {
    this.cacheDirectory = cacheDirectory;
    this.credentials = credentials;
    this.transports = transports;
    this.timeout = timeout;
  }

  /** Runs {@code work} on the working copy of {@code url}, holding its lock. */
  public <T> T with(String url, Function<WorkingCopy, T> work) {
    ReentrantLock lock = locks.computeIfAbsent(url, u -> new ReentrantLock());
    lock.lock();
    try (Repository repository = open(url)) {
      CredentialsProvider provider =
          credentials
              .forUrl(url)
              .<CredentialsProvider>map(
                  c -> new UsernamePasswordCredentialsProvider(c.username(), c.secret()))
              .orElse(null);
      return work.apply(new WorkingCopy(repository, url, provider, transports.apply(url), timeout));
    } finally {
      lock.unlock();
    }
  }

  private Repository open(String url) {
    Path directory = cacheDirectory.resolve(directoryName(url));
    try {
      if (Files.isDirectory(directory)) {
        try {
          Repository existing =
              new FileRepositoryBuilder().setGitDir(directory.toFile()).setMustExist(true).build();
          if (existing.getObjectDatabase().exists()) {
            return existing;
          }
          existing.close();
        } catch (IOException | IllegalArgumentException e) {
          LOG.warnf(
              "ROTOR-2050 working copy %s is unreadable (%s); cloning it again",
              directory, e.getClass().getSimpleName());
        }
        deleteRecursively(directory);
      }
      Files.createDirectories(directory);
      Repository repository =
          new FileRepositoryBuilder().setGitDir(directory.toFile()).setBare().build();
      repository.create(true);
      StoredConfig config = repository.getConfig();
      config.setString("remote", "origin", "url", url);
      config.setBoolean("core", null, "logallrefupdates", false);
      config.save();
      return repository;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot open the working copy cache under " + cacheDirectory, e);
    }
  }

  static String directoryName(String url) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(url.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash, 0, 12) + ".git";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void deleteRecursively(Path directory) throws IOException {
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
