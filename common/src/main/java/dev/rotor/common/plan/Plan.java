package dev.rotor.common.plan;

import static dev.rotor.common.Checks.nonEmpty;
import static dev.rotor.common.Checks.present;

import java.util.List;

/**
 * The resolved plan of one rotation: fixed when the request is admitted and carried by every
 * workflow event, so that each service acts without shared mutable state and the ledger records
 * exactly the plan that ran.
 *
 * @param targetId the target, {@code <namespace>/<secret name>}
 * @param namespace the Kubernetes namespace of the Secret and its Deployments (same in every
 *     cluster)
 * @param secretName the name of the Secret that holds the keyring
 * @param keyring how many decrypt-only keys the keyring keeps
 * @param manifest where the Secret's manifest lives in Git and in which format
 * @param stages the stages in the order they run (staging before production)
 * @param approvals who must approve the change before the first stage
 * @param verification what the verifier checks during each soak
 * @param escrowRecipients age recipients ({@code age1...}) of the escrow copy of the key
 */
public record Plan(
    String targetId,
    String namespace,
    String secretName,
    KeyringSpec keyring,
    ManifestSpec manifest,
    List<Stage> stages,
    ApprovalSpec approvals,
    VerificationSpec verification,
    List<String> escrowRecipients) {

  public Plan {
    TargetIds.requireValid(targetId, "targetId");
    nonEmpty(namespace, "namespace");
    nonEmpty(secretName, "secretName");
    if (!targetId.equals(namespace + "/" + secretName)) {
      throw new IllegalArgumentException(
          "targetId: must be <namespace>/<secretName>, here " + namespace + "/" + secretName);
    }
    present(keyring, "keyring");
    present(manifest, "manifest");
    present(approvals, "approvals");
    present(verification, "verification");
    stages = List.copyOf(present(stages, "stages"));
    if (stages.isEmpty()) {
      throw new IllegalArgumentException("stages: a plan has at least one stage");
    }
    escrowRecipients = escrowRecipients == null ? List.of() : List.copyOf(escrowRecipients);
  }

  /** The stage that runs on {@code cluster}, or -1 if the plan has none there. */
  public int stageIndexOf(String cluster) {
    for (int i = 0; i < stages.size(); i++) {
      if (stages.get(i).cluster().equals(cluster)) {
        return i;
      }
    }
    return -1;
  }

  /** Whether {@code index} is the plan's last stage (its verdict completes the rotation). */
  public boolean isLastStage(int index) {
    return index == stages.size() - 1;
  }
}
