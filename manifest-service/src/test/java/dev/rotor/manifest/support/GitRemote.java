package dev.rotor.manifest.support;

import dev.rotor.testsupport.git.GitServer;
import dev.rotor.testsupport.git.SshGitServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.eclipse.jgit.internal.storage.file.ObjectDirectory;
import org.eclipse.jgit.internal.storage.file.Pack;
import org.eclipse.jgit.internal.storage.file.PackIndex;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectLoader;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * A real Git remote over HTTP with basic auth (test-support's {@link GitServer}) and what tests
 * read from it: branches, history, file contents, every object; and two Git servers over SSH
 * ({@link SshGitServer}), one trusted by the service's known_hosts file and one not.
 */
public final class GitRemote implements AutoCloseable {
  public static final String WRITER = "rotor";
  public static final String PASSWORD = "s3cret-git-password-" + UUID.randomUUID();
  public static final String READER = "reader";
  public static final String READER_PASSWORD = "reader-password-" + UUID.randomUUID();

  private final Path root;
  private final GitServer server;
  private final SshGitServer ssh;
  private final SshGitServer untrustedSsh;

  public GitRemote() {
    this.root =
        Paths.get(System.getProperty("rotor.test.tmpdir", "target"))
            .toAbsolutePath()
            .resolve("git-remote-" + UUID.randomUUID().toString().substring(0, 8));
    this.server = GitServer.start(root, WRITER, PASSWORD);
    server.addReader(READER, READER_PASSWORD);
    this.ssh = SshGitServer.start(root.resolve("ssh"));
    this.untrustedSsh = SshGitServer.start(root.resolve("ssh-untrusted"));
  }

  public GitServer server() {
    return server;
  }

  /** A Git server over SSH whose host key the service trusts (its known_hosts has it). */
  public SshGitServer ssh() {
    return ssh;
  }

  /** A Git server over SSH whose host key is in no known_hosts file of the service. */
  public SshGitServer untrustedSsh() {
    return untrustedSsh;
  }

  /** A new repository holding {@code files} in one commit on {@code main}; its clone URL. */
  public String repositoryWith(String name, Map<String, String> files) {
    String url = server.createRepository(name + ".git");
    server.commit(name + ".git", "main", files, "Add manifests");
    return url;
  }

  /** A person's commit on a branch, pushed through the server; its id. */
  public String commit(String name, String branch, Map<String, String> files, String message) {
    return server.commit(name + ".git", branch, files, message);
  }

  /** How many pushes repository {@code name} received. */
  public int pushes(String name) {
    return server.pushes(name + ".git");
  }

  /** How many pushes updated (or tried to update) {@code branch} of repository {@code name}. */
  public int pushesTo(String name, String branch) {
    return server.pushesTo(name + ".git", branch);
  }

  /** Runs {@code action} once, when the next push to repository {@code name} starts. */
  public void beforeNextPush(String name, Runnable action) {
    server.beforeNextPush(name + ".git", action);
  }

  public Optional<String> branch(String name, String branch) {
    try (Repository repo = server.open(name + ".git")) {
      Ref ref = repo.exactRef("refs/heads/" + branch);
      return Optional.ofNullable(ref).map(r -> r.getObjectId().name());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every branch of the repository. */
  public List<String> branches(String name) {
    try (Repository repo = server.open(name + ".git")) {
      return repo.getRefDatabase().getRefsByPrefix("refs/heads/").stream()
          .map(r -> r.getName().substring("refs/heads/".length()))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The first-parent history of a branch, newest first. */
  public List<RevCommit> history(String name, String branch) {
    try (Repository repo = server.open(name + ".git");
        RevWalk walk = new RevWalk(repo)) {
      List<RevCommit> commits = new ArrayList<>();
      RevCommit c = walk.parseCommit(repo.resolve("refs/heads/" + branch));
      while (c != null) {
        walk.parseBody(c);
        commits.add(c);
        c = c.getParentCount() == 0 ? null : walk.parseCommit(c.getParent(0));
      }
      return commits;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public RevCommit commitOf(String name, String id) {
    try (Repository repo = server.open(name + ".git");
        RevWalk walk = new RevWalk(repo)) {
      RevCommit c = walk.parseCommit(ObjectId.fromString(id));
      walk.parseBody(c);
      return c;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A file's content at a commit, or null. */
  public String file(String name, String commit, String path) {
    try (Repository repo = server.open(name + ".git");
        RevWalk walk = new RevWalk(repo)) {
      RevCommit c = walk.parseCommit(ObjectId.fromString(commit));
      try (TreeWalk tw = TreeWalk.forPath(repo, path, c.getTree())) {
        return tw == null
            ? null
            : new String(repo.open(tw.getObjectId(0)).getBytes(), StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The content of every object in a repository, packed or loose, reachable or not. */
  public static List<byte[]> allObjects(Path gitDir, Repository repo) {
    List<byte[]> contents = new ArrayList<>();
    try {
      for (ObjectId id : objectIds(gitDir, repo)) {
        ObjectLoader loader = repo.open(id);
        contents.add(loader.getCachedBytes(Integer.MAX_VALUE));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return contents;
  }

  /** Every object of a repository on the server. */
  public List<byte[]> allObjects(String name) {
    try (Repository repo = server.open(name + ".git")) {
      return allObjects(repo.getDirectory().toPath(), repo);
    }
  }

  private static List<ObjectId> objectIds(Path gitDir, Repository repo) throws IOException {
    List<ObjectId> ids = new ArrayList<>();
    for (Pack pack : ((ObjectDirectory) repo.getObjectDatabase()).getPacks()) {
      for (PackIndex.MutableEntry entry : pack) {
        ids.add(entry.toObjectId());
      }
    }
    Path objects = gitDir.resolve("objects");
    try (Stream<Path> files = Files.walk(objects, 2)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String dir = f.getParent().getFileName().toString();
        String rest = f.getFileName().toString();
        if (dir.length() == 2 && rest.length() == 38) {
          ids.add(ObjectId.fromString(dir + rest));
        }
      }
    }
    return ids;
  }

  @Override
  public void close() {
    server.close();
    ssh.close();
    untrustedSsh.close();
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // Left for mvn clean.
    }
  }
}
