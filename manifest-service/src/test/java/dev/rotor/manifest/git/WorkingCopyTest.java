package dev.rotor.manifest.git;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheBuilder;
import org.eclipse.jgit.dircache.DirCacheEditor;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.junit.jupiter.api.Test;

/** The trees {@link WorkingCopy#commitFile} writes, compared with Git's own index. */
class WorkingCopyTest {
  private static final PersonIdent PERSON = new PersonIdent("Rotor", "rotor@rotor.invalid");

  @Test
  void aCommittedFileGivesTheSameTreeAsGitsIndexWouldWhateverItsFolderAndNeighbours()
      throws Exception {
    Path dir =
        Paths.get(System.getProperty("rotor.test.tmpdir", "target"))
            .toAbsolutePath()
            .resolve("wc-" + UUID.randomUUID().toString().substring(0, 8) + ".git");
    try (Repository repo = new FileRepositoryBuilder().setGitDir(dir.toFile()).setBare().build()) {
      repo.create(true);
      // Names whose order differs between files and folders ("a-b" < "a/" < "a0", "a.yaml").
      List<String> files =
          List.of(
              "README.md",
              "apps/a-b/secret.yaml",
              "apps/a/secret.yaml",
              "apps/a.yaml",
              "apps/a0/secret.yaml",
              "run.sh",
              "deep/x/y/z/secret.yaml");
      RevCommit base;
      try (ObjectInserter inserter = repo.newObjectInserter()) {
        DirCache index = DirCache.newInCore();
        DirCacheBuilder builder = index.builder();
        for (String f : files) {
          DirCacheEntry entry = new DirCacheEntry(f);
          entry.setFileMode(f.endsWith(".sh") ? FileMode.EXECUTABLE_FILE : FileMode.REGULAR_FILE);
          entry.setObjectId(
              inserter.insert(Constants.OBJ_BLOB, f.getBytes(StandardCharsets.UTF_8)));
          builder.add(entry);
        }
        builder.finish();
        CommitBuilder commit = new CommitBuilder();
        commit.setTreeId(index.writeTree(inserter));
        commit.setAuthor(PERSON);
        commit.setCommitter(PERSON);
        commit.setMessage("base");
        ObjectId id = inserter.insert(commit);
        inserter.flush();
        base = repo.parseCommit(id);
      }
      WorkingCopy wc = new WorkingCopy(repo, "file:///unused", null, null, Duration.ofSeconds(5));

      for (String path :
          List.of(
              "apps/a/secret.yaml",
              "apps/a-b/secret.yaml",
              "apps/a.yaml",
              "run.sh",
              "deep/x/y/z/secret.yaml",
              "apps/new/secret.yaml",
              "new/secret.yaml")) {
        byte[] content = ("changed " + path).getBytes(StandardCharsets.UTF_8);
        RevCommit written = wc.parse(wc.commitFile(base, path, content, PERSON, PERSON, "edit"));
        assertThat(written.getTree().getId())
            .as(path)
            .isEqualTo(viaIndex(repo, base, path, content));
        assertThat(wc.read(wc.blobAt(written, path).orElseThrow())).isEqualTo(content);
      }
    }
  }

  /** The tree Git's index gives for the same edit. */
  private static ObjectId viaIndex(Repository repo, RevCommit parent, String path, byte[] content)
      throws Exception {
    try (ObjectInserter inserter = repo.newObjectInserter();
        ObjectReader reader = repo.newObjectReader()) {
      ObjectId blob = inserter.insert(Constants.OBJ_BLOB, content);
      DirCache index = DirCache.newInCore();
      DirCacheBuilder builder = index.builder();
      builder.addTree(new byte[0], DirCacheEntry.STAGE_0, reader, parent.getTree());
      builder.finish();
      FileMode mode = path.endsWith(".sh") ? FileMode.EXECUTABLE_FILE : FileMode.REGULAR_FILE;
      DirCacheEditor editor = index.editor();
      editor.add(
          new DirCacheEditor.PathEdit(path) {
            @Override
            public void apply(DirCacheEntry entry) {
              entry.setFileMode(mode);
              entry.setObjectId(blob);
            }
          });
      editor.finish();
      ObjectId tree = index.writeTree(inserter);
      inserter.flush();
      return tree;
    }
  }
}
