package dev.rotor.manifest.config;

import dev.rotor.common.crypto.AgeIdentity;
import dev.rotor.common.crypto.CryptoException;
import dev.rotor.common.git.GitSsh;
import dev.rotor.common.git.SshIdentity;
import dev.rotor.manifest.git.GitCredentials;
import dev.rotor.manifest.git.GitRepositories;
import dev.rotor.manifest.git.ManifestChanges;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.eclipse.jgit.api.TransportConfigCallback;
import org.jboss.logging.Logger;

/**
 * Checks the configuration at start-up and builds what the service runs on. A bad value fails the
 * start with a message naming the key (and the file), never the secret it holds.
 */
@ApplicationScoped
@Startup
public class ServiceSetup {
  private static final Logger LOG = Logger.getLogger(ServiceSetup.class);
  private static final String PREFIX = "rotor.manifest-service.";

  private final ManifestServiceConfig config;
  private final List<AgeIdentity> identities;
  private final List<Entry> credentials;
  private final GitCredentials defaultCredentials;
  private final List<SshEntry> sshEntries = new ArrayList<>();
  private final GitSsh defaultSsh;
  private final List<GitSsh> sshTransports = new ArrayList<>();

  private record Entry(String prefix, GitCredentials credentials) {}

  private record SshEntry(String prefix, String key, GitSsh ssh) {}

  public ServiceSetup(ManifestServiceConfig config) {
    this.config = config;
    List<String> problems = new ArrayList<>();
    checkCacheDir(config.cacheDir(), problems);
    this.identities = loadIdentities(config.ageIdentityFile(), problems);
    this.defaultCredentials =
        credentials(
            config.git().defaultCredentials(), PREFIX + "git.default-credentials", problems);
    this.credentials = new ArrayList<>();
    Optional<Path> knownHosts = config.git().ssh().knownHostsFile();
    knownHosts.ifPresent(
        f -> problems.addAll(GitSsh.knownHostsProblems(PREFIX + "git.ssh.known-hosts-file", f)));
    this.defaultSsh =
        ssh(config.git().defaultCredentials(), PREFIX + "git.default-credentials", problems);
    List<ManifestServiceConfig.RepositoryCredentials> entries =
        config.git().repositories().orElse(List.of());
    for (int i = 0; i < entries.size(); i++) {
      String key = PREFIX + "git.repositories[" + i + "]";
      ManifestServiceConfig.RepositoryCredentials entry = entries.get(i);
      if (entry.sshKeyFile().isPresent()) {
        checkSshUrlPrefix(entry, key, problems);
        GitSsh ssh = ssh(entry, key, problems);
        if (ssh != null) {
          sshEntries.add(new SshEntry(entry.urlPrefix(), key + ".ssh-key-file", ssh));
        }
        continue;
      }
      entry
          .sshKeyPassphraseFile()
          .ifPresent(
              p -> problems.add(key + ".ssh-key-passphrase-file: given without ssh-key-file"));
      checkUrlPrefix(entry.urlPrefix(), key + ".url-prefix", problems);
      GitCredentials c = credentials(entry, key, problems);
      if (c == null) {
        problems.add(key + ": give password (with username), token, or ssh-key-file");
      } else {
        credentials.add(new Entry(entry.urlPrefix(), c));
      }
    }
    credentials.sort(Comparator.comparingInt((Entry e) -> e.prefix().length()).reversed());
    sshEntries.sort(Comparator.comparingInt((SshEntry e) -> e.prefix().length()).reversed());
    String method = config.github().mergeMethod();
    if (!method.equals("merge") && !method.equals("rebase")) {
      problems.add(
          PREFIX
              + "github.merge-method: '"
              + method
              + "' is not supported; use merge or rebase (a squash merge would fold the"
              + " distribute and promote states into one commit)");
    }
    if (config.github().token().map(String::isBlank).orElse(false)) {
      problems.add(PREFIX + "github.token: is empty");
    }
    if (config.github().webhookSecret().map(s -> s.length() < 16).orElse(false)) {
      problems.add(PREFIX + "github.webhook-secret: shorter than 16 characters");
    }
    if (!config.git().committerEmail().matches("[^@\\s<>]+@[^@\\s<>]+")) {
      problems.add(PREFIX + "git.committer-email: not an e-mail address");
    }
    if (config.git().pushAttempts() < 1) {
      problems.add(PREFIX + "git.push-attempts: must be at least 1");
    }
    if (config.git().batchSize() < 1 || config.git().batchSize() > 1000) {
      problems.add(
          PREFIX + "git.batch-size: must be between 1 and 1000; got " + config.git().batchSize());
    }
    if (config.git().historyDepth() < 10) {
      problems.add(PREFIX + "git.history-depth: must be at least 10");
    }
    if (config.worker().maxAttempts() < 1) {
      problems.add(PREFIX + "worker.max-attempts: must be at least 1");
    }
    if (config.outbox().maxAttempts() < 1) {
      problems.add(PREFIX + "outbox.max-attempts: must be at least 1");
    }
    if (config.outbox().quarantineAfter().isNegative()) {
      problems.add(PREFIX + "outbox.quarantine-after: must not be negative");
    }
    if (config.outbox().keepSent().compareTo(java.time.Duration.ofHours(1)) < 0) {
      problems.add(
          PREFIX + "outbox.keep-sent: must be at least PT1H; got " + config.outbox().keepSent());
    }
    if (config.outbox().purgeInterval().compareTo(java.time.Duration.ofMinutes(1)) < 0) {
      problems.add(
          PREFIX
              + "outbox.purge-interval: must be at least PT1M; got "
              + config.outbox().purgeInterval());
    }
    if (config.keyMaterial().keep().compareTo(java.time.Duration.ofHours(1)) < 0) {
      problems.add(
          PREFIX + "key-material.keep: must be at least PT1H; got " + config.keyMaterial().keep());
    }
    if (config.keyMaterial().purgeInterval().compareTo(java.time.Duration.ofMinutes(1)) < 0) {
      problems.add(
          PREFIX
              + "key-material.purge-interval: must be at least PT1M; got "
              + config.keyMaterial().purgeInterval());
    }
    if (!problems.isEmpty()) {
      identities.forEach(AgeIdentity::close);
      sshTransports.forEach(GitSsh::close);
      throw new IllegalStateException(
          "the manifest-service configuration is invalid:\n  " + String.join("\n  ", problems));
    }
    LOG.infof(
        "ROTOR-2000 manifest-service ready: working copies in %s, %d credential entr%s%s, %d SSH"
            + " key entr%s%s, age identity %s, GitHub %s, webhook %s",
        config.cacheDir(),
        credentials.size(),
        credentials.size() == 1 ? "y" : "ies",
        defaultCredentials == null ? "" : " and default credentials",
        sshEntries.size(),
        sshEntries.size() == 1 ? "y" : "ies",
        defaultSsh == null ? "" : " and a default SSH key",
        identities.isEmpty() ? "none" : identities.get(0).recipient().value(),
        config.github().token().isPresent() ? "configured" : "not configured",
        config.github().webhookSecret().isPresent() ? "on" : "off");
  }

  /** The age identities that open key hand-overs (empty when none is configured). */
  public List<AgeIdentity> ageIdentities() {
    return identities;
  }

  /**
   * The HTTPS credentials for a clone URL: the longest matching prefix, else the default; none for
   * an SSH URL (it authenticates with a key, see {@link #transportFor}).
   */
  public Optional<GitCredentials> credentialsFor(String url) {
    if (GitSsh.isSshUrl(url)) {
      return Optional.empty();
    }
    for (Entry e : credentials) {
      if (url.startsWith(e.prefix())) {
        return Optional.of(e.credentials());
      }
    }
    return Optional.ofNullable(defaultCredentials);
  }

  /**
   * How JGit's transport to a clone URL is set up: nothing for HTTPS and {@code file://}; for an
   * SSH URL the key of the longest matching {@code repositories[i]} prefix with an {@code
   * ssh-key-file}, else the default one, with the known_hosts file. An SSH URL without a key or
   * known_hosts fails with {@code GIT_REFUSED} naming the missing key; it never falls back to the
   * process user's {@code ~/.ssh}.
   */
  public TransportConfigCallback transportFor(String url) {
    if (!GitSsh.isSshUrl(url)) {
      return null;
    }
    GitSsh ssh = defaultSsh;
    for (SshEntry e : sshEntries) {
      if (url.startsWith(e.prefix())) {
        ssh = e.ssh();
        break;
      }
    }
    if (ssh == null) {
      return GitSsh.refusing(
          "no SSH key is configured for this repository: set "
              + PREFIX
              + "git.repositories[i].ssh-key-file with a matching url-prefix, or "
              + PREFIX
              + "git.default-credentials.ssh-key-file");
    }
    if (config.git().ssh().knownHostsFile().isEmpty()) {
      return GitSsh.refusing(
          "no known_hosts file is configured for SSH repositories: set "
              + PREFIX
              + "git.ssh.known-hosts-file");
    }
    return ssh.transportConfig();
  }

  @Produces
  @Singleton
  Clock clock() {
    return Clock.systemUTC();
  }

  @Produces
  @Singleton
  GitRepositories gitRepositories() {
    return new GitRepositories(
        config.cacheDir(), this::credentialsFor, this::transportFor, config.git().timeout());
  }

  @Produces
  @Singleton
  ManifestChanges manifestChanges(GitRepositories repositories, Clock clock) {
    ManifestServiceConfig.Git git = config.git();
    return new ManifestChanges(
        repositories,
        new ManifestChanges.Settings(
            git.committerName(),
            git.committerEmail(),
            git.authorEmailDomain(),
            git.historyDepth(),
            git.pushAttempts(),
            git.deleteMergedBranches()),
        clock);
  }

  @PreDestroy
  void close() {
    identities.forEach(AgeIdentity::close);
    sshTransports.forEach(GitSsh::close);
  }

  /**
   * The SSH transport of an entry's {@code ssh-key-file}, checked now (readable, loadable with its
   * passphrase); null without one or when it has problems. It needs the known_hosts file.
   */
  private GitSsh ssh(ManifestServiceConfig.Credentials c, String key, List<String> problems) {
    if (c.sshKeyFile().isEmpty()) {
      c.sshKeyPassphraseFile()
          .ifPresent(
              p -> problems.add(key + ".ssh-key-passphrase-file: given without ssh-key-file"));
      return null;
    }
    SshIdentity identity = new SshIdentity(c.sshKeyFile().get(), c.sshKeyPassphraseFile());
    List<String> found = identity.problems(key + ".ssh-key-file", key + ".ssh-key-passphrase-file");
    problems.addAll(found);
    Optional<Path> knownHosts = config.git().ssh().knownHostsFile();
    if (knownHosts.isEmpty()) {
      problems.add(
          PREFIX
              + "git.ssh.known-hosts-file: is required with "
              + key
              + ".ssh-key-file (host keys are always checked)");
      return null;
    }
    if (!found.isEmpty()) {
      return null;
    }
    GitSsh ssh = GitSsh.of(identity, knownHosts.get());
    sshTransports.add(ssh);
    return ssh;
  }

  private static void checkSshUrlPrefix(
      ManifestServiceConfig.RepositoryCredentials entry, String key, List<String> problems) {
    if (!GitSsh.isSshUrl(entry.urlPrefix())) {
      problems.add(
          key
              + ".url-prefix: an ssh-key-file is for SSH URLs (ssh://git@host/path or"
              + " git@host:path); got '"
              + entry.urlPrefix().replaceAll("//[^/@]*@", "//")
              + "'");
    }
    if (entry.urlPrefix().matches("(?i)^[a-z][a-z0-9+.-]*://[^/@]*:[^/@]*@.*")) {
      problems.add(key + ".url-prefix: must not contain a password");
    }
    if (entry.password().isPresent() || entry.token().isPresent()) {
      problems.add(key + ": give ssh-key-file or password/token, not both");
    }
  }

  private static void checkCacheDir(Path dir, List<String> problems) {
    try {
      Files.createDirectories(dir);
      Path probe = Files.createTempFile(dir, ".probe", "");
      Files.delete(probe);
    } catch (IOException | RuntimeException e) {
      problems.add(
          PREFIX
              + "cache-dir: "
              + dir
              + " is not a writable directory ("
              + e.getClass().getSimpleName()
              + ")");
    }
  }

  private static List<AgeIdentity> loadIdentities(Optional<Path> file, List<String> problems) {
    if (file.isEmpty()) {
      return List.of();
    }
    String key = PREFIX + "age-identity-file";
    Path path = file.get();
    if (!Files.isReadable(path)) {
      problems.add(key + ": " + path + " is not a readable file");
      return List.of();
    }
    try {
      return AgeIdentity.parseIdentityFile(Files.readString(path));
    } catch (CryptoException e) {
      problems.add(key + ": " + path + ": " + e.getMessage());
    } catch (IOException e) {
      problems.add(key + ": " + path + " cannot be read (" + e.getClass().getSimpleName() + ")");
    }
    return List.of();
  }

  private static void checkUrlPrefix(String prefix, String key, List<String> problems) {
    try {
      URI uri = new URI(prefix);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("https") && !scheme.equals("http")) {
        problems.add(key + ": credentials are for http(s) URLs; got scheme '" + scheme + "'");
      }
      if (uri.getUserInfo() != null) {
        problems.add(key + ": must not contain credentials; use username/password/token");
      }
    } catch (URISyntaxException e) {
      problems.add(key + ": not a URL");
    }
  }

  private static GitCredentials credentials(
      ManifestServiceConfig.Credentials c, String key, List<String> problems) {
    boolean password = c.password().filter(s -> !s.isEmpty()).isPresent();
    boolean token = c.token().filter(s -> !s.isEmpty()).isPresent();
    if (password && token) {
      problems.add(key + ": give password or token, not both");
      return null;
    }
    if (password) {
      if (c.username().filter(s -> !s.isBlank()).isEmpty()) {
        problems.add(key + ".username: is required with password");
        return null;
      }
      return new GitCredentials(c.username().get(), c.password().get());
    }
    if (token) {
      return new GitCredentials(c.username().orElse("x-access-token"), c.token().get());
    }
    if (c.username().isPresent()) {
      problems.add(key + ".username: given without password or token");
    }
    return null;
  }
}
