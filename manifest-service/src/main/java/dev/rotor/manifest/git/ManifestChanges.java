package dev.rotor.manifest.git;

import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.event.Reasons;
import dev.rotor.common.keyring.KeyringLayout;
import dev.rotor.common.keyring.KeyringState;
import dev.rotor.common.plan.ManifestSpec;
import dev.rotor.common.plan.Plan;
import dev.rotor.manifest.RotationFailedException;
import dev.rotor.manifest.TransientException;
import dev.rotor.manifest.keyring.EntryValues;
import dev.rotor.manifest.keyring.KeyringTransition;
import dev.rotor.manifest.keyring.ManifestKeyring;
import dev.rotor.manifest.yaml.DataChange;
import dev.rotor.manifest.yaml.SecretManifest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.jboss.logging.Logger;

/**
 * The rotation as Git changes: the proposal (two commits on {@code rotor/<target>/<short id>}), the
 * merge into the default branch (fast-forward, or the two commits rebased when the branch moved and
 * the manifest did not change), and the rollback commit.
 *
 * <p>Every operation first looks in Git for what it would create (by branch and trailers), so a
 * replay after a crash creates nothing twice; every push names the value it expects the branch to
 * have, so a concurrent change is noticed and never overwritten.
 */
public final class ManifestChanges {
  private static final Logger LOG = Logger.getLogger(ManifestChanges.class);
  private static final String ROTOR_BRANCHES = "rotor/*";

  /** How Rotor writes commits. */
  public record Settings(
      String committerName,
      String committerEmail,
      String authorEmailDomain,
      int historyDepth,
      int pushAttempts,
      boolean deleteMergedBranches) {}

  /** The proposal on its branch. */
  public record Proposal(
      String branch,
      String baseCommit,
      String distributeCommit,
      String promoteCommit,
      String previousKeyId,
      boolean reused) {}

  /** A proposal as recorded, for the merge. */
  public record Proposed(
      Plan plan, String rotationId, String branch, String distributeCommit, String promoteCommit) {}

  /** How a merge got onto the default branch. */
  public enum MergeMode {
    FAST_FORWARD,
    REBASED,
    FOUND,
    HOSTED
  }

  /** The change on the default branch. */
  public record Merged(
      String mergeCommit, String distributeCommit, String promoteCommit, MergeMode mode) {}

  /**
   * What a rollback starts from.
   *
   * @param withdrawNewKey remove the new key's entry instead of keeping it decrypt-only: only for a
   *     key that never reached any cluster's Secret in usable form (see RotationWorker)
   */
  public record RollbackRequest(
      Plan plan,
      String rotationId,
      String keyId,
      String fingerprint,
      String previousKeyId,
      String mergedPromoteCommit,
      String author,
      String cause,
      boolean withdrawNewKey) {}

  /** One rotation of a batch proposal: its key and the values its manifest gets. */
  public record ProposalRequest(KeyGenerated key, EntryValues values) {}

  /**
   * What one rotation of a batch got: a result, or the failure that concerns this rotation alone
   * ({@link RotationFailedException} ends it, anything else is retried). An {@link Error} that one
   * rotation's work ended with (a {@code StackOverflowError} on a manifest nested too deep) is that
   * rotation's failure too.
   */
  public record Outcome<T>(T result, Throwable failure) {
    public static <T> Outcome<T> of(T result) {
      return new Outcome<>(result, null);
    }

    public static <T> Outcome<T> failed(RuntimeException failure) {
      return new Outcome<>(null, failure);
    }

    public static <T> Outcome<T> failed(Error failure) {
      return new Outcome<>(null, failure);
    }

    /** The result, or the failure thrown. */
    public T get() {
      if (failure instanceof RuntimeException e) {
        throw e;
      }
      if (failure instanceof Error e) {
        throw e;
      }
      return result;
    }
  }

  /** The rollback commit on the default branch. */
  public record RolledBack(String commit, boolean reused) {}

  private final GitRepositories repositories;
  private final Settings settings;
  private final Clock clock;

  public ManifestChanges(GitRepositories repositories, Settings settings, Clock clock) {
    this.repositories = repositories;
    this.settings = settings;
    this.clock = clock;
  }

  /** {@code rotor/<target>/<first 8 characters of the rotation id>}. */
  public static String branchFor(String targetId, String rotationId) {
    String shortId = rotationId.length() <= 8 ? rotationId : rotationId.substring(0, 8);
    String branch = "rotor/" + targetId + "/" + shortId;
    return Repository.isValidRefName("refs/heads/" + branch)
        ? branch
        : "rotor/" + targetId + "/r" + hash(rotationId);
  }

  private static String longBranchFor(String targetId, String rotationId) {
    String branch = "rotor/" + targetId + "/" + rotationId;
    return Repository.isValidRefName("refs/heads/" + branch)
        ? branch
        : "rotor/" + targetId + "/r" + hash(rotationId) + "-long";
  }

  // ---- proposal

  /**
   * Writes the distribute and promote commits on the rotation's branch and pushes it, or finds them
   * when they exist (on the branch, or already merged).
   *
   * @throws RotationFailedException for a bad manifest or a refused push; nothing is pushed then
   */
  public Proposal propose(KeyGenerated key, EntryValues values) {
    return proposeAll(List.of(new ProposalRequest(key, values))).get(0).get();
  }

  /**
   * Proposes many rotations whose manifests are in one repository and branch in one Git round: one
   * fetch, the two commits of each rotation on its own branch, and one push of all branches. Each
   * rotation gets the same commits and branch as alone; what concerns one rotation (a bad manifest,
   * its branch taken or refused by the server) fails or retries that rotation only. A branch that
   * appeared meanwhile is looked at again, up to {@code pushAttempts} times.
   *
   * @return one outcome per request, in order
   */
  public List<Outcome<Proposal>> proposeAll(List<ProposalRequest> requests) {
    List<Outcome<Proposal>> outcomes = new ArrayList<>(Collections.nCopies(requests.size(), null));
    if (requests.isEmpty()) {
      return outcomes;
    }
    ManifestSpec first = requests.get(0).key().plan().manifest();
    for (ProposalRequest r : requests) {
      ManifestSpec spec = r.key().plan().manifest();
      if (!spec.repository().equals(first.repository()) || !spec.branch().equals(first.branch())) {
        throw new IllegalArgumentException("a batch proposal is for one repository and branch");
      }
    }
    List<Integer> pending = new ArrayList<>();
    for (int i = 0; i < requests.size(); i++) {
      try {
        ManifestPaths.requireInside(requests.get(i).key().plan().manifest().path());
        pending.add(i);
      } catch (RuntimeException e) {
        outcomes.set(i, Outcome.failed(e));
      }
    }
    if (pending.isEmpty()) {
      return outcomes;
    }
    return repositories.with(
        first.repository(),
        wc -> {
          for (int attempt = 1;
              attempt <= settings.pushAttempts() && !pending.isEmpty();
              attempt++) {
            RevCommit base;
            Map<String, Map<Trailers.Phase, RevCommit>> onDefault;
            try {
              wc.fetch(first.branch(), ROTOR_BRANCHES);
              base = defaultTip(wc, first);
              onDefault = phaseIndex(wc, null, base, settings.historyDepth());
            } catch (RuntimeException e) {
              pending.forEach(i -> outcomes.set(i, Outcome.failed(e)));
              return outcomes;
            }
            Map<Integer, Proposal> toPush = new LinkedHashMap<>();
            for (int i : pending) {
              ProposalRequest request = requests.get(i);
              try {
                Proposal found = lookForProposal(wc, request.key(), base, onDefault);
                if (found != null) {
                  outcomes.set(i, Outcome.of(found));
                } else {
                  String branch =
                      chooseBranch(
                          wc, request.key().plan().targetId(), request.key().rotationId(), base);
                  toPush.put(i, prepareProposal(wc, request.key(), request.values(), base, branch));
                }
              } catch (RuntimeException e) {
                outcomes.set(i, Outcome.failed(e));
              } catch (Error e) {
                // This rotation's alone (its manifest): the others of the batch go on.
                outcomes.set(i, Outcome.failed(e));
              }
            }
            pending.clear();
            if (toPush.isEmpty()) {
              return outcomes;
            }
            List<WorkingCopy.BranchUpdate> updates = new ArrayList<>();
            toPush
                .values()
                .forEach(
                    p ->
                        updates.add(
                            new WorkingCopy.BranchUpdate(
                                p.branch(), ObjectId.fromString(p.promoteCommit()), null)));
            Map<String, WorkingCopy.BranchResult> pushed;
            try {
              pushed = wc.pushAll(updates);
            } catch (RuntimeException e) {
              toPush.keySet().forEach(i -> outcomes.set(i, Outcome.failed(e)));
              return outcomes;
            }
            for (Map.Entry<Integer, Proposal> e : toPush.entrySet()) {
              Proposal proposal = e.getValue();
              WorkingCopy.BranchResult result = pushed.get(proposal.branch());
              switch (result.outcome()) {
                case UPDATED -> outcomes.set(e.getKey(), Outcome.of(proposal));
                case REFUSED ->
                    outcomes.set(
                        e.getKey(),
                        Outcome.failed(RotationFailedException.refused(result.message())));
                case MOVED -> {
                  LOG.infof(
                      "ROTOR-2051 branch %s appeared while rotation %s pushed it (attempt %d);"
                          + " looking again",
                      proposal.branch(), requests.get(e.getKey()).key().rotationId(), attempt);
                  pending.add(e.getKey());
                }
              }
            }
          }
          for (int i : pending) {
            KeyGenerated key = requests.get(i).key();
            outcomes.set(
                i,
                Outcome.failed(
                    new TransientException(
                        "branch "
                            + branchFor(key.plan().targetId(), key.rotationId())
                            + " kept changing")));
          }
          return outcomes;
        });
  }

  /**
   * The proposal of this rotation when Git has it already (merged into the default branch, or on
   * its branch); null when it is still to be written.
   */
  private Proposal lookForProposal(
      WorkingCopy wc,
      KeyGenerated key,
      RevCommit base,
      Map<String, Map<Trailers.Phase, RevCommit>> onDefault) {
    Plan plan = key.plan();
    Map<Trailers.Phase, RevCommit> merged = onDefault.getOrDefault(key.rotationId(), Map.of());
    if (merged.containsKey(Trailers.Phase.DISTRIBUTE)
        && merged.containsKey(Trailers.Phase.PROMOTE)) {
      RevCommit d = merged.get(Trailers.Phase.DISTRIBUTE);
      return new Proposal(
          branchFor(plan.targetId(), key.rotationId()),
          d.getParent(0).name(),
          d.name(),
          merged.get(Trailers.Phase.PROMOTE).name(),
          previousPrimaryOf(d, key.keyId()),
          true);
    }
    String branch = chooseBranch(wc, plan.targetId(), key.rotationId(), base);
    Optional<RevCommit> tip = wc.tip(branch);
    if (tip.isEmpty()) {
      return null;
    }
    Map<Trailers.Phase, RevCommit> ours =
        phases(wc, base, tip.get(), key.rotationId(), settings.historyDepth());
    RevCommit d = ours.get(Trailers.Phase.DISTRIBUTE);
    RevCommit p = ours.get(Trailers.Phase.PROMOTE);
    if (d != null && p != null) {
      return new Proposal(
          branch,
          d.getParent(0).name(),
          d.name(),
          p.name(),
          previousPrimaryOf(d, key.keyId()),
          true);
    }
    throw RotationFailedException.refused(
        "branch "
            + branch
            + " exists without this rotation's distribute and promote commits;"
            + " delete it and replay the rotation");
  }

  /** Writes the two commits of a proposal into the working copy, without pushing them. */
  private Proposal prepareProposal(
      WorkingCopy wc, KeyGenerated key, EntryValues values, RevCommit base, String branch) {
    Plan plan = key.plan();
    ManifestSpec spec = plan.manifest();
    SecretManifest manifest = manifestAt(wc, plan, base);
    ManifestKeyring ring =
        ManifestKeyring.read(
            manifest, spec.format(), plan.targetId(), sealedPrimaryLookup(wc, plan, base));
    KeyringState before = ring.state().orElse(null);
    String previous = ring.primaryKeyId().orElse(null);

    KeyringTransition distribute = KeyringTransition.distribute(before, key.keyId(), values);
    byte[] distributed = manifest.apply(distribute.changes());
    byte[] promoted = null;
    try {
      KeyringTransition promote =
          KeyringTransition.promote(
              distribute.after(),
              before == null,
              key.keyId(),
              plan.keyring().previousKeys(),
              values);
      SecretManifest afterDistribute =
          SecretManifest.parse(
              spec.path(), distributed, spec.format(), plan.namespace(), plan.secretName());
      promoted = promote.changes().isEmpty() ? null : afterDistribute.apply(promote.changes());
      List<String> dropped =
          promote.changes().stream()
              .filter(DataChange.Remove.class::isInstance)
              .map(c -> KeyringLayout.keyIdOfDataKey(c.dataKey()).orElse(c.dataKey()))
              .toList();

      PersonIdent author = requester(key.requestedBy());
      PersonIdent committer = rotor();
      ObjectId d =
          wc.commitFile(
              base,
              spec.path(),
              distributed,
              author,
              committer,
              CommitMessages.distribute(
                  plan.targetId(),
                  key.rotationId(),
                  key.requestedBy(),
                  key.keyId(),
                  key.fingerprint(),
                  previous));
      RevCommit dCommit = wc.parse(d);
      String promoteMessage =
          CommitMessages.promote(
              plan.targetId(),
              key.rotationId(),
              key.requestedBy(),
              key.keyId(),
              key.fingerprint(),
              previous,
              dropped,
              plan.keyring().previousKeys());
      ObjectId p =
          promoted == null
              ? wc.commitEmpty(dCommit, author, committer, promoteMessage)
              : wc.commitFile(dCommit, spec.path(), promoted, author, committer, promoteMessage);
      return new Proposal(branch, base.name(), d.name(), p.name(), previous, false);
    } finally {
      // For format secret these bytes hold the key's base64 text.
      Arrays.fill(distributed, (byte) 0);
      if (promoted != null) {
        Arrays.fill(promoted, (byte) 0);
      }
    }
  }

  private String chooseBranch(WorkingCopy wc, String target, String rotationId, RevCommit base) {
    String branch = branchFor(target, rotationId);
    Optional<RevCommit> tip = wc.tip(branch);
    if (tip.isEmpty()
        || !phases(wc, base, tip.get(), rotationId, settings.historyDepth()).isEmpty()) {
      return branch;
    }
    // Another rotation whose id starts with the same 8 characters owns the short name.
    String longBranch = longBranchFor(target, rotationId);
    LOG.infof(
        "ROTOR-2052 branch %s belongs to another rotation; rotation %s uses %s",
        branch, rotationId, longBranch);
    return longBranch;
  }

  // ---- merge

  /**
   * Merges the proposal into the default branch: fast-forward when the branch has not moved,
   * otherwise the two commits rebased onto it, if nobody changed the manifest in between.
   *
   * @throws RotationFailedException {@code MANIFEST_CONFLICT} naming the commit that changed the
   *     manifest since the proposal's base; {@code GIT_REFUSED} when the push is refused
   */
  public Merged merge(Proposed proposed) {
    return mergeAll(List.of(proposed)).get(0).get();
  }

  /**
   * Merges many approved proposals of one repository and default branch in one Git round: one
   * fetch, each proposal on top of the previous one (the first a fast-forward when the branch has
   * not moved since its base, the others rebased, each only if nobody changed its manifest since
   * its base), and one push of the default branch naming the value it expects. A merge that
   * concerns one rotation only (a conflict, its commits gone) fails or retries that rotation; when
   * the branch moved meanwhile, all are merged again on top of it, up to {@code pushAttempts}
   * times.
   *
   * @return one outcome per proposal, in order
   */
  public List<Outcome<Merged>> mergeAll(List<Proposed> proposals) {
    List<Outcome<Merged>> outcomes = new ArrayList<>(Collections.nCopies(proposals.size(), null));
    if (proposals.isEmpty()) {
      return outcomes;
    }
    ManifestSpec spec = proposals.get(0).plan().manifest();
    for (Proposed p : proposals) {
      ManifestSpec other = p.plan().manifest();
      if (!other.repository().equals(spec.repository()) || !other.branch().equals(spec.branch())) {
        throw new IllegalArgumentException("a batch merge is for one repository and branch");
      }
    }
    List<Integer> pending = new ArrayList<>();
    for (int i = 0; i < proposals.size(); i++) {
      pending.add(i);
    }
    return repositories.with(
        spec.repository(),
        wc -> {
          for (int attempt = 1;
              attempt <= settings.pushAttempts() && !pending.isEmpty();
              attempt++) {
            RevCommit tip;
            Map<String, Map<Trailers.Phase, RevCommit>> onDefault;
            try {
              wc.fetch(spec.branch(), ROTOR_BRANCHES);
              tip = defaultTip(wc, spec);
              onDefault = phaseIndex(wc, null, tip, settings.historyDepth());
            } catch (RuntimeException e) {
              pending.forEach(i -> outcomes.set(i, Outcome.failed(e)));
              return outcomes;
            }
            RevCommit head = tip;
            Map<Integer, Merged> chain = new LinkedHashMap<>();
            Map<String, ObjectId> branches = new LinkedHashMap<>();
            for (int i : pending) {
              Proposed proposed = proposals.get(i);
              try {
                Optional<Merged> found =
                    foundIn(onDefault.getOrDefault(proposed.rotationId(), Map.of()));
                if (found.isPresent()) {
                  outcomes.set(i, Outcome.of(found.get()));
                  continue;
                }
                RevCommit d = proposalCommit(wc, proposed, proposed.distributeCommit());
                RevCommit p = proposalCommit(wc, proposed, proposed.promoteCommit());
                RevCommit base = wc.parse(d.getParent(0));
                Merged merged;
                if (head.equals(base)) {
                  merged = new Merged(p.name(), d.name(), p.name(), MergeMode.FAST_FORWARD);
                  head = p;
                } else {
                  ManifestSpec own = proposed.plan().manifest();
                  requireUnchanged(wc, own, base, head, "the proposal's base");
                  RevCommit d2 = wc.parse(rebase(wc, own, d, head));
                  RevCommit p2 = wc.parse(rebase(wc, own, p, d2));
                  merged = new Merged(p2.name(), d2.name(), p2.name(), MergeMode.REBASED);
                  head = p2;
                }
                chain.put(i, merged);
                wc.tip(proposed.branch())
                    .filter(t -> t.equals(p))
                    .ifPresent(t -> branches.put(proposed.branch(), t));
              } catch (RuntimeException e) {
                outcomes.set(i, Outcome.failed(e));
              } catch (Error e) {
                // This rotation's alone (its manifest): the others of the batch go on.
                outcomes.set(i, Outcome.failed(e));
              }
            }
            pending.clear();
            if (chain.isEmpty()) {
              return outcomes;
            }
            WorkingCopy.BranchResult result;
            try {
              result =
                  wc.pushAll(List.of(new WorkingCopy.BranchUpdate(spec.branch(), head, tip)))
                      .get(spec.branch());
            } catch (RuntimeException e) {
              chain.keySet().forEach(i -> outcomes.set(i, Outcome.failed(e)));
              return outcomes;
            }
            switch (result.outcome()) {
              case UPDATED -> {
                chain.forEach((i, merged) -> outcomes.set(i, Outcome.of(merged)));
                if (settings.deleteMergedBranches() && !branches.isEmpty()) {
                  wc.deleteBranches(branches);
                }
                return outcomes;
              }
              case REFUSED -> {
                RotationFailedException refused = RotationFailedException.refused(result.message());
                chain.keySet().forEach(i -> outcomes.set(i, Outcome.failed(refused)));
                return outcomes;
              }
              case MOVED -> {
                LOG.infof(
                    "ROTOR-2055 %s moved while %d rotation(s) were merged into it (attempt %d);"
                        + " merging them again on top of it",
                    spec.branch(), chain.size(), attempt);
                pending.addAll(chain.keySet());
              }
            }
          }
          TransientException moving =
              new TransientException(
                  "the default branch " + spec.branch() + " kept moving while Rotor merged");
          pending.forEach(i -> outcomes.set(i, Outcome.failed(moving)));
          return outcomes;
        });
  }

  /**
   * Checks, before a hosted merge, that nobody changed the manifest on the default branch since the
   * proposal's base.
   */
  public void requireMergeable(Proposed proposed) {
    ManifestSpec spec = proposed.plan().manifest();
    repositories.with(
        spec.repository(),
        wc -> {
          wc.fetch(spec.branch(), ROTOR_BRANCHES);
          RevCommit tip = defaultTip(wc, spec);
          if (findMerged(wc, tip, proposed.rotationId()).isPresent()) {
            return null;
          }
          RevCommit d = proposalCommit(wc, proposed, proposed.distributeCommit());
          requireUnchanged(wc, spec, wc.parse(d.getParent(0)), tip, "the proposal's base");
          return null;
        });
  }

  /**
   * Finds the distribute and promote states on the default branch after a hosting service merged
   * the change (a merge commit keeps their ids; a rebase gives new ones, found by trailers).
   */
  public Merged locateMerged(Proposed proposed, String mergeCommit) {
    ManifestSpec spec = proposed.plan().manifest();
    return repositories.with(
        spec.repository(),
        wc -> {
          wc.fetch(spec.branch(), ROTOR_BRANCHES);
          RevCommit tip = defaultTip(wc, spec);
          ObjectId merged = ObjectId.fromString(mergeCommit);
          if (!wc.has(merged) || !wc.isAncestor(merged, tip)) {
            throw new TransientException(
                "merge commit " + mergeCommit + " is not on " + spec.branch() + " yet");
          }
          Map<Trailers.Phase, RevCommit> phases =
              phases(wc, null, merged, proposed.rotationId(), settings.historyDepth());
          RevCommit d = phases.get(Trailers.Phase.DISTRIBUTE);
          RevCommit p = phases.get(Trailers.Phase.PROMOTE);
          if (d != null && p != null) {
            return new Merged(mergeCommit, d.name(), p.name(), MergeMode.HOSTED);
          }
          LOG.warnf(
              "ROTOR-2053 rotation %s: the merge %s does not contain the distribute and promote"
                  + " commits (squash merge?); the distribute state stays on branch %s",
              proposed.rotationId(), mergeCommit, proposed.branch());
          return new Merged(
              mergeCommit, proposed.distributeCommit(), mergeCommit, MergeMode.HOSTED);
        });
  }

  private static Optional<Merged> foundIn(Map<Trailers.Phase, RevCommit> onDefault) {
    RevCommit d = onDefault.get(Trailers.Phase.DISTRIBUTE);
    RevCommit p = onDefault.get(Trailers.Phase.PROMOTE);
    if (d != null && p != null) {
      return Optional.of(new Merged(p.name(), d.name(), p.name(), MergeMode.FOUND));
    }
    return Optional.empty();
  }

  private Optional<Merged> findMerged(WorkingCopy wc, RevCommit tip, String rotationId) {
    Map<Trailers.Phase, RevCommit> onDefault =
        phases(wc, null, tip, rotationId, settings.historyDepth());
    RevCommit d = onDefault.get(Trailers.Phase.DISTRIBUTE);
    RevCommit p = onDefault.get(Trailers.Phase.PROMOTE);
    if (d != null && p != null) {
      return Optional.of(new Merged(p.name(), d.name(), p.name(), MergeMode.FOUND));
    }
    return Optional.empty();
  }

  private RevCommit proposalCommit(WorkingCopy wc, Proposed proposed, String id) {
    ObjectId object = ObjectId.fromString(id);
    if (!wc.has(object)) {
      throw RotationFailedException.refused(
          "commit "
              + id
              + " of branch "
              + proposed.branch()
              + " is gone from "
              + GitRefusal.redact(wc.url())
              + " (the branch was deleted or rewritten); request a new rotation");
    }
    return wc.parse(object);
  }

  private ObjectId rebase(WorkingCopy wc, ManifestSpec spec, RevCommit commit, RevCommit onto) {
    RevCommit parent = wc.parse(commit.getParent(0));
    if (parent.getTree().equals(commit.getTree())) {
      return wc.commitEmpty(onto, commit.getAuthorIdent(), rotor(), commit.getFullMessage());
    }
    ObjectId blob =
        wc.blobAt(commit, spec.path())
            .orElseThrow(() -> new IllegalStateException("the commit has no manifest"));
    byte[] content = wc.read(blob);
    try {
      return wc.commitFile(
          onto, spec.path(), content, commit.getAuthorIdent(), rotor(), commit.getFullMessage());
    } finally {
      Arrays.fill(content, (byte) 0);
    }
  }

  // ---- rollback

  /**
   * Commits the rollback state on the default branch (the old primary again, the new key kept
   * decrypt-only, or removed when {@link RollbackRequest#withdrawNewKey()}), or finds the rollback
   * commit this rotation already has.
   *
   * <p>Only the target's own keyring must be as Rotor's promote commit left it: other documents of
   * the file (another target's rotation, another Secret), comments and the Secret's other entries
   * may have changed since, and the rollback keeps them (it edits the {@code keyring.primary} line
   * in place).
   *
   * @throws RotationFailedException {@code ROLLBACK_FAILED} when someone changed the target's
   *     keyring since Rotor's promote state or the keyring cannot go back, {@code
   *     MANIFEST_CONFLICT} when the promote commit is gone from the branch
   */
  public RolledBack rollback(RollbackRequest request, EntryValues values) {
    Plan plan = request.plan();
    ManifestSpec spec = plan.manifest();
    return repositories.with(
        spec.repository(),
        wc -> {
          for (int attempt = 1; attempt <= settings.pushAttempts(); attempt++) {
            wc.fetch(spec.branch());
            RevCommit tip = defaultTip(wc, spec);
            RevCommit existing =
                phases(wc, null, tip, request.rotationId(), settings.historyDepth())
                    .get(Trailers.Phase.ROLLBACK);
            if (existing != null) {
              return new RolledBack(existing.name(), true);
            }
            if (request.previousKeyId() == null) {
              throw new RotationFailedException(
                  Reasons.RotationFailure.ROLLBACK_FAILED,
                  "rotation "
                      + request.rotationId()
                      + " started the keyring of "
                      + plan.targetId()
                      + ", so there is no earlier key to go back to; fix the workload, or rotate"
                      + " again");
            }
            ObjectId promoted = ObjectId.fromString(request.mergedPromoteCommit());
            if (!wc.has(promoted)) {
              throw RotationFailedException.conflict(
                  "Rotor's promote commit "
                      + request.mergedPromoteCommit()
                      + " is no longer on "
                      + spec.branch()
                      + " (history rewritten?); Rotor does not overwrite it: roll back by hand");
            }
            requireKeyringUnchanged(wc, plan, wc.parse(promoted), tip);
            SecretManifest manifest = manifestAt(wc, plan, tip);
            ManifestKeyring ring =
                ManifestKeyring.read(
                    manifest, spec.format(), plan.targetId(), sealedPrimaryLookup(wc, plan, tip));
            KeyringState current =
                ring.state()
                    .orElseThrow(
                        () ->
                            new RotationFailedException(
                                Reasons.RotationFailure.ROLLBACK_FAILED,
                                spec.path() + " has no keyring any more"));
            KeyringTransition transition =
                KeyringTransition.rollback(
                    current,
                    request.previousKeyId(),
                    request.keyId(),
                    request.withdrawNewKey(),
                    values);
            String message =
                CommitMessages.rollback(
                    plan.targetId(),
                    request.rotationId(),
                    request.keyId(),
                    request.fingerprint(),
                    request.previousKeyId(),
                    request.cause(),
                    request.withdrawNewKey());
            PersonIdent author = request.author() == null ? rotor() : requester(request.author());
            ObjectId commit;
            if (transition.changes().isEmpty()) {
              commit = wc.commitEmpty(tip, author, rotor(), message);
            } else {
              byte[] content = manifest.apply(transition.changes());
              try {
                commit = wc.commitFile(tip, spec.path(), content, author, rotor(), message);
              } finally {
                Arrays.fill(content, (byte) 0);
              }
            }
            if (wc.push(spec.branch(), commit, tip) == WorkingCopy.PushOutcome.UPDATED) {
              return new RolledBack(commit.name(), false);
            }
            LOG.infof(
                "ROTOR-2054 %s moved while rotation %s pushed its rollback (attempt %d); rebasing",
                spec.branch(), request.rotationId(), attempt);
          }
          throw new TransientException(
              "the default branch " + spec.branch() + " kept moving while Rotor rolled back");
        });
  }

  /** Deletes the rotation's branch if it still points at {@code expected}. */
  public void deleteBranch(Plan plan, String branch, String expected) {
    repositories.with(
        plan.manifest().repository(), wc -> wc.deleteBranch(branch, ObjectId.fromString(expected)));
  }

  // ---- shared

  private RevCommit defaultTip(WorkingCopy wc, ManifestSpec spec) {
    return wc.tip(spec.branch())
        .orElseThrow(
            () ->
                RotationFailedException.refused(
                    "branch "
                        + spec.branch()
                        + " does not exist in "
                        + GitRefusal.redact(spec.repository())
                        + " (manifest.branch)"));
  }

  private SecretManifest manifestAt(WorkingCopy wc, Plan plan, RevCommit commit) {
    ManifestSpec spec = plan.manifest();
    ObjectId blob =
        wc.blobAt(commit, spec.path())
            .orElseThrow(
                () ->
                    RotationFailedException.invalid(
                        spec.path()
                            + ": no such file on "
                            + spec.branch()
                            + " at "
                            + commit.abbreviate(12).name()
                            + " of "
                            + GitRefusal.redact(spec.repository())
                            + " (manifest.path)"));
    byte[] content = wc.read(blob);
    try {
      return SecretManifest.parse(
          spec.path(), content, spec.format(), plan.namespace(), plan.secretName());
    } finally {
      Arrays.fill(content, (byte) 0);
    }
  }

  private ManifestKeyring.SealedPrimaryLookup sealedPrimaryLookup(
      WorkingCopy wc, Plan plan, RevCommit tip) {
    return sealedValue -> {
      for (RevCommit commit : wc.commitsBetween(null, tip, settings.historyDepth())) {
        Map<String, String> trailers = Trailers.of(commit);
        String primary = trailers.get(Trailers.KEYRING_PRIMARY);
        if (primary == null || !plan.targetId().equals(trailers.get(Trailers.TARGET))) {
          continue;
        }
        try {
          if (manifestAt(wc, plan, commit)
              .value(KeyringLayout.PRIMARY_DATA_KEY)
              .filter(sealedValue::equals)
              .isPresent()) {
            return Optional.of(primary);
          }
        } catch (RotationFailedException e) {
          // That commit's manifest was different; look further back.
        }
      }
      return Optional.empty();
    };
  }

  /**
   * Refuses a rollback over a change of the target's keyring entries since Rotor's promote commit
   * (a person's edit: one rotation per target, so no other rotation of it can have written since).
   * Changes of the file elsewhere do not count.
   */
  private void requireKeyringUnchanged(
      WorkingCopy wc, Plan plan, RevCommit promoted, RevCommit tip) {
    Map<ObjectId, Optional<Map<String, String>>> parsed = new HashMap<>();
    Optional<Map<String, String>> before = keyringEntriesAt(wc, plan, promoted, parsed);
    if (before.isPresent() && before.equals(keyringEntriesAt(wc, plan, tip, parsed))) {
      return;
    }
    Optional<RevCommit> culprit = Optional.empty();
    for (RevCommit commit : wc.commitsBetween(promoted, tip, settings.historyDepth())) {
      Optional<Map<String, String>> now = keyringEntriesAt(wc, plan, commit, parsed);
      // As in WorkingCopy.lastChangeOf: a merge that only carried the change through is not it.
      boolean changed = commit.getParentCount() > 0 || now.isPresent();
      for (RevCommit parent : commit.getParents()) {
        if (now.equals(keyringEntriesAt(wc, plan, wc.parse(parent), parsed))) {
          changed = false;
        }
      }
      if (changed) {
        culprit = Optional.of(commit);
        break;
      }
    }
    ManifestSpec spec = plan.manifest();
    throw new RotationFailedException(
        Reasons.RotationFailure.ROLLBACK_FAILED,
        "the keyring of "
            + plan.targetId()
            + " in "
            + spec.path()
            + " changed on "
            + spec.branch()
            + " since Rotor's promote commit ("
            + promoted.abbreviate(12).name()
            + "): "
            + describe(culprit, tip)
            + ". Rotor never overwrites another change of the keyring, so it wrote no rollback"
            + " commit");
  }

  /**
   * The target's {@code keyring.*} entries at {@code commit}; empty when the file or the target's
   * document is missing or unreadable there.
   */
  private Optional<Map<String, String>> keyringEntriesAt(
      WorkingCopy wc,
      Plan plan,
      RevCommit commit,
      Map<ObjectId, Optional<Map<String, String>>> parsed) {
    ManifestSpec spec = plan.manifest();
    Optional<ObjectId> blob = wc.blobAt(commit, spec.path());
    if (blob.isEmpty()) {
      return Optional.empty();
    }
    return parsed.computeIfAbsent(
        blob.get(),
        id -> {
          byte[] content = wc.read(id);
          try {
            SecretManifest manifest =
                SecretManifest.parse(
                    spec.path(), content, spec.format(), plan.namespace(), plan.secretName());
            Map<String, String> entries = new HashMap<>();
            for (String dataKey : manifest.dataKeys()) {
              if (dataKey.equals(KeyringLayout.PRIMARY_DATA_KEY)
                  || dataKey.startsWith(KeyringLayout.KEY_DATA_KEY_PREFIX)) {
                entries.put(dataKey, manifest.value(dataKey).orElse(""));
              }
            }
            return Optional.of(entries);
          } catch (RotationFailedException e) {
            return Optional.empty();
          } finally {
            Arrays.fill(content, (byte) 0);
          }
        });
  }

  private void requireUnchanged(
      WorkingCopy wc, ManifestSpec spec, RevCommit since, RevCommit tip, String sinceWhat) {
    Optional<ObjectId> before = wc.blobAt(since, spec.path());
    Optional<ObjectId> now = wc.blobAt(tip, spec.path());
    if (before.equals(now)) {
      return;
    }
    Optional<RevCommit> culprit = wc.lastChangeOf(spec.path(), since, tip, settings.historyDepth());
    throw RotationFailedException.conflict(
        spec.path()
            + " changed on "
            + spec.branch()
            + " since "
            + sinceWhat
            + " ("
            + since.abbreviate(12).name()
            + "): "
            + describe(culprit, tip)
            + ". Rotor never overwrites another change of the same manifest; request a new"
            + " rotation once it is settled");
  }

  private static String describe(Optional<RevCommit> culprit, RevCommit tip) {
    return culprit
        .map(
            c ->
                "commit "
                    + c.name()
                    + " by "
                    + CommitMessages.flat(c.getAuthorIdent().getName())
                    + " on "
                    + DateTimeFormatter.ISO_INSTANT.format(
                        c.getAuthorIdent().getWhenAsInstant().atOffset(ZoneOffset.UTC))
                    + " (\""
                    + CommitMessages.flat(c.getShortMessage())
                    + "\")")
        .orElse("the history up to " + tip.name());
  }

  /**
   * The newest commit of each phase of every rotation among the commits from {@code tip}: one walk
   * of the history for a whole batch.
   */
  static Map<String, Map<Trailers.Phase, RevCommit>> phaseIndex(
      WorkingCopy wc, ObjectId stop, ObjectId tip, int depth) {
    Map<String, Map<Trailers.Phase, RevCommit>> index = new HashMap<>();
    for (RevCommit commit : wc.commitsBetween(stop, tip, depth)) {
      Map<String, String> trailers = Trailers.of(commit);
      String rotationId = trailers.get(Trailers.ROTATION_ID);
      if (rotationId == null) {
        continue;
      }
      Trailers.phaseOf(commit, rotationId)
          .ifPresent(
              phase ->
                  index
                      .computeIfAbsent(rotationId, r -> new EnumMap<>(Trailers.Phase.class))
                      .putIfAbsent(phase, commit));
    }
    return index;
  }

  /** The newest commit of each phase of the rotation among the commits from {@code tip}. */
  static Map<Trailers.Phase, RevCommit> phases(
      WorkingCopy wc, ObjectId stop, ObjectId tip, String rotationId, int depth) {
    Map<Trailers.Phase, RevCommit> found = new EnumMap<>(Trailers.Phase.class);
    for (RevCommit commit : wc.commitsBetween(stop, tip, depth)) {
      Trailers.phaseOf(commit, rotationId).ifPresent(phase -> found.putIfAbsent(phase, commit));
    }
    return found;
  }

  private static String previousPrimaryOf(RevCommit distribute, String newKeyId) {
    String primary = Trailers.of(distribute).get(Trailers.KEYRING_PRIMARY);
    return primary == null || primary.equals(newKeyId) ? null : primary;
  }

  private PersonIdent requester(String name) {
    String flat = CommitMessages.flat(name).replace("<", "").replace(">", "");
    String email =
        flat.matches("[^@\\s]+@[^@\\s]+")
            ? flat
            : CommitMessages.localPart(flat) + "@" + settings.authorEmailDomain();
    return new PersonIdent(
        flat.isEmpty() ? "unknown" : flat, email, clock.instant(), ZoneOffset.UTC);
  }

  private PersonIdent rotor() {
    return new PersonIdent(
        settings.committerName(), settings.committerEmail(), clock.instant(), ZoneOffset.UTC);
  }

  private static String hash(String text) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
