package dev.rotor.common.plan;

import static dev.rotor.common.Checks.present;

import java.time.Instant;
import java.time.Period;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One target of the policy, with every default applied: the plan of a rotation over all its stages,
 * and how often it is due.
 *
 * @param plan the plan of a full rotation (every stage, in policy order)
 * @param cadence how often the target is rotated ({@code P90D}: the runbook's quarterly rotation);
 *     {@code null}: only on request
 */
public record PolicyTarget(Plan plan, Period cadence) {

  public PolicyTarget {
    present(plan, "plan");
    if (cadence != null && (cadence.isNegative() || cadence.isZero())) {
      throw new IllegalArgumentException("cadence: must be a positive period such as P90D");
    }
  }

  /** The target id, {@code <namespace>/<secret name>}. */
  public String id() {
    return plan.targetId();
  }

  /** The clusters of the target's stages, in the order they run. */
  public List<String> clusters() {
    return plan.stages().stream().map(Stage::cluster).toList();
  }

  /**
   * When the next rotation is due after one completed at {@code lastRotation}: that instant plus
   * the cadence, counted in UTC (so {@code P3M} means calendar months). {@code null} if the target
   * has no cadence.
   */
  public Instant nextDueAfter(Instant lastRotation) {
    present(lastRotation, "lastRotation");
    return cadence == null ? null : lastRotation.atZone(ZoneOffset.UTC).plus(cadence).toInstant();
  }

  /**
   * The plan of a rotation over the requested clusters.
   *
   * @param requestedClusters {@code null} or empty: every stage; otherwise clusters of this
   *     target's stages, each at most once, in the order the policy runs them (a stage may be left
   *     out, never reordered: staging always runs before production)
   * @throws IllegalArgumentException naming the cluster that is unknown, repeated or out of order;
   *     a value that is not even a valid cluster name is not repeated in the message
   */
  public Plan resolvePlan(List<String> requestedClusters) {
    if (requestedClusters == null || requestedClusters.isEmpty()) {
      return plan;
    }
    List<Stage> selected = new ArrayList<>();
    int next = 0;
    String previous = null;
    for (String cluster : requestedClusters) {
      if (cluster == null || !Names.CLUSTER.matcher(cluster).matches()) {
        throw new IllegalArgumentException(
            "stages: not a valid cluster name; the stages of "
                + id()
                + " run on "
                + String.join(", ", clusters()));
      }
      int index = plan.stageIndexOf(cluster);
      if (index < 0) {
        throw new IllegalArgumentException(
            "stages: target "
                + id()
                + " has no stage on cluster '"
                + cluster
                + "'; its stages run on "
                + String.join(", ", clusters()));
      }
      if (selected.contains(plan.stages().get(index))) {
        throw new IllegalArgumentException(
            "stages: cluster '" + cluster + "' is requested more than once");
      }
      if (index < next) {
        throw new IllegalArgumentException(
            "stages: cluster '"
                + cluster
                + "' is requested after '"
                + previous
                + "', but the policy runs "
                + id()
                + " in the order "
                + clusters().stream().collect(Collectors.joining(" -> "))
                + "; request the clusters in that order");
      }
      selected.add(plan.stages().get(index));
      next = index + 1;
      previous = cluster;
    }
    return new Plan(
        plan.targetId(),
        plan.namespace(),
        plan.secretName(),
        plan.keyring(),
        plan.manifest(),
        selected,
        plan.approvals(),
        plan.verification(),
        plan.escrowRecipients());
  }
}
