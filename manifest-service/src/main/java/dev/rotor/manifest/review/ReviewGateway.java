package dev.rotor.manifest.review;

import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.ReviewProvider;
import dev.rotor.manifest.git.ManifestChanges;
import dev.rotor.manifest.rotation.RotationInputRecord;
import dev.rotor.manifest.rotation.RotationRecord;
import java.util.List;
import java.util.Optional;

/** A place where a rotation's change is reviewed and merged. */
public interface ReviewGateway {

  /** The policy's name for this provider. */
  ReviewProvider provider();

  /**
   * Checks, before anything is written, that this provider can serve the plan.
   *
   * @throws dev.rotor.manifest.RotationFailedException naming the missing configuration
   */
  void requireAvailable(Plan plan);

  /** Opens (or finds) the change request for a proposal on its branch. */
  ChangeRequest open(RotationRecord rotation, KeyGenerated key, ManifestChanges.Proposal proposal);

  /** Reads the review: approvals from {@code inputs} (local) or from the hosting service. */
  Decision decide(RotationRecord rotation, KeyGenerated key, List<RotationInputRecord> inputs);

  /**
   * Whether someone merged the change request on the hosting service already, asked before Rotor
   * honours a rejection or rollback of a proposal: a merged change is applied, and only a rollback
   * undoes it. Empty for a provider where only Rotor merges.
   */
  default Optional<Decision.MergedElsewhere> mergedElsewhere(
      RotationRecord rotation, KeyGenerated key) {
    return Optional.empty();
  }

  /** Merges an approved proposal into the default branch. */
  ManifestChanges.Merged merge(RotationRecord rotation, KeyGenerated key, List<String> approvers);

  /** Closes the change request of a rotation that ended without merging (best effort). */
  void close(RotationRecord rotation, KeyGenerated key, String reason);

  /** The proposal as recorded. */
  static ManifestChanges.Proposed proposed(RotationRecord rotation, KeyGenerated key) {
    return new ManifestChanges.Proposed(
        key.plan(),
        rotation.rotationId,
        rotation.branch,
        rotation.distributeCommit,
        rotation.promoteCommit);
  }
}
