package dev.rotor.manifest.git;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.common.crypto.AgeIdentity;
import dev.rotor.common.crypto.SealedSecretSealer;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.event.Reasons;
import dev.rotor.common.plan.Plan;
import dev.rotor.manifest.RotationFailedException;
import dev.rotor.manifest.keyring.SealedEntryValues;
import dev.rotor.manifest.support.GitRemote;
import dev.rotor.manifest.support.Rotations;
import dev.rotor.manifest.support.SealingController;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Many rotations of one repository in one Git round, against a real Git server over HTTP that
 * counts the pushes it receives.
 */
class ManifestChangesBatchTest {
  private static final int TARGETS = 5;

  private static GitRemote remote;
  private static SealingController controller;
  private static AgeIdentity manifestService;

  private final List<Rotations.Generated> generated = new ArrayList<>();
  private ManifestChanges changes;
  private String name;
  private String url;
  private String base;

  @BeforeAll
  static void startGitServer() {
    remote = new GitRemote();
    controller = SealingController.generate();
    manifestService = AgeIdentity.generate();
  }

  @AfterAll
  static void stopGitServer() {
    remote.close();
    manifestService.close();
  }

  @BeforeEach
  void newRepository() {
    name = "fleet-gitops-" + UUID.randomUUID().toString().substring(0, 8);
    Map<String, String> files = new LinkedHashMap<>();
    for (int i = 1; i <= TARGETS; i++) {
      files.put(path(i), Rotations.sealedManifest(controller, "bench", secret(i), "aaaaaaaa"));
    }
    files.put("README.md", "GitOps repository\n");
    url = remote.repositoryWith(name, files);
    base = remote.branch(name, "main").orElseThrow();
    changes = changesWithCache("cache-" + name);
  }

  /**
   * Rotor's Git changes as the manifest-service makes them, with the test remote's writer
   * credentials and a working-copy cache of its own under the test folder.
   */
  static ManifestChanges changesWithCache(String directory) {
    Path cache =
        Paths.get(System.getProperty("rotor.test.tmpdir", "target"))
            .toAbsolutePath()
            .resolve(directory);
    return new ManifestChanges(
        new GitRepositories(
            cache,
            u -> Optional.of(new GitCredentials(GitRemote.WRITER, GitRemote.PASSWORD)),
            Duration.ofSeconds(60)),
        new ManifestChanges.Settings(
            "Rotor", "rotor@rotor.invalid", "users.example.com", 500, 3, true),
        Clock.systemUTC());
  }

  @AfterEach
  void closeKeys() {
    generated.forEach(g -> g.key().close());
  }

  private static String secret(int i) {
    return "app-" + i + "-config";
  }

  private static String path(int i) {
    return "apps/app-" + i + "/secret.yaml";
  }

  private KeyGenerated key(int i, String path) {
    Plan plan = Rotations.sealedPlan(url, "bench", secret(i), path, controller);
    Rotations.Generated g =
        Rotations.generate(plan, "rot-" + i + "-" + UUID.randomUUID(), "alice", manifestService);
    generated.add(g);
    return g.event();
  }

  private List<KeyGenerated> keys() {
    List<KeyGenerated> keys = new ArrayList<>();
    for (int i = 1; i <= TARGETS; i++) {
      keys.add(key(i, path(i)));
    }
    return keys;
  }

  private List<ManifestChanges.Outcome<ManifestChanges.Proposal>> proposeAll(
      List<KeyGenerated> keys) {
    List<ManifestChanges.ProposalRequest> requests = new ArrayList<>();
    for (KeyGenerated key : keys) {
      requests.add(new ManifestChanges.ProposalRequest(key, SealedEntryValues.of(key)));
    }
    try {
      return changes.proposeAll(requests);
    } finally {
      requests.forEach(r -> r.values().close());
    }
  }

  private List<ManifestChanges.Outcome<ManifestChanges.Merged>> mergeAll(
      List<KeyGenerated> keys, List<ManifestChanges.Proposal> proposals) {
    List<ManifestChanges.Proposed> proposed = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      proposed.add(
          new ManifestChanges.Proposed(
              keys.get(i).plan(),
              keys.get(i).rotationId(),
              proposals.get(i).branch(),
              proposals.get(i).distributeCommit(),
              proposals.get(i).promoteCommit()));
    }
    return changes.mergeAll(proposed);
  }

  private static <T> List<T> results(List<ManifestChanges.Outcome<T>> outcomes) {
    return outcomes.stream().map(ManifestChanges.Outcome::get).toList();
  }

  private String primaryKeyIdAt(String commit, KeyGenerated key) {
    String manifest = remote.file(name, commit, key.plan().manifest().path());
    String primary =
        manifest
            .lines()
            .filter(l -> l.strip().startsWith("keyring.primary:"))
            .findFirst()
            .orElseThrow()
            .strip()
            .substring("keyring.primary:".length())
            .strip();
    return new String(
        SealedSecretSealer.unseal(
            controller.keyPair().getPrivate(), "bench", key.plan().secretName(), primary),
        StandardCharsets.US_ASCII);
  }

  @Test
  void manyProposalsOfOneRepositoryArePushedInOnePushEachOnItsOwnBranchAsIfAlone() {
    List<KeyGenerated> keys = keys();
    int before = remote.pushes(name);

    List<ManifestChanges.Proposal> proposals = results(proposeAll(keys));

    assertThat(remote.pushes(name) - before).isEqualTo(1);
    for (int i = 0; i < keys.size(); i++) {
      KeyGenerated key = keys.get(i);
      ManifestChanges.Proposal proposal = proposals.get(i);
      assertThat(proposal.reused()).isFalse();
      assertThat(proposal.branch())
          .isEqualTo(ManifestChanges.branchFor(key.targetId(), key.rotationId()));
      assertThat(remote.branch(name, proposal.branch())).contains(proposal.promoteCommit());
      RevCommit promote = remote.commitOf(name, proposal.promoteCommit());
      RevCommit distribute = remote.commitOf(name, proposal.distributeCommit());
      assertThat(promote.getParent(0).name()).isEqualTo(distribute.name());
      assertThat(distribute.getParent(0).name()).isEqualTo(base);
      assertThat(Trailers.of(distribute))
          .containsEntry("Rotor-Rotation-Id", key.rotationId())
          .containsEntry("Rotor-Target", key.targetId())
          .containsEntry("Rotor-Phase", "distribute")
          .containsEntry("Rotor-Keyring-Primary", "aaaaaaaa");
      assertThat(Trailers.of(promote))
          .containsEntry("Rotor-Rotation-Id", key.rotationId())
          .containsEntry("Rotor-Phase", "promote")
          .containsEntry("Rotor-Keyring-Primary", key.keyId());
      assertThat(promote.getAuthorIdent().getName()).isEqualTo("alice");
      assertThat(promote.getCommitterIdent().getName()).isEqualTo("Rotor");
      assertThat(primaryKeyIdAt(proposal.promoteCommit(), key)).isEqualTo(key.keyId());
    }
    assertThat(remote.branch(name, "main")).contains(base);

    // A replay after a crash between the push and the database finds every branch.
    int pushed = remote.pushes(name);
    List<ManifestChanges.Proposal> again = results(proposeAll(keys));
    assertThat(again).allMatch(ManifestChanges.Proposal::reused);
    assertThat(again.stream().map(ManifestChanges.Proposal::promoteCommit))
        .containsExactlyElementsOf(
            proposals.stream().map(ManifestChanges.Proposal::promoteCommit).toList());
    assertThat(remote.pushes(name)).isEqualTo(pushed);
  }

  @Test
  void aRotationWhoseManifestCannotBeChangedFailsAloneAndTheOthersArePushed() {
    List<KeyGenerated> keys = keys();
    keys.set(2, key(3, "apps/app-3/missing.yaml"));
    int before = remote.pushes(name);

    List<ManifestChanges.Outcome<ManifestChanges.Proposal>> outcomes = proposeAll(keys);

    assertThat(outcomes.get(2).failure())
        .isInstanceOfSatisfying(
            RotationFailedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reasons.RotationFailure.MANIFEST_INVALID))
        .hasMessageContaining("apps/app-3/missing.yaml");
    for (int i : List.of(0, 1, 3, 4)) {
      ManifestChanges.Proposal proposal = outcomes.get(i).get();
      assertThat(remote.branch(name, proposal.branch())).contains(proposal.promoteCommit());
    }
    assertThat(remote.branches(name))
        .noneMatch(b -> b.contains(keys.get(2).rotationId().substring(0, 8)));
    assertThat(remote.pushes(name) - before).isEqualTo(1);
  }

  @Test
  void aRotationWhoseBranchUpdateIsRejectedIsLookedAtAgainAloneAndNoOtherIsLostOrDoubled() {
    List<KeyGenerated> keys = keys();
    KeyGenerated taken = keys.get(1);
    String branch = ManifestChanges.branchFor(taken.targetId(), taken.rotationId());
    // Someone creates that rotation's branch while Rotor pushes: only its ref update is rejected.
    remote.beforeNextPush(
        name, () -> remote.commit(name, branch, Map.of("README.md", "not Rotor's\n"), "Squat"));
    String squat = "rotor/bench/" + secret(2) + "/" + taken.rotationId();

    List<ManifestChanges.Proposal> proposals = results(proposeAll(keys));

    // The rotation takes its long branch name on the next attempt, as when another rotation owns
    // the short one; the squatter's branch stays as it is.
    assertThat(proposals.get(1).branch()).isEqualTo(squat);
    assertThat(remote.history(name, branch).get(0).getShortMessage()).isEqualTo("Squat");
    for (int i = 0; i < keys.size(); i++) {
      ManifestChanges.Proposal proposal = proposals.get(i);
      assertThat(remote.branch(name, proposal.branch())).contains(proposal.promoteCommit());
      assertThat(remote.history(name, proposal.branch())).hasSize(3);
      assertThat(remote.history(name, proposal.branch()).get(2).name()).isEqualTo(base);
    }
    assertThat(remote.branches(name)).hasSize(1 + 1 + keys.size());
    assertThat(remote.pushesTo(name, proposals.get(0).branch())).isEqualTo(1);
    assertThat(remote.pushesTo(name, squat)).isEqualTo(1);
  }

  @Test
  void approvedRotationsAreMergedAsALinearChainOnMainInOnePushWithEveryKeyInItsManifest() {
    List<KeyGenerated> keys = keys();
    List<ManifestChanges.Proposal> proposals = results(proposeAll(keys));
    int before = remote.pushesTo(name, "main");

    List<ManifestChanges.Merged> merged = results(mergeAll(keys, proposals));

    assertThat(remote.pushesTo(name, "main") - before).isEqualTo(1);
    assertThat(merged.get(0).mode()).isEqualTo(ManifestChanges.MergeMode.FAST_FORWARD);
    assertThat(merged.subList(1, merged.size()))
        .allMatch(m -> m.mode() == ManifestChanges.MergeMode.REBASED);
    List<RevCommit> history = remote.history(name, "main");
    assertThat(history).hasSize(2 * keys.size() + 1);
    assertThat(history).allMatch(c -> c.getParentCount() <= 1);
    assertThat(history.get(history.size() - 1).name()).isEqualTo(base);
    String tip = history.get(0).name();
    assertThat(tip).isEqualTo(merged.get(merged.size() - 1).mergeCommit());
    for (int i = 0; i < keys.size(); i++) {
      KeyGenerated key = keys.get(i);
      // newest first: rotation i's promote and distribute sit right above rotation i-1's.
      RevCommit promote = history.get(2 * (keys.size() - 1 - i));
      RevCommit distribute = history.get(2 * (keys.size() - 1 - i) + 1);
      assertThat(promote.name()).isEqualTo(merged.get(i).promoteCommit());
      assertThat(distribute.name()).isEqualTo(merged.get(i).distributeCommit());
      assertThat(Trailers.phaseOf(promote, key.rotationId())).contains(Trailers.Phase.PROMOTE);
      assertThat(Trailers.phaseOf(distribute, key.rotationId()))
          .contains(Trailers.Phase.DISTRIBUTE);
      assertThat(promote.getAuthorIdent().getName()).isEqualTo("alice");
      assertThat(primaryKeyIdAt(tip, key)).isEqualTo(key.keyId());
      assertThat(remote.file(name, tip, key.plan().manifest().path()))
          .contains("keyring.key." + key.keyId() + ":")
          .contains("keyring.key.aaaaaaaa:");
    }
    assertThat(remote.branches(name)).containsExactly("main");

    // A replay after a crash between the push and the database finds every merge.
    int pushed = remote.pushes(name);
    assertThat(results(mergeAll(keys, proposals)))
        .allMatch(m -> m.mode() == ManifestChanges.MergeMode.FOUND);
    assertThat(remote.pushes(name)).isEqualTo(pushed);
  }

  @Test
  void whenMainMovesWhileTheBatchIsPushedItIsMergedAgainOnTopWithNothingLostOrDoubled() {
    List<KeyGenerated> keys = keys();
    List<ManifestChanges.Proposal> proposals = results(proposeAll(keys));
    String[] theirs = new String[1];
    remote.beforeNextPush(
        name,
        () ->
            theirs[0] =
                remote.commit(name, "main", Map.of("README.md", "moved on\n"), "Edit the docs"));

    List<ManifestChanges.Merged> merged = results(mergeAll(keys, proposals));

    assertThat(merged).allMatch(m -> m.mode() == ManifestChanges.MergeMode.REBASED);
    List<RevCommit> history = remote.history(name, "main");
    assertThat(history).hasSize(2 * keys.size() + 2);
    assertThat(history.get(2 * keys.size()).name()).isEqualTo(theirs[0]);
    assertThat(history.get(2 * keys.size() + 1).name()).isEqualTo(base);
    for (KeyGenerated key : keys) {
      assertThat(history.stream().filter(c -> Trailers.phaseOf(c, key.rotationId()).isPresent()))
          .hasSize(2);
      assertThat(primaryKeyIdAt(history.get(0).name(), key)).isEqualTo(key.keyId());
    }
    assertThat(remote.file(name, history.get(0).name(), "README.md")).isEqualTo("moved on\n");
  }

  @Test
  void aMergeThatConflictsFailsAloneAndTheRestOfTheBatchIsMerged() {
    List<KeyGenerated> keys = keys();
    List<ManifestChanges.Proposal> proposals = results(proposeAll(keys));
    String edited =
        Rotations.sealedManifest(controller, "bench", secret(4), "aaaaaaaa")
            .replace("app: secrets-service", "app: x");
    String theirs = remote.commit(name, "main", Map.of(path(4), edited), "Relabel app-4");

    List<ManifestChanges.Outcome<ManifestChanges.Merged>> outcomes = mergeAll(keys, proposals);

    assertThat(outcomes.get(3).failure())
        .isInstanceOfSatisfying(
            RotationFailedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reasons.RotationFailure.MANIFEST_CONFLICT))
        .hasMessageContaining("commit " + theirs);
    String tip = remote.branch(name, "main").orElseThrow();
    for (int i : List.of(0, 1, 2, 4)) {
      assertThat(outcomes.get(i).get().mode()).isEqualTo(ManifestChanges.MergeMode.REBASED);
      assertThat(primaryKeyIdAt(tip, keys.get(i))).isEqualTo(keys.get(i).keyId());
    }
    assertThat(remote.file(name, tip, path(4))).isEqualTo(edited);
    assertThat(remote.branch(name, proposals.get(3).branch()))
        .contains(proposals.get(3).promoteCommit());
  }
}
