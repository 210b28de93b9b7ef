package dev.rotor.manifest.review;

import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.ReviewProvider;
import dev.rotor.manifest.config.ManifestServiceConfig;
import dev.rotor.manifest.git.ManifestChanges;
import dev.rotor.manifest.rotation.InputKind;
import dev.rotor.manifest.rotation.RotationInputRecord;
import dev.rotor.manifest.rotation.RotationRecord;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * The {@code local} provider: no hosting service. Approvals arrive as {@code rotation.approved} on
 * {@code rotor.approvals} (from {@code rotorctl approve}); when enough count, Rotor merges and
 * pushes the change itself.
 */
@ApplicationScoped
public class LocalReview implements ReviewGateway {
  private static final Logger LOG = Logger.getLogger(LocalReview.class);

  private final ManifestChanges changes;
  private final Map<String, List<String>> teams;

  public LocalReview(ManifestChanges changes, ManifestServiceConfig config) {
    this.changes = changes;
    this.teams = config.local().teams();
  }

  @Override
  public ReviewProvider provider() {
    return ReviewProvider.LOCAL;
  }

  @Override
  public void requireAvailable(Plan plan) {
    for (String team : plan.approvals().teams()) {
      if (!teams.containsKey(team)) {
        LOG.warnf(
            "ROTOR-2040 team %s of %s has no members configured"
                + " (rotor.manifest-service.local.teams.%s): approvals from it cannot count",
            team, plan.targetId(), team);
      }
    }
  }

  @Override
  public ChangeRequest open(
      RotationRecord rotation, KeyGenerated key, ManifestChanges.Proposal proposal) {
    return ChangeRequest.NONE;
  }

  @Override
  public Decision decide(
      RotationRecord rotation, KeyGenerated key, List<RotationInputRecord> inputs) {
    List<ApprovalCount.Vote> votes =
        inputs.stream()
            .filter(i -> i.kind == InputKind.APPROVED)
            .map(i -> new ApprovalCount.Vote(i.actor, i.force))
            .toList();
    ApprovalCount.Result result =
        ApprovalCount.count(
            votes, key.requestedBy(), key.plan().approvals().teams(), this::isMember);
    if (result.reaches(key.plan().approvals().required())) {
      return new Decision.Approved(result.approvers(), result.forced());
    }
    return new Decision.Pending(null);
  }

  private boolean isMember(String teamAndPerson) {
    int split = teamAndPerson.indexOf('\n');
    String team = teamAndPerson.substring(0, split);
    String person = teamAndPerson.substring(split + 1).strip().toLowerCase(Locale.ROOT);
    return teams.getOrDefault(team, List.of()).stream()
        .anyMatch(m -> m.strip().toLowerCase(Locale.ROOT).equals(person));
  }

  @Override
  public ManifestChanges.Merged merge(
      RotationRecord rotation, KeyGenerated key, List<String> approvers) {
    return changes.merge(ReviewGateway.proposed(rotation, key));
  }

  @Override
  public void close(RotationRecord rotation, KeyGenerated key, String reason) {
    if (rotation.branch != null && rotation.promoteCommit != null) {
      changes.deleteBranch(key.plan(), rotation.branch, rotation.promoteCommit);
    }
  }
}
