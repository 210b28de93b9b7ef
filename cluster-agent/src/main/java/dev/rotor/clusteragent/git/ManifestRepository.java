package dev.rotor.clusteragent.git;

import dev.rotor.clusteragent.config.ClusterAgentConfig;
import dev.rotor.clusteragent.work.Backoff;
import dev.rotor.clusteragent.work.Pauses;
import dev.rotor.clusteragent.work.RolloutFailure;
import dev.rotor.common.crypto.Fingerprints;
import dev.rotor.common.event.Reasons;
import dev.rotor.common.git.GitSsh;
import dev.rotor.common.git.SshIdentity;
import dev.rotor.common.plan.ManifestSpec;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectLoader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.FooterLine;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.jboss.logging.Logger;

/**
 * Read-only access to the manifests in Git: a bare cache per repository, fetched (never pushed)
 * with the agent's read-only credentials. The agent applies only commits that are on the plan's
 * branch: what was reviewed and merged.
 */
@ApplicationScoped
public class ManifestRepository {
  private static final Logger LOG = Logger.getLogger(ManifestRepository.class);

  /** The trailer keys the manifest-service writes on each rotation commit. */
  public static final String TRAILER_ROTATION = "Rotor-Rotation-Id";

  public static final String TRAILER_PHASE = "Rotor-Phase";
  public static final String TRAILER_FINGERPRINT = "Rotor-Key-Fingerprint";

  /** A manifest larger than this is not a Secret manifest. */
  static final int MAX_MANIFEST_BYTES = 1024 * 1024;

  private final ClusterAgentConfig.GitConfig config;
  private final ClusterAgentConfig.RetryConfig retry;
  private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();

  /**
   * Per repository and branch: the last fetch that succeeded, with the moment it started. A caller
   * that asked before that moment is served by it: the remote's branch as that fetch saw it is at
   * least as new as when the caller asked, so what the caller's event says was merged is there.
   */
  private final Map<String, Fetched> fetched = new ConcurrentHashMap<>();

  private final Counter fetches;
  private final Counter fetchesShared;

  /** The SSH transport of the agent's key, or null without {@code git.ssh-key-file}. */
  private final GitSsh ssh;

  private record Fetched(long startedNanos, ObjectId tip) {}

  ManifestRepository(ClusterAgentConfig config, MeterRegistry registry) {
    this.config = config.git();
    this.retry = config.retry();
    this.ssh =
        this.config.sshKeyFile().isPresent() && this.config.sshKnownHostsFile().isPresent()
            ? GitSsh.of(
                new SshIdentity(this.config.sshKeyFile().get(), this.config.sshKeyPassphraseFile()),
                this.config.sshKnownHostsFile().get())
            : null;
    this.fetches =
        Counter.builder("rotor.cluster-agent.git.fetches")
            .description("Fetches of a manifest repository's branch")
            .register(registry);
    this.fetchesShared =
        Counter.builder("rotor.cluster-agent.git.fetches.shared")
            .description(
                "Reads served by a fetch that started after they asked, instead of their own")
            .register(registry);
  }

  /**
   * The manifest at {@code commit}, which must be on the plan's branch.
   *
   * @throws RolloutFailure GIT_UNAVAILABLE when the repository cannot be fetched; NOT_FOUND when
   *     the commit or the path does not exist; NOT_PERMITTED when the commit is not on the branch
   */
  public byte[] read(ManifestSpec manifest, String commit) {
    return withRepository(
        manifest,
        (repository, tip) -> {
          try (RevWalk walk = new RevWalk(repository)) {
            RevCommit target = commitOnBranch(walk, repository, manifest, commit, tip);
            try (TreeWalk tree = TreeWalk.forPath(repository, manifest.path(), target.getTree())) {
              if (tree == null) {
                throw new RolloutFailure(
                    Reasons.Rollout.NOT_FOUND,
                    manifest.path()
                        + " does not exist at commit "
                        + commit
                        + " of "
                        + where(manifest));
              }
              ObjectLoader loader = repository.open(tree.getObjectId(0), Constants.OBJ_BLOB);
              if (loader.getSize() > MAX_MANIFEST_BYTES) {
                throw new RolloutFailure(
                    Reasons.Rollout.NOT_FOUND,
                    manifest.path()
                        + " at commit "
                        + commit
                        + " is larger than 1 MiB: not a manifest");
              }
              return loader.getBytes();
            }
          }
        });
  }

  /**
   * Checks that {@code commit} is on the plan's branch.
   *
   * @throws RolloutFailure as {@link #read}
   */
  public void requireOnBranch(ManifestSpec manifest, String commit) {
    withRepository(
        manifest,
        (repository, tip) -> {
          try (RevWalk walk = new RevWalk(repository)) {
            return commitOnBranch(walk, repository, manifest, commit, tip);
          }
        });
  }

  /**
   * The distribute and promote commits of rotation {@code rotationId} on the plan's branch, newest
   * first from the branch tip, within {@code rotor.cluster-agent.git.history-depth} commits.
   *
   * @throws RolloutFailure GIT_UNAVAILABLE when the repository cannot be fetched; NOT_FOUND when
   *     the trailers are not there
   */
  public RotationCommits findRotation(ManifestSpec manifest, String rotationId) {
    return withRepository(
        manifest,
        (repository, tip) -> {
          String distribute = null;
          String promote = null;
          String fingerprint = null;
          try (RevWalk walk = new RevWalk(repository)) {
            walk.markStart(walk.parseCommit(tip));
            int seen = 0;
            for (RevCommit commit : walk) {
              if (++seen > config.historyDepth() || (distribute != null && promote != null)) {
                break;
              }
              Map<String, String> trailers = trailers(commit);
              if (!rotationId.equals(trailers.get(TRAILER_ROTATION))) {
                continue;
              }
              String phase = trailers.getOrDefault(TRAILER_PHASE, "");
              if (phase.equals("distribute") && distribute == null) {
                distribute = commit.name();
                fingerprint = validFingerprint(trailers.get(TRAILER_FINGERPRINT), fingerprint);
              } else if (phase.equals("promote") && promote == null) {
                promote = commit.name();
                fingerprint = validFingerprint(trailers.get(TRAILER_FINGERPRINT), fingerprint);
              }
            }
          }
          if (distribute == null || promote == null || fingerprint == null) {
            throw new RolloutFailure(
                Reasons.Rollout.NOT_FOUND,
                "no "
                    + (distribute == null
                        ? "distribute"
                        : promote == null ? "promote" : "fingerprint")
                    + " commit of rotation "
                    + rotationId
                    + " ("
                    + TRAILER_ROTATION
                    + ", "
                    + TRAILER_PHASE
                    + ", "
                    + TRAILER_FINGERPRINT
                    + " trailers) among the last "
                    + config.historyDepth()
                    + " commits of "
                    + where(manifest));
          }
          return new RotationCommits(distribute, promote, fingerprint);
        });
  }

  private RevCommit commitOnBranch(
      RevWalk walk, Repository repository, ManifestSpec manifest, String commit, ObjectId tip)
      throws IOException {
    if (commit == null || !ObjectId.isId(commit)) {
      throw new RolloutFailure(
          Reasons.Rollout.NOT_FOUND, "'" + shorten(commit) + "' is not a full commit id");
    }
    RevCommit target;
    try {
      target = walk.parseCommit(ObjectId.fromString(commit));
    } catch (MissingObjectException e) {
      throw new RolloutFailure(
          Reasons.Rollout.NOT_FOUND,
          "commit "
              + commit
              + " is not on "
              + where(manifest)
              + ": the agent applies only what was merged there");
    }
    if (!walk.isMergedInto(target, walk.parseCommit(tip))) {
      throw new RolloutFailure(
          Reasons.Rollout.NOT_PERMITTED,
          "commit "
              + commit
              + " is not on "
              + where(manifest)
              + ": the agent applies only what was merged there");
    }
    return target;
  }

  private interface RepositoryWork<T> {
    T run(Repository repository, ObjectId tip) throws IOException;
  }

  /** A fetch that fails is tried this many times in all before the phase fails. */
  static final int FETCH_ATTEMPTS = 3;

  private <T> T withRepository(ManifestSpec manifest, RepositoryWork<T> work) {
    Backoff backoff = new Backoff(retry.initialBackoff(), retry.maxBackoff());
    for (int attempt = 1; ; attempt++) {
      try {
        return withRepositoryOnce(manifest, work);
      } catch (RolloutFailure failure) {
        if (failure.reason() != Reasons.Rollout.GIT_UNAVAILABLE
            || failure.isRefused()
            || attempt >= FETCH_ATTEMPTS) {
          throw failure;
        }
        LOG.warnf(
            "ROTOR-3043 %s; trying again (%d of %d)",
            failure.getMessage(), attempt + 1, FETCH_ATTEMPTS);
        Pauses.pause(backoff.next());
      }
    }
  }

  private <T> T withRepositoryOnce(ManifestSpec manifest, RepositoryWork<T> work) {
    long asked = System.nanoTime();
    String url = manifest.repository();
    String branchKey = url + "\n" + manifest.branch();
    ReentrantLock lock = locks.computeIfAbsent(url, u -> new ReentrantLock());
    lock.lock();
    try (Repository repository = open(url)) {
      Fetched last = fetched.get(branchKey);
      ObjectId tip;
      if (last != null && last.startedNanos() - asked > 0) {
        // Many jobs of one repository at once (a fleet's merges): one fetch serves them all.
        fetchesShared.increment();
        tip = last.tip();
      } else {
        long started = System.nanoTime();
        tip = fetch(repository, manifest);
        fetches.increment();
        fetched.put(branchKey, new Fetched(started, tip));
      }
      return work.run(repository, tip);
    } catch (IOException e) {
      throw new RolloutFailure(
          Reasons.Rollout.GIT_UNAVAILABLE,
          "cannot read the local copy of "
              + safeUrl(url)
              + " ("
              + e.getClass().getSimpleName()
              + ")");
    } finally {
      lock.unlock();
    }
  }

  private ObjectId fetch(Repository repository, ManifestSpec manifest) throws IOException {
    String remoteRef = "refs/remotes/origin/" + manifest.branch();
    try (Git git = new Git(repository)) {
      var fetch =
          git.fetch()
              .setRemote(manifest.repository())
              .setRefSpecs(new RefSpec("+refs/heads/" + manifest.branch() + ":" + remoteRef))
              .setTimeout((int) Math.max(1, config.timeout().toSeconds()));
      boolean overSsh = GitSsh.isSshUrl(manifest.repository());
      CredentialsProvider credentials = overSsh ? null : credentials();
      if (credentials != null) {
        fetch.setCredentialsProvider(credentials);
      }
      // Never JGit's default SSH session factory (it would read ~/.ssh): the agent's key, or none.
      fetch.setTransportConfigCallback(
          ssh != null
              ? ssh.transportConfig()
              : GitSsh.refusing(
                  "no SSH key is configured: set rotor.cluster-agent.git.ssh-key-file and"
                      + " rotor.cluster-agent.git.ssh-known-hosts-file"));
      fetch.call();
    } catch (GitAPIException e) {
      if (GitSsh.isSshUrl(manifest.repository())) {
        refusedOverSsh(manifest, e);
      }
      throw new RolloutFailure(
          Reasons.Rollout.GIT_UNAVAILABLE,
          "cannot fetch branch "
              + manifest.branch()
              + " of "
              + safeUrl(manifest.repository())
              + ": "
              + safeMessage(e.getMessage(), manifest.repository()));
    } catch (RuntimeException e) {
      throw new RolloutFailure(
          Reasons.Rollout.GIT_UNAVAILABLE,
          "cannot fetch branch "
              + manifest.branch()
              + " of "
              + safeUrl(manifest.repository())
              + " ("
              + e.getClass().getSimpleName()
              + ")");
    }
    ObjectId tip = repository.resolve(remoteRef);
    if (tip == null) {
      throw new RolloutFailure(
          Reasons.Rollout.NOT_FOUND,
          "branch " + manifest.branch() + " does not exist in " + safeUrl(manifest.repository()));
    }
    LOG.debugf(
        "fetched %s: %s at %s", safeUrl(manifest.repository()), manifest.branch(), tip.name());
    return tip;
  }

  /** Throws a final GIT_UNAVAILABLE when SSH refused the connection for a reason retries keep. */
  private static void refusedOverSsh(ManifestSpec manifest, GitAPIException e) {
    String where =
        "cannot fetch branch " + manifest.branch() + " of " + safeUrl(manifest.repository()) + ": ";
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof GitSsh.NotConfiguredException n) {
        throw RolloutFailure.refused(Reasons.Rollout.GIT_UNAVAILABLE, where + n.reason());
      }
    }
    GitSsh.refusalOf(e)
        .ifPresent(
            refusal -> {
              throw RolloutFailure.refused(
                  Reasons.Rollout.GIT_UNAVAILABLE,
                  where
                      + refusal.description()
                      + (refusal == GitSsh.Refusal.HOST_KEY
                          ? "; rotor.cluster-agent.git.ssh-known-hosts-file"
                          : "; rotor.cluster-agent.git.ssh-key-file"));
            });
  }

  @PreDestroy
  void close() {
    if (ssh != null) {
      ssh.close();
    }
  }

  private Repository open(String url) throws IOException {
    Path directory = config.cacheDirectory().resolve(digest(url));
    Files.createDirectories(directory);
    Repository repository = new FileRepositoryBuilder().setGitDir(directory.toFile()).build();
    if (!repository.getObjectDatabase().exists()) {
      repository.create(true);
    }
    return repository;
  }

  private CredentialsProvider credentials() {
    if (config.username().isEmpty()) {
      return null;
    }
    return new UsernamePasswordCredentialsProvider(
        config.username().get(), config.password().orElse(""));
  }

  private static Map<String, String> trailers(RevCommit commit) {
    Map<String, String> trailers = new java.util.HashMap<>();
    List<FooterLine> lines = commit.getFooterLines();
    for (FooterLine line : lines) {
      trailers.putIfAbsent(line.getKey(), line.getValue().trim());
    }
    return trailers;
  }

  private static String validFingerprint(String value, String previous) {
    if (previous != null) {
      return previous;
    }
    return value != null && Fingerprints.isFingerprint(value) ? value : null;
  }

  private static String where(ManifestSpec manifest) {
    return "branch " + manifest.branch() + " of " + safeUrl(manifest.repository());
  }

  /** The URL without user information (credentials never belong in a URL, but never log one). */
  static String safeUrl(String url) {
    return url.replaceAll("//[^/@]*@", "//");
  }

  private static String safeMessage(String message, String url) {
    if (message == null) {
      return "no detail";
    }
    return message.replace(url, safeUrl(url)).replaceAll("//[^/@\\s]*@", "//");
  }

  private static String shorten(String value) {
    if (value == null) {
      return "";
    }
    return value.length() > 64 ? value.substring(0, 64) + "..." : value;
  }

  private static String digest(String url) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(url.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
