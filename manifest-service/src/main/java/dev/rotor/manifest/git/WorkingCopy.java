package dev.rotor.manifest.git;

import dev.rotor.manifest.RotationFailedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.TransportConfigCallback;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.NullProgressMonitor;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.TreeFormatter;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevSort;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.PushResult;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.RemoteRefUpdate;
import org.eclipse.jgit.transport.Transport;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.treewalk.CanonicalTreeParser;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.util.Paths;

/**
 * One bare working copy of a remote, for the length of one operation: fetch, read a file at a
 * commit, write blobs, trees and commits, push with an expected old value (so a moved branch is
 * noticed, never overwritten).
 */
public final class WorkingCopy {
  /** Where fetched branches are kept: {@code refs/remotes/origin/<branch>}. */
  static final String REMOTE_PREFIX = "refs/remotes/origin/";

  private final Repository repository;
  private final String url;
  private final CredentialsProvider credentials;
  private final TransportConfigCallback transport;
  private final Duration timeout;

  WorkingCopy(
      Repository repository,
      String url,
      CredentialsProvider credentials,
      TransportConfigCallback transport,
      Duration timeout) {
    this.repository = repository;
    this.url = url;
    this.credentials = credentials;
    this.transport = transport;
    this.timeout = timeout;
  }

  /** Opens a transport to the remote with the credentials, SSH settings and timeout. */
  private Transport open() throws java.net.URISyntaxException, IOException {
    Transport opened = Transport.open(repository, new URIish(url));
    opened.setCredentialsProvider(credentials);
    opened.setTimeout(timeoutSeconds());
    if (transport != null) {
      transport.configure(opened);
    }
    return opened;
  }

  public Repository repository() {
    return repository;
  }

  public String url() {
    return url;
  }

  /**
   * Fetches the given branches ({@code main}) and branch patterns ({@code rotor/*}) from the
   * remote, pruning what the remote deleted.
   */
  public void fetch(String... branches) {
    List<RefSpec> specs = new ArrayList<>();
    for (String branch : branches) {
      specs.add(new RefSpec("+refs/heads/" + branch + ":" + REMOTE_PREFIX + branch));
    }
    try (Git git = Git.wrap(repository)) {
      git.fetch()
          .setRemote(url)
          .setRefSpecs(specs)
          .setRemoveDeletedRefs(true)
          .setCredentialsProvider(credentials)
          .setTransportConfigCallback(transport)
          .setTimeout(timeoutSeconds())
          .call();
    } catch (GitAPIException | RuntimeException e) {
      throw GitRefusal.of(url, "fetch", e);
    }
  }

  /** The fetched tip of a remote branch. */
  public Optional<RevCommit> tip(String branch) {
    try {
      Ref ref = repository.exactRef(REMOTE_PREFIX + branch);
      return ref == null ? Optional.empty() : Optional.of(parse(ref.getObjectId()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Parses a commit (with its message). */
  public RevCommit parse(ObjectId id) {
    try (RevWalk walk = new RevWalk(repository)) {
      RevCommit commit = walk.parseCommit(id);
      walk.parseBody(commit);
      return commit;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether the repository has the object (a commit fetched before). */
  public boolean has(ObjectId id) {
    try {
      return repository.getObjectDatabase().has(id);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The blob id of {@code path} at {@code commit}; empty when there is no such file.
   *
   * @throws RotationFailedException {@code MANIFEST_INVALID} when the path, or a folder on it, is a
   *     symbolic link or a submodule (it would lead out of the repository)
   */
  public Optional<ObjectId> blobAt(RevCommit commit, String path) {
    String[] parts = ManifestPaths.requireInside(path).split("/");
    try (ObjectReader reader = repository.newObjectReader()) {
      ObjectId tree = commit.getTree();
      for (int i = 0; i < parts.length; i++) {
        try (TreeWalk walk = new TreeWalk(reader)) {
          walk.addTree(tree);
          walk.setRecursive(false);
          ObjectId found = null;
          FileMode mode = null;
          while (walk.next()) {
            if (walk.getNameString().equals(parts[i])) {
              found = walk.getObjectId(0);
              mode = walk.getFileMode(0);
              break;
            }
          }
          if (found == null) {
            return Optional.empty();
          }
          String sofar = String.join("/", java.util.Arrays.copyOf(parts, i + 1));
          if (mode == FileMode.SYMLINK) {
            throw RotationFailedException.invalid(
                path
                    + ": "
                    + sofar
                    + " is a symbolic link; it could lead out of the repository, so Rotor edits"
                    + " regular files only");
          }
          if (mode == FileMode.GITLINK) {
            throw RotationFailedException.invalid(
                path + ": " + sofar + " is a submodule; the manifest must be in this repository");
          }
          boolean last = i == parts.length - 1;
          if (last) {
            if (mode == FileMode.TREE) {
              throw RotationFailedException.invalid(path + ": is a folder, not a manifest file");
            }
            return Optional.of(found);
          }
          if (mode != FileMode.TREE) {
            return Optional.empty();
          }
          tree = found;
        }
      }
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The bytes of a blob. */
  public byte[] read(ObjectId blob) {
    try (ObjectReader reader = repository.newObjectReader()) {
      return reader.open(blob, Constants.OBJ_BLOB).getCachedBytes(Integer.MAX_VALUE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The mode of {@code path} at {@code commit} (regular or executable). */
  FileMode modeAt(RevCommit commit, String path) {
    try (TreeWalk walk = TreeWalk.forPath(repository, path, commit.getTree())) {
      return walk == null ? FileMode.REGULAR_FILE : walk.getFileMode(0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Writes {@code content} at {@code path} into the tree of {@code parent} and commits it on top of
   * {@code parent}. Only the trees on the path are written again: a repository with thousands of
   * manifests costs one tree per folder level, not one per folder.
   */
  public ObjectId commitFile(
      RevCommit parent,
      String path,
      byte[] content,
      PersonIdent author,
      PersonIdent committer,
      String message) {
    try (ObjectInserter inserter = repository.newObjectInserter();
        ObjectReader reader = repository.newObjectReader()) {
      ObjectId blob = inserter.insert(Constants.OBJ_BLOB, content);
      FileMode mode = modeAt(parent, path);
      ObjectId tree =
          replaceOnPath(
              inserter,
              reader,
              parent.getTree(),
              path.split("/"),
              0,
              mode == FileMode.EXECUTABLE_FILE ? mode : FileMode.REGULAR_FILE,
              blob);
      CommitBuilder commit = new CommitBuilder();
      commit.setTreeId(tree);
      commit.setParentId(parent);
      commit.setAuthor(author);
      commit.setCommitter(committer);
      commit.setMessage(message);
      ObjectId id = inserter.insert(commit);
      inserter.flush();
      return id;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private record TreeEntry(byte[] name, FileMode mode, ObjectId id) {}

  /**
   * A copy of {@code tree} (null: an empty one) with {@code parts[depth..]} pointing at {@code
   * blob}: the other entries stay as they are, in Git's order.
   */
  private static ObjectId replaceOnPath(
      ObjectInserter inserter,
      ObjectReader reader,
      ObjectId tree,
      String[] parts,
      int depth,
      FileMode mode,
      ObjectId blob)
      throws IOException {
    byte[] own = parts[depth].getBytes(StandardCharsets.UTF_8);
    List<TreeEntry> entries = new ArrayList<>();
    ObjectId subtree = null;
    if (tree != null) {
      CanonicalTreeParser parser = new CanonicalTreeParser();
      parser.reset(reader, tree);
      for (; !parser.eof(); parser.next()) {
        byte[] name = new byte[parser.getNameLength()];
        parser.getName(name, 0);
        if (Arrays.equals(name, own)) {
          if (parser.getEntryFileMode() == FileMode.TREE) {
            subtree = parser.getEntryObjectId();
          }
          continue;
        }
        entries.add(new TreeEntry(name, parser.getEntryFileMode(), parser.getEntryObjectId()));
      }
    }
    boolean last = depth == parts.length - 1;
    entries.add(
        last
            ? new TreeEntry(own, mode, blob)
            : new TreeEntry(
                own,
                FileMode.TREE,
                replaceOnPath(inserter, reader, subtree, parts, depth + 1, mode, blob)));
    entries.sort(
        (a, b) ->
            Paths.compare(
                a.name(),
                0,
                a.name().length,
                a.mode().getBits(),
                b.name(),
                0,
                b.name().length,
                b.mode().getBits()));
    TreeFormatter formatter = new TreeFormatter();
    for (TreeEntry e : entries) {
      formatter.append(e.name(), e.mode(), e.id());
    }
    return formatter.insertTo(inserter);
  }

  /** A commit with {@code parent}'s tree: changes nothing, records a step. */
  public ObjectId commitEmpty(
      RevCommit parent, PersonIdent author, PersonIdent committer, String message) {
    try (ObjectInserter inserter = repository.newObjectInserter()) {
      CommitBuilder commit = new CommitBuilder();
      commit.setTreeId(parent.getTree());
      commit.setParentId(parent);
      commit.setAuthor(author);
      commit.setCommitter(committer);
      commit.setMessage(message);
      ObjectId id = inserter.insert(commit);
      inserter.flush();
      return id;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What a push of one branch did. */
  public enum PushOutcome {
    /** The branch now points at the new commit. */
    UPDATED,
    /** The branch had moved (or exists already, for a create): nothing changed. */
    MOVED,
    /** The server refused this branch's update (protection, a hook); see the message. */
    REFUSED
  }

  /**
   * One branch update of a push: {@code newId} (null: delete) only if the branch is at {@code
   * expectedOld} (null: the branch must not exist).
   */
  public record BranchUpdate(String branch, ObjectId newId, ObjectId expectedOld) {}

  /** What the server did with one branch update; {@code message} says why it was refused. */
  public record BranchResult(PushOutcome outcome, String message) {}

  /**
   * Pushes {@code newId} to {@code branch}, only if the branch is at {@code expectedOld} (null: the
   * branch must not exist). Never forces.
   *
   * @throws RotationFailedException {@code GIT_REFUSED} when the server refuses the push for
   *     another reason (credentials, branch protection, a hook)
   */
  public PushOutcome push(String branch, ObjectId newId, ObjectId expectedOld) {
    BranchResult result =
        pushAll(List.of(new BranchUpdate(branch, newId, expectedOld))).get(branch);
    if (result.outcome() == PushOutcome.REFUSED) {
      throw RotationFailedException.refused(result.message());
    }
    return result.outcome();
  }

  /**
   * Pushes many branch updates in one push (one connection, one pack), each only if its branch is
   * at its expected old value. Never forces. The server decides each update on its own: the result
   * says, per branch, whether it was updated, had moved, or was refused.
   *
   * @throws RotationFailedException {@code GIT_REFUSED} when the push as a whole is refused
   *     (credentials, repository not found)
   * @throws dev.rotor.manifest.TransientException when the server cannot be reached
   */
  public Map<String, BranchResult> pushAll(List<BranchUpdate> updates) {
    Map<String, BranchResult> results = new LinkedHashMap<>();
    if (updates.isEmpty()) {
      return results;
    }
    try (Transport transport = open()) {
      List<RemoteRefUpdate> refUpdates = new ArrayList<>();
      for (BranchUpdate u : updates) {
        String ref = "refs/heads/" + u.branch();
        ObjectId expected = u.expectedOld() == null ? ObjectId.zeroId() : u.expectedOld();
        refUpdates.add(
            u.newId() == null
                ? new RemoteRefUpdate(repository, (String) null, ref, false, null, expected)
                : new RemoteRefUpdate(
                    repository, u.newId().name(), u.newId(), ref, false, null, expected));
      }
      PushResult result = transport.push(NullProgressMonitor.INSTANCE, refUpdates);
      for (BranchUpdate u : updates) {
        RemoteRefUpdate done = result.getRemoteUpdate("refs/heads/" + u.branch());
        results.put(u.branch(), resultOf(u, done));
      }
      return results;
    } catch (RotationFailedException e) {
      throw e;
    } catch (Exception e) {
      throw GitRefusal.of(url, "push", e);
    }
  }

  private BranchResult resultOf(BranchUpdate update, RemoteRefUpdate done) {
    if (done == null) {
      return new BranchResult(
          PushOutcome.REFUSED,
          "Git did not report on the push to " + update.branch() + " of " + GitRefusal.redact(url));
    }
    switch (done.getStatus()) {
      case OK:
      case UP_TO_DATE:
        return new BranchResult(PushOutcome.UPDATED, null);
      case NON_EXISTING:
        return new BranchResult(
            update.newId() == null ? PushOutcome.UPDATED : PushOutcome.MOVED, null);
      case REJECTED_NONFASTFORWARD:
      case REJECTED_REMOTE_CHANGED:
        return new BranchResult(PushOutcome.MOVED, null);
      default:
        return new BranchResult(
            PushOutcome.REFUSED,
            "Git refused the push to "
                + update.branch()
                + " of "
                + GitRefusal.redact(url)
                + ": "
                + done.getStatus()
                + (done.getMessage() == null
                    ? ""
                    : " (" + GitRefusal.redact(done.getMessage()) + ")"));
    }
  }

  /**
   * Deletes remote branches, each if it still points at its expected value, in one push; a failure
   * is only logged by the caller.
   *
   * @return the branches that are gone
   */
  public List<String> deleteBranches(Map<String, ObjectId> expected) {
    List<BranchUpdate> updates = new ArrayList<>();
    expected.forEach((branch, id) -> updates.add(new BranchUpdate(branch, null, id)));
    try {
      List<String> gone = new ArrayList<>();
      pushAll(updates)
          .forEach(
              (branch, r) -> {
                if (r.outcome() == PushOutcome.UPDATED) {
                  gone.add(branch);
                }
              });
      return gone;
    } catch (RuntimeException e) {
      return List.of();
    }
  }

  /** Deletes a remote branch if it still points at {@code expected}; a failure is only logged. */
  public boolean deleteBranch(String branch, ObjectId expected) {
    String ref = "refs/heads/" + branch;
    try (Transport transport = open()) {
      RemoteRefUpdate update =
          new RemoteRefUpdate(repository, (String) null, ref, false, null, expected);
      PushResult result = transport.push(NullProgressMonitor.INSTANCE, List.of(update));
      RemoteRefUpdate.Status status = result.getRemoteUpdate(ref).getStatus();
      return status == RemoteRefUpdate.Status.OK || status == RemoteRefUpdate.Status.NON_EXISTING;
    } catch (Exception e) {
      return false;
    }
  }

  /**
   * The commits reachable from {@code tip} and not from {@code stop} (null: no limit), newest first
   * in topological order, at most {@code limit}.
   */
  public List<RevCommit> commitsBetween(ObjectId stop, ObjectId tip, int limit) {
    List<RevCommit> commits = new ArrayList<>();
    try (RevWalk walk = new RevWalk(repository)) {
      walk.sort(RevSort.TOPO);
      walk.markStart(walk.parseCommit(tip));
      if (stop != null && has(stop)) {
        walk.markUninteresting(walk.parseCommit(stop));
      }
      for (RevCommit c : walk) {
        walk.parseBody(c);
        commits.add(c);
        if (commits.size() >= limit) {
          break;
        }
      }
      return commits;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether {@code ancestor} is reachable from {@code descendant}. */
  public boolean isAncestor(ObjectId ancestor, ObjectId descendant) {
    try (RevWalk walk = new RevWalk(repository)) {
      return walk.isMergedInto(walk.parseCommit(ancestor), walk.parseCommit(descendant));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The newest commit after {@code since} (reachable from {@code tip}) that changed {@code path},
   * if any: the change Rotor must not overwrite.
   */
  public Optional<RevCommit> lastChangeOf(String path, ObjectId since, ObjectId tip, int limit) {
    for (RevCommit commit : commitsBetween(since, tip, limit)) {
      Optional<ObjectId> now = blobAt(commit, path);
      // A commit that introduced a content: it differs from every parent. A merge that only
      // carried another commit's change through is not the culprit; that commit is.
      boolean changed = true;
      for (RevCommit parent : commit.getParents()) {
        if (now.equals(blobAt(parse(parent), path))) {
          changed = false;
        }
      }
      if (commit.getParentCount() == 0) {
        changed = now.isPresent();
      }
      if (changed) {
        return Optional.of(commit);
      }
    }
    return Optional.empty();
  }

  private int timeoutSeconds() {
    return (int) Math.max(1, timeout.toSeconds());
  }
}
