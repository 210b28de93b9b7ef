package dev.rotor.manifest.git;

import static dev.rotor.manifest.support.Rotations.PATH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.common.crypto.AgeIdentity;
import dev.rotor.common.crypto.SealedSecretSealer;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.event.Reasons;
import dev.rotor.common.plan.ManifestFormat;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.ReviewProvider;
import dev.rotor.manifest.RotationFailedException;
import dev.rotor.manifest.keyring.EntryValues;
import dev.rotor.manifest.keyring.PlainEntryValues;
import dev.rotor.manifest.keyring.SealedEntryValues;
import dev.rotor.manifest.support.GitRemote;
import dev.rotor.manifest.support.Leaks;
import dev.rotor.manifest.support.LineDiff;
import dev.rotor.manifest.support.Rotations;
import dev.rotor.manifest.support.SealingController;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The rotation as Git changes, against a real Git server over HTTP with basic auth. */
class ManifestChangesTest {
  private static GitRemote remote;
  private static SealingController controller;
  private static AgeIdentity manifestService;

  private final List<Rotations.Generated> generated = new ArrayList<>();
  private Path cache;
  private ManifestChanges changes;
  private String name;
  private String url;

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
    name = "aether-gitops-" + UUID.randomUUID().toString().substring(0, 8);
    url =
        remote.repositoryWith(
            name,
            Map.of(
                PATH,
                Rotations.sealedManifest(controller, "aaaaaaaa"),
                "README.md",
                "GitOps repository\n"));
    cache =
        Paths.get(System.getProperty("rotor.test.tmpdir", "target"))
            .toAbsolutePath()
            .resolve("cache-" + name);
    changes = changesWith(new GitCredentials(GitRemote.WRITER, GitRemote.PASSWORD));
  }

  @AfterEach
  void closeKeys() {
    generated.forEach(g -> g.key().close());
  }

  private ManifestChanges changesWith(GitCredentials credentials) {
    return new ManifestChanges(
        new GitRepositories(cache, u -> Optional.of(credentials), java.time.Duration.ofSeconds(20)),
        new ManifestChanges.Settings(
            "Rotor", "rotor@rotor.invalid", "users.example.com", 500, 3, true),
        Clock.systemUTC());
  }

  private Plan plan(ManifestFormat format) {
    return Rotations.plan(url, format, controller, ReviewProvider.LOCAL, 1, List.of(), 2);
  }

  private KeyGenerated key(Plan plan, String rotationId) {
    Rotations.Generated g = Rotations.generate(plan, rotationId, "alice", manifestService);
    generated.add(g);
    return g.event();
  }

  private ManifestChanges.Proposal propose(KeyGenerated key) {
    try (EntryValues values = SealedEntryValues.of(key)) {
      return changes.propose(key, values);
    }
  }

  private ManifestChanges.Merged merge(KeyGenerated key, ManifestChanges.Proposal proposal) {
    return changes.merge(
        new ManifestChanges.Proposed(
            key.plan(),
            key.rotationId(),
            proposal.branch(),
            proposal.distributeCommit(),
            proposal.promoteCommit()));
  }

  private ManifestChanges.RolledBack rollback(
      KeyGenerated key, ManifestChanges.Proposal proposal, ManifestChanges.Merged merged) {
    return rollback(
        key,
        proposal,
        merged,
        "verification.failed on aether-staging (ERROR_RATE): 5xx share 4.2% above 1%",
        false);
  }

  private ManifestChanges.RolledBack rollback(
      KeyGenerated key,
      ManifestChanges.Proposal proposal,
      ManifestChanges.Merged merged,
      String cause,
      boolean withdrawNewKey) {
    return changes.rollback(
        new ManifestChanges.RollbackRequest(
            key.plan(),
            key.rotationId(),
            key.keyId(),
            key.fingerprint(),
            proposal.previousKeyId(),
            merged.promoteCommit(),
            null,
            cause,
            withdrawNewKey),
        SealedEntryValues.forPrimaryOnly(key.plan()));
  }

  private String file(String commit) {
    return remote.file(name, commit, PATH);
  }

  @Test
  void
      aProposalIsTwoCommitsOnTheRotationBranchWithTrailersTheRequesterAsAuthorAndRotorAsCommitter() {
    KeyGenerated key =
        key(plan(ManifestFormat.SEALED_SECRET), "7f3c2a10-9d4e-4c1b-8a55-0e6b2f1d9c42");
    String base = remote.branch(name, "main").orElseThrow();

    ManifestChanges.Proposal proposal = propose(key);

    assertThat(proposal.branch())
        .isEqualTo("rotor/aether-services/secrets-service-config/7f3c2a10");
    assertThat(proposal.previousKeyId()).isEqualTo("aaaaaaaa");
    assertThat(remote.branch(name, proposal.branch())).contains(proposal.promoteCommit());
    assertThat(remote.branch(name, "main")).contains(base);
    RevCommit promote = remote.commitOf(name, proposal.promoteCommit());
    RevCommit distribute = remote.commitOf(name, proposal.distributeCommit());
    assertThat(promote.getParent(0).name()).isEqualTo(distribute.name());
    assertThat(distribute.getParent(0).name()).isEqualTo(base);

    assertThat(Trailers.of(distribute))
        .containsEntry("Rotor-Rotation-Id", key.rotationId())
        .containsEntry("Rotor-Phase", "distribute")
        .containsEntry("Rotor-Key-Fingerprint", key.fingerprint())
        .containsEntry("Rotor-Target", key.targetId())
        .containsEntry("Rotor-Keyring-Primary", "aaaaaaaa");
    assertThat(Trailers.of(promote))
        .containsEntry("Rotor-Phase", "promote")
        .containsEntry("Rotor-Keyring-Primary", key.keyId());
    for (RevCommit c : List.of(distribute, promote)) {
      assertThat(c.getAuthorIdent().getName()).isEqualTo("alice");
      assertThat(c.getAuthorIdent().getEmailAddress()).isEqualTo("alice@users.example.com");
      assertThat(c.getCommitterIdent().getName()).isEqualTo("Rotor");
      assertThat(c.getCommitterIdent().getEmailAddress()).isEqualTo("rotor@rotor.invalid");
    }

    LineDiff distributed = LineDiff.of(file(base), file(distribute.name()));
    assertThat(distributed.removed()).isEmpty();
    assertThat(distributed.added())
        .containsExactly(
            "    keyring.key." + key.keyId() + ": " + key.sealed().get(0).ciphertext());
    LineDiff promoted = LineDiff.of(file(distribute.name()), file(promote.name()));
    assertThat(promoted.removed()).singleElement().asString().startsWith("    keyring.primary: ");
    assertThat(promoted.added()).singleElement().asString().startsWith("    keyring.primary: ");
  }

  @Test
  void theSealedValuesOpenWithTheControllersKeyAsTheKeyringTheWorkloadReads() {
    KeyGenerated key = key(plan(ManifestFormat.SEALED_SECRET), "rot-unseal");
    ManifestChanges.Proposal proposal = propose(key);

    String promoted = file(proposal.promoteCommit());
    String primary = valueOf(promoted, "keyring.primary");
    String newKey = valueOf(promoted, "keyring.key." + key.keyId());

    byte[] primaryText =
        SealedSecretSealer.unseal(
            controller.keyPair().getPrivate(), Rotations.NAMESPACE, Rotations.SECRET, primary);
    assertThat(new String(primaryText, StandardCharsets.US_ASCII)).isEqualTo(key.keyId());
    byte[] raw =
        SealedSecretSealer.unseal(
            controller.keyPair().getPrivate(), Rotations.NAMESPACE, Rotations.SECRET, newKey);
    assertThat(raw).isEqualTo(generated.get(0).key().copyRaw());
  }

  @Test
  void replayingAProposalFindsItsBranchAndWritesNothing() {
    KeyGenerated key = key(plan(ManifestFormat.SEALED_SECRET), "rot-replay");
    ManifestChanges.Proposal first = propose(key);
    List<String> branches = remote.branches(name);

    ManifestChanges.Proposal again = propose(key);

    assertThat(again.reused()).isTrue();
    assertThat(again.distributeCommit()).isEqualTo(first.distributeCommit());
    assertThat(again.promoteCommit()).isEqualTo(first.promoteCommit());
    assertThat(remote.branches(name)).isEqualTo(branches);
    assertThat(remote.branch(name, first.branch())).contains(first.promoteCommit());
  }

  @Test
  void mergingFastForwardsTheDefaultBranchToExactlyTheTwoCommitsAndDeletesTheBranch() {
    KeyGenerated key = key(plan(ManifestFormat.SEALED_SECRET), "rot-ff");
    String base = remote.branch(name, "main").orElseThrow();
    ManifestChanges.Proposal proposal = propose(key);

    ManifestChanges.Merged merged = merge(key, proposal);

    assertThat(merged.mode()).isEqualTo(ManifestChanges.MergeMode.FAST_FORWARD);
    assertThat(merged.mergeCommit()).isEqualTo(proposal.promoteCommit());
    assertThat(remote.history(name, "main").stream().map(RevCommit::name).limit(3))
        .containsExactly(proposal.promoteCommit(), proposal.distributeCommit(), base);
    assertThat(remote.branches(name)).containsExactly("main");

    assertThat(merge(key, proposal).mode()).isEqualTo(ManifestChanges.MergeMode.FOUND);
    assertThat(remote.history(name, "main").get(0).name()).isEqualTo(proposal.promoteCommit());
  }

  @Test
  void whenSomeoneElsePushedMeanwhileTheTwoCommitsAreRebasedOntoTheirs() {
    KeyGenerated key = key(plan(ManifestFormat.SEALED_SECRET), "rot-rebase");
    ManifestChanges.Proposal proposal = propose(key);
    String theirs =
        remote.commit(name, "main", Map.of("README.md", "GitOps repository, edited\n"), "Docs");

    ManifestChanges.Merged merged = merge(key, proposal);

    assertThat(merged.mode()).isEqualTo(ManifestChanges.MergeMode.REBASED);
    List<RevCommit> history = remote.history(name, "main");
    assertThat(history.get(0).name()).isEqualTo(merged.promoteCommit());
    assertThat(history.get(1).name()).isEqualTo(merged.distributeCommit());
    assertThat(history.get(2).name()).isEqualTo(theirs);
    assertThat(Trailers.phaseOf(history.get(0), key.rotationId())).contains(Trailers.Phase.PROMOTE);
    assertThat(Trailers.phaseOf(history.get(1), key.rotationId()))
        .contains(Trailers.Phase.DISTRIBUTE);
    assertThat(history.get(0).getAuthorIdent().getName()).isEqualTo("alice");
    assertThat(file(merged.promoteCommit())).isEqualTo(file(proposal.promoteCommit()));
    assertThat(remote.file(name, merged.promoteCommit(), "README.md"))
        .isEqualTo("GitOps repository, edited\n");
  }

  @Test
  void aHumanEditOfTheSameManifestIsNeverOverwrittenAndTheConflictNamesTheirCommit() {
    KeyGenerated key = key(plan(ManifestFormat.SEALED_SECRET), "rot-conflict");
    ManifestChanges.Proposal proposal = propose(key);
    String edited =
        Rotations.sealedManifest(controller, "aaaaaaaa").replace("app: secrets-service", "app: x");
    String theirs = remote.commit(name, "main", Map.of(PATH, edited), "Relabel the Secret");

    assertThatThrownBy(() -> merge(key, proposal))
        .isInstanceOfSatisfying(
            RotationFailedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reasons.RotationFailure.MANIFEST_CONFLICT))
        .hasMessageContaining("commit " + theirs + " by Platform Engineer")
        .hasMessageContaining("\"Relabel the Secret\"")
        .hasMessageContaining("never overwrites");
    assertThat(remote.branch(name, "main")).contains(theirs);
  }

  @Test
  void theRollbackIsOneMoreCommitWhoseDiffTouchesOnlyThePrimaryAndAReplayFindsIt() {
    KeyGenerated key = key(plan(ManifestFormat.SEALED_SECRET), "rot-rollback");
    ManifestChanges.Proposal proposal = propose(key);
    ManifestChanges.Merged merged = merge(key, proposal);

    ManifestChanges.RolledBack rolledBack = rollback(key, proposal, merged);

    List<RevCommit> history = remote.history(name, "main");
    assertThat(history.get(0).name()).isEqualTo(rolledBack.commit());
    assertThat(history.get(1).name()).isEqualTo(merged.promoteCommit());
    assertThat(Trailers.of(history.get(0)))
        .containsEntry("Rotor-Phase", "rollback")
        .containsEntry("Rotor-Rotation-Id", key.rotationId())
        .containsEntry("Rotor-Keyring-Primary", "aaaaaaaa");
    assertThat(history.get(0).getFullMessage())
        .contains("Cause: verification.failed on aether-staging");
    LineDiff diff = LineDiff.of(file(merged.promoteCommit()), file(rolledBack.commit()));
    assertThat(diff.removed()).singleElement().asString().startsWith("    keyring.primary: ");
    assertThat(diff.added()).singleElement().asString().startsWith("    keyring.primary: ");
    String primary = valueOf(file(rolledBack.commit()), "keyring.primary");
    assertThat(
            SealedSecretSealer.unseal(
                controller.keyPair().getPrivate(), Rotations.NAMESPACE, Rotations.SECRET, primary))
        .asString(StandardCharsets.US_ASCII)
        .isEqualTo("aaaaaaaa");
    assertThat(file(rolledBack.commit())).contains("keyring.key." + key.keyId() + ":");

    ManifestChanges.RolledBack again = rollback(key, proposal, merged);
    assertThat(again.reused()).isTrue();
    assertThat(again.commit()).isEqualTo(rolledBack.commit());
    assertThat(remote.history(name, "main").get(0).name()).isEqualTo(rolledBack.commit());
  }

  @Test
  void aRollbackOfAKeyNoControllerUnsealedRemovesItsEntrySoTheRestoredSealedSecretUnseals() {
    KeyGenerated key = key(plan(ManifestFormat.SEALED_SECRET), "rot-unsealable");
    ManifestChanges.Proposal proposal = propose(key);
    ManifestChanges.Merged merged = merge(key, proposal);
    String base = remote.history(name, "main").get(2).name();

    ManifestChanges.RolledBack rolledBack =
        rollback(
            key,
            proposal,
            merged,
            "rollout.failed on aether-staging (DISTRIBUTE, UNSEAL_TIMEOUT): not unsealed",
            true);

    String restored = file(rolledBack.commit());
    assertThat(restored).doesNotContain("keyring.key." + key.keyId());
    assertThat(unsealedPrimary(restored, Rotations.SECRET)).isEqualTo("aaaaaaaa");
    LineDiff diff = LineDiff.of(file(merged.promoteCommit()), restored);
    assertThat(diff.removed())
        .hasSize(2)
        .anySatisfy(line -> assertThat(line).startsWith("    keyring.primary: "))
        .anySatisfy(line -> assertThat(line).startsWith("    keyring.key." + key.keyId() + ": "));
    assertThat(diff.added()).singleElement().asString().startsWith("    keyring.primary: ");
    // Every entry but the primary (sealed again, with fresh randomness) is as before the rotation.
    LineDiff fromBase = LineDiff.of(file(base), restored);
    assertThat(fromBase.removed()).singleElement().asString().startsWith("    keyring.primary: ");
    assertThat(fromBase.added()).singleElement().asString().startsWith("    keyring.primary: ");
    assertThat(remote.history(name, "main").get(0).getFullMessage())
        .contains(key.keyId() + " is removed")
        .contains("Cause: rollout.failed on aether-staging");
  }

  @Test
  void aRollbackGoesOnTopOfOtherPeoplesCommitsAndKeepsTheirEditsOutsideTheKeyring() {
    KeyGenerated key = key(plan(ManifestFormat.SEALED_SECRET), "rot-rollback-moved");
    ManifestChanges.Proposal proposal = propose(key);
    ManifestChanges.Merged merged = merge(key, proposal);
    String docs = remote.commit(name, "main", Map.of("README.md", "moved on\n"), "Docs");
    String relabelled =
        file(merged.promoteCommit())
                .replace("app: secrets-service", "app: y")
                .replace("LOG_FORMAT: AgBsb2dmb3JtYXQ=", "LOG_FORMAT: AgBqc29u")
            + "# reviewed by the platform team\n";
    String theirs = remote.commit(name, "main", Map.of(PATH, relabelled), "Hand edit");

    ManifestChanges.RolledBack rolledBack = rollback(key, proposal, merged);

    List<RevCommit> history = remote.history(name, "main");
    assertThat(history.get(0).name()).isEqualTo(rolledBack.commit());
    assertThat(history.get(1).name()).isEqualTo(theirs);
    assertThat(history.get(2).name()).isEqualTo(docs);
    LineDiff diff = LineDiff.of(relabelled, file(rolledBack.commit()));
    assertThat(diff.removed()).singleElement().asString().startsWith("    keyring.primary: ");
    assertThat(diff.added()).singleElement().asString().startsWith("    keyring.primary: ");
    assertThat(unsealedPrimary(file(rolledBack.commit()), Rotations.SECRET)).isEqualTo("aaaaaaaa");
  }

  @Test
  void aRollbackRewritesOnlyItsTargetsDocumentAndKeepsAnotherTargetsRotationOfTheSameFile() {
    String billing = "billing-config";
    String both =
        Rotations.sealedManifest(controller, "aaaaaaaa")
            + "---\n"
            + Rotations.sealedManifest(controller, Rotations.NAMESPACE, billing, "bbbbbbbb");
    remote.commit(name, "main", Map.of(PATH, both), "Keep both keyrings in one file");
    KeyGenerated first = key(plan(ManifestFormat.SEALED_SECRET), "rot-multi-first");
    ManifestChanges.Proposal firstProposal = propose(first);
    ManifestChanges.Merged firstMerged = merge(first, firstProposal);
    // While the first rotation soaks, the other document's rotation is merged.
    KeyGenerated second =
        key(
            Rotations.sealedPlan(url, Rotations.NAMESPACE, billing, PATH, controller),
            "rot-multi-2");
    ManifestChanges.Merged secondMerged = merge(second, propose(second));
    String afterSecond = file(secondMerged.promoteCommit());

    ManifestChanges.RolledBack rolledBack = rollback(first, firstProposal, firstMerged);

    assertThat(rolledBack.reused()).isFalse();
    List<RevCommit> history = remote.history(name, "main");
    assertThat(history.get(0).name()).isEqualTo(rolledBack.commit());
    assertThat(history.get(1).name()).isEqualTo(secondMerged.promoteCommit());
    String rolled = file(rolledBack.commit());
    LineDiff diff = LineDiff.of(afterSecond, rolled);
    assertThat(diff.removed()).singleElement().asString().startsWith("    keyring.primary: ");
    assertThat(diff.added()).singleElement().asString().startsWith("    keyring.primary: ");
    String[] documents = rolled.split("---\n");
    assertThat(documents).hasSize(2);
    assertThat(documents[1]).isEqualTo(afterSecond.split("---\n")[1]);
    assertThat(unsealedPrimary(documents[0], Rotations.SECRET)).isEqualTo("aaaaaaaa");
    assertThat(documents[0]).contains("keyring.key." + first.keyId() + ":");
    assertThat(unsealedPrimary(documents[1], billing)).isEqualTo(second.keyId());
  }

  @Test
  void aHandEditOfTheTargetsKeyringSinceThePromoteRefusesTheRollbackAndNamesTheirCommit() {
    KeyGenerated key = key(plan(ManifestFormat.SEALED_SECRET), "rot-rollback-conflict");
    ManifestChanges.Proposal proposal = propose(key);
    ManifestChanges.Merged merged = merge(key, proposal);
    String manifest =
        file(merged.promoteCommit())
            .replace(
                "  encryptedData:\n", "  encryptedData:\n    keyring.key.cccccccc: AgBoYW5k\n");
    String theirs = remote.commit(name, "main", Map.of(PATH, manifest), "Hand edit");
    remote.commit(name, "main", Map.of("README.md", "moved on\n"), "Docs");
    String tip = remote.branch(name, "main").orElseThrow();

    assertThatThrownBy(() -> rollback(key, proposal, merged))
        .isInstanceOfSatisfying(
            RotationFailedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reasons.RotationFailure.ROLLBACK_FAILED))
        .hasMessageContaining("the keyring of " + Rotations.TARGET)
        .hasMessageContaining("commit " + theirs + " by Platform Engineer")
        .hasMessageContaining("\"Hand edit\"")
        .hasMessageContaining("wrote no rollback commit");
    assertThat(remote.branch(name, "main")).contains(tip);
  }

  @Test
  void theNextRotationKnowsTheSealedPrimaryFromTheTrailerOfTheCommitThatWroteIt() {
    KeyGenerated first = key(plan(ManifestFormat.SEALED_SECRET), "rot-first");
    merge(first, propose(first));

    KeyGenerated second = key(plan(ManifestFormat.SEALED_SECRET), "rot-second");
    ManifestChanges.Proposal proposal = propose(second);

    assertThat(proposal.previousKeyId()).isEqualTo(first.keyId());
    String promoted = file(proposal.promoteCommit());
    assertThat(promoted)
        .contains("keyring.key." + second.keyId())
        .contains("keyring.key." + first.keyId())
        .contains("keyring.key.aaaaaaaa");

    KeyGenerated third = key(plan(ManifestFormat.SEALED_SECRET), "rot-third");
    merge(second, proposal);
    ManifestChanges.Proposal thirdProposal = propose(third);
    LineDiff dropped =
        LineDiff.of(file(thirdProposal.distributeCommit()), file(thirdProposal.promoteCommit()));
    assertThat(dropped.removed())
        .anySatisfy(l -> assertThat(l).startsWith("    keyring.key.aaaaaaaa:"));
    assertThat(remote.commitOf(name, thirdProposal.promoteCommit()).getFullMessage())
        .contains("Keys [aaaaaaaa] drop out (the policy keeps 2 decrypt-only keys).");
  }

  @Test
  void aSealedKeyringNoCommitRecordsIsRefusedWithTheCommandThatRecordsItsPrimary() {
    String twoKeys =
        Rotations.sealedManifest(controller, "aaaaaaaa")
            .replace(
                "    keyring.key.aaaaaaaa:",
                "    keyring.key.bbbbbbbb: AgBiYmJi\n    keyring.key.aaaaaaaa:");
    remote.commit(name, "main", Map.of(PATH, twoKeys), "Second key by hand");
    KeyGenerated key = key(plan(ManifestFormat.SEALED_SECRET), "rot-adopt");
    String before = remote.branch(name, "main").orElseThrow();

    assertThatThrownBy(() -> propose(key))
        .isInstanceOfSatisfying(
            RotationFailedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reasons.RotationFailure.MANIFEST_INVALID))
        .hasMessageContaining("is sealed and no commit records which of [bbbbbbbb, aaaaaaaa]")
        .hasMessageContaining("--trailer \"Rotor-Target: aether-services/secrets-service-config\"");
    assertThat(remote.branches(name)).containsExactly("main");
    assertThat(remote.branch(name, "main")).contains(before);
  }

  @Test
  void wrongCredentialsAreRefusedWithoutShowingThemAndNothingIsPushed() {
    KeyGenerated key = key(plan(ManifestFormat.SEALED_SECRET), "rot-creds");
    ManifestChanges wrong = changesWith(new GitCredentials(GitRemote.WRITER, "not-the-password"));

    assertThatThrownBy(
            () -> {
              try (EntryValues values = SealedEntryValues.of(key)) {
                wrong.propose(key, values);
              }
            })
        .isInstanceOfSatisfying(
            RotationFailedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reasons.RotationFailure.GIT_REFUSED))
        .hasMessageContaining("Git refused the credentials for " + url)
        .hasMessageNotContaining("not-the-password");

    ManifestChanges reader =
        changesWith(new GitCredentials(GitRemote.READER, GitRemote.READER_PASSWORD));
    assertThatThrownBy(
            () -> {
              try (EntryValues values = SealedEntryValues.of(key)) {
                reader.propose(key, values);
              }
            })
        .isInstanceOfSatisfying(
            RotationFailedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reasons.RotationFailure.GIT_REFUSED))
        .hasMessageNotContaining(GitRemote.READER_PASSWORD);
    assertThat(remote.branches(name)).containsExactly("main");
  }

  @Test
  void aMissingManifestAndAPathOutOfTheRepositoryAreRefusedBeforeAnythingIsPushed() {
    Plan plan = plan(ManifestFormat.SEALED_SECRET);
    Plan missing =
        new Plan(
            plan.targetId(),
            plan.namespace(),
            plan.secretName(),
            plan.keyring(),
            new dev.rotor.common.plan.ManifestSpec(
                url, "main", "deploy/absent.yaml", ManifestFormat.SEALED_SECRET, false),
            plan.stages(),
            plan.approvals(),
            plan.verification(),
            plan.escrowRecipients());
    KeyGenerated key = key(missing, "rot-missing");

    assertThatThrownBy(() -> propose(key))
        .isInstanceOfSatisfying(
            RotationFailedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reasons.RotationFailure.MANIFEST_INVALID))
        .hasMessageStartingWith("deploy/absent.yaml: no such file on main at ");
    assertThatThrownBy(() -> ManifestPaths.requireInside("deploy/./../../etc/passwd"))
        .hasMessageContaining("escapes the repository");
    assertThatThrownBy(() -> ManifestPaths.requireInside(".git/config"))
        .hasMessageContaining("points into .git");
    assertThat(remote.branches(name)).containsExactly("main");
  }

  @Test
  void aManifestBehindASymbolicLinkIsRefused() throws Exception {
    try (Repository repo = remote.server().open(name + ".git")) {
      org.eclipse.jgit.lib.ObjectInserter inserter = repo.newObjectInserter();
      RevCommit head =
          new org.eclipse.jgit.revwalk.RevWalk(repo).parseCommit(repo.resolve("refs/heads/main"));
      org.eclipse.jgit.dircache.DirCache index = org.eclipse.jgit.dircache.DirCache.newInCore();
      org.eclipse.jgit.dircache.DirCacheBuilder builder = index.builder();
      builder.addTree(new byte[0], 0, repo.newObjectReader(), head.getTree());
      builder.finish();
      org.eclipse.jgit.dircache.DirCacheEditor editor = index.editor();
      editor.add(new org.eclipse.jgit.dircache.DirCacheEditor.DeletePath(PATH));
      org.eclipse.jgit.lib.ObjectId link =
          inserter.insert(org.eclipse.jgit.lib.Constants.OBJ_BLOB, "/etc/passwd".getBytes());
      editor.add(
          new org.eclipse.jgit.dircache.DirCacheEditor.PathEdit(PATH) {
            @Override
            public void apply(org.eclipse.jgit.dircache.DirCacheEntry ent) {
              ent.setFileMode(org.eclipse.jgit.lib.FileMode.SYMLINK);
              ent.setObjectId(link);
            }
          });
      editor.finish();
      org.eclipse.jgit.lib.CommitBuilder commit = new org.eclipse.jgit.lib.CommitBuilder();
      commit.setTreeId(index.writeTree(inserter));
      commit.setParentId(head);
      org.eclipse.jgit.lib.PersonIdent someone =
          new org.eclipse.jgit.lib.PersonIdent("Mallory", "mallory@example.com");
      commit.setAuthor(someone);
      commit.setCommitter(someone);
      commit.setMessage("Point the manifest elsewhere");
      org.eclipse.jgit.lib.ObjectId id = inserter.insert(commit);
      inserter.flush();
      org.eclipse.jgit.lib.RefUpdate update = repo.updateRef("refs/heads/main");
      update.setNewObjectId(id);
      update.forceUpdate();
    }
    KeyGenerated key = key(plan(ManifestFormat.SEALED_SECRET), "rot-symlink");

    assertThatThrownBy(() -> propose(key))
        .isInstanceOf(RotationFailedException.class)
        .hasMessageContaining("is a symbolic link");
  }

  @Test
  void noGitObjectOnTheServerOrInTheWorkingCopyHoldsThePlaintextOfASealedRotation()
      throws Exception {
    KeyGenerated key = key(plan(ManifestFormat.SEALED_SECRET), "rot-no-plaintext");
    ManifestChanges.Proposal proposal = propose(key);
    ManifestChanges.Merged merged = merge(key, proposal);
    rollback(key, proposal, merged);
    List<String> forms = generated.get(0).plaintextForms();

    List<byte[]> objects = remote.allObjects(name);
    assertThat(objects).hasSizeGreaterThan(6);
    for (byte[] object : objects) {
      assertThat(Leaks.in(object, forms)).isEmpty();
    }
    Path workingCopy = cache.resolve(GitRepositories.directoryName(url));
    try (Repository repo = new FileRepositoryBuilder().setGitDir(workingCopy.toFile()).build()) {
      for (byte[] object : GitRemote.allObjects(workingCopy, repo)) {
        assertThat(Leaks.in(object, forms)).isEmpty();
      }
    }
  }

  @Test
  void aPlainSecretGetsTheBase64KeyOpenedFromItsAgeHandOverOnlyWhenThePolicyAllowsIt() {
    remote.commit(
        name,
        "main",
        Map.of(
            PATH,
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: secrets-service-config\n"
                + "  namespace: aether-services\ntype: Opaque\ndata: {}\n"),
        "Start the keyring");
    Plan plan = plan(ManifestFormat.SECRET);
    KeyGenerated key = key(plan, "rot-plain");

    ManifestChanges.Proposal proposal;
    try (EntryValues values = PlainEntryValues.open(key, List.of(manifestService))) {
      proposal = changes.propose(key, values);
    }

    assertThat(proposal.previousKeyId()).isNull();
    String distributed = file(proposal.distributeCommit());
    assertThat(distributed)
        .contains(
            "data:\n  keyring.primary: "
                + java.util.Base64.getEncoder()
                    .encodeToString(key.keyId().getBytes(StandardCharsets.US_ASCII))
                + "\n  keyring.key."
                + key.keyId()
                + ": "
                + generated.get(0).key().revealBase64()
                + "\n");
    assertThat(file(proposal.promoteCommit())).isEqualTo(distributed);
    assertThat(remote.commitOf(name, proposal.promoteCommit()).getFullMessage())
        .contains("Key " + key.keyId() + " is the primary since the keyring started with it");

    assertThatThrownBy(() -> PlainEntryValues.open(key, List.of()))
        .hasMessageContaining("set rotor.manifest-service.age-identity-file");
    try (AgeIdentity stranger = AgeIdentity.generate()) {
      assertThatThrownBy(() -> PlainEntryValues.open(key, List.of(stranger)))
          .hasMessageContaining("no age-sealed copy for this manifest-service");
    }
  }

  @Test
  void stagesWithDifferentSealingCertificatesCannotShareOneManifest() {
    Plan plan = plan(ManifestFormat.SEALED_SECRET);
    SealingController other = SealingController.generate();
    List<dev.rotor.common.plan.Stage> stages =
        List.of(
            plan.stages().get(0),
            new dev.rotor.common.plan.Stage(
                "aether-production",
                List.of("secrets-service"),
                java.time.Duration.ofMinutes(30),
                dev.rotor.common.plan.Thresholds.DEFAULT,
                null,
                other.pem()));
    Plan split =
        new Plan(
            plan.targetId(),
            plan.namespace(),
            plan.secretName(),
            plan.keyring(),
            plan.manifest(),
            stages,
            plan.approvals(),
            plan.verification(),
            plan.escrowRecipients());
    KeyGenerated key = key(split, "rot-two-certs");

    assertThatThrownBy(() -> SealedEntryValues.of(key))
        .isInstanceOfSatisfying(
            RotationFailedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reasons.RotationFailure.MANIFEST_INVALID))
        .hasMessageContaining(
            "stages aether-staging and aether-production have different sealing certificates");
  }

  private String unsealedPrimary(String manifest, String secret) {
    return new String(
        SealedSecretSealer.unseal(
            controller.keyPair().getPrivate(),
            Rotations.NAMESPACE,
            secret,
            valueOf(manifest, "keyring.primary")),
        StandardCharsets.US_ASCII);
  }

  private static String valueOf(String manifest, String dataKey) {
    for (String line : manifest.split("\n")) {
      String trimmed = line.strip();
      if (trimmed.startsWith(dataKey + ":")) {
        return trimmed.substring(dataKey.length() + 1).strip().replace("'", "").replace("\"", "");
      }
    }
    throw new AssertionError("no " + dataKey + " in the manifest");
  }
}
