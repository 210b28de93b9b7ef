package dev.rotor.testsupport.git;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.RefSpec;

/**
 * The bare repositories a test Git server serves from one root folder ({@link GitServer} over HTTP,
 * {@link SshGitServer} over SSH): creating them, committing to them as a person would, and opening
 * them for inspection.
 */
final class ServedRepositories {
  private final Path root;

  ServedRepositories(Path root) {
    this.root = root;
  }

  /** Creates an empty bare repository {@code name} whose branch is {@code main}. */
  void create(String name) {
    try (Git git =
        Git.init()
            .setBare(true)
            .setDirectory(directory(name).toFile())
            .setInitialBranch("main")
            .call()) {
      // created
    } catch (GitAPIException e) {
      throw new IllegalStateException("cannot create repository " + name, e);
    }
  }

  /**
   * Clones repository {@code name} from {@code uri} into a temporary working tree, commits {@code
   * files} (path to UTF-8 content) on {@code branch} and pushes it back.
   *
   * @param credentials for the clone and the push; null for none
   * @return the new commit id
   */
  String commit(
      String name,
      String uri,
      CredentialsProvider credentials,
      String branch,
      Map<String, String> files,
      String message) {
    Path work;
    try {
      work = Files.createTempDirectory(root, "work-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try (Git git =
        Git.cloneRepository()
            .setURI(uri)
            .setCredentialsProvider(credentials)
            .setDirectory(work.toFile())
            .call()) {
      if (git.getRepository().resolve("refs/remotes/origin/" + branch) != null) {
        git.checkout()
            .setName(branch)
            .setCreateBranch(!branch.equals(git.getRepository().getBranch()))
            .setStartPoint("origin/" + branch)
            .call();
      }
      for (Map.Entry<String, String> file : files.entrySet()) {
        Path target = work.resolve(file.getKey());
        Files.createDirectories(target.getParent());
        Files.writeString(target, file.getValue(), StandardCharsets.UTF_8);
        git.add().addFilepattern(file.getKey()).call();
      }
      PersonIdent person = new PersonIdent("Platform Engineer", "platform@example.com");
      ObjectId id =
          git.commit().setMessage(message).setAuthor(person).setCommitter(person).call().getId();
      git.push()
          .setCredentialsProvider(credentials)
          .setRefSpecs(new RefSpec("HEAD:refs/heads/" + branch))
          .call();
      return id.name();
    } catch (GitAPIException | IOException e) {
      throw new IllegalStateException("cannot commit to " + name, e);
    } finally {
      deleteRecursively(work);
    }
  }

  /** Opens the bare repository {@code name} for inspection (close it after use). */
  Repository open(String name) {
    try {
      return new FileRepositoryBuilder()
          .setGitDir(directory(name).toFile())
          .setMustExist(true)
          .build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The folder of repository {@code name}, which must lie below the root. */
  Path directory(String name) {
    Path dir = root.resolve(name).normalize();
    if (!dir.startsWith(root) || dir.equals(root)) {
      throw new IllegalArgumentException("repository name escapes the server root");
    }
    return dir;
  }

  private static void deleteRecursively(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
