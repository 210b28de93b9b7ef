package dev.rotor.common.plan;

import static dev.rotor.common.Checks.nonEmpty;
import static dev.rotor.common.Checks.present;

import java.time.Duration;
import java.util.List;

/**
 * One stage of a rotation: a cluster, the Deployments that read the Secret there, and how long the
 * verifier watches them before the next stage may start.
 *
 * @param cluster the cluster name, as the cluster-agent serving it is configured
 * @param deployments the Deployments to restart, in order
 * @param soak how long the stage is watched after its rollout (the runbook: 30 minutes in
 *     production)
 * @param thresholds the bounds the verifier holds the stage to
 * @param maintenanceWindow when the stage may start; {@code null}: any time
 * @param sealingCertificate the PEM certificate of the cluster's sealed-secrets controller (for the
 *     {@code sealed-secret} format); {@code null} otherwise
 */
public record Stage(
    String cluster,
    List<String> deployments,
    Duration soak,
    Thresholds thresholds,
    MaintenanceWindow maintenanceWindow,
    String sealingCertificate) {

  public Stage {
    nonEmpty(cluster, "cluster");
    deployments = List.copyOf(present(deployments, "deployments"));
    if (deployments.isEmpty()) {
      throw new IllegalArgumentException("deployments: a stage restarts at least one Deployment");
    }
    present(soak, "soak");
    if (soak.isNegative()) {
      throw new IllegalArgumentException("soak: must not be negative");
    }
    present(thresholds, "thresholds");
  }
}
