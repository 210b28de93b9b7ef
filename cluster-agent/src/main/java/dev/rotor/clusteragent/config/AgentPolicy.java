package dev.rotor.clusteragent.config;

import dev.rotor.common.plan.ManifestSpec;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.Policy;
import dev.rotor.common.plan.PolicyTarget;
import dev.rotor.common.plan.Stage;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The policy as one cluster-agent sees it: what it may act on in its cluster. An event's plan is
 * acted on only if it matches the policy's plan for the same target on this cluster in everything
 * that decides where the agent writes and when: namespace, Secret, manifest location and format,
 * the stage's Deployments (in order) and maintenance window. Anything else is refused with
 * NOT_PERMITTED (soak and thresholds are the verifier's business, so a policy change there does not
 * stop a rotation in flight).
 */
public final class AgentPolicy {
  private final Policy policy;
  private final String cluster;

  public AgentPolicy(Policy policy, String cluster) {
    this.policy = policy;
    this.cluster = cluster;
  }

  public String cluster() {
    return cluster;
  }

  /** The policy file's name, for messages. */
  public String source() {
    return policy.source();
  }

  /** The targets with a stage on this cluster. */
  public List<PolicyTarget> targetsOnCluster() {
    return policy.targets().stream().filter(t -> t.plan().stageIndexOf(cluster) >= 0).toList();
  }

  /**
   * What in {@code plan} the policy does not allow on this cluster, or empty if the agent may act
   * on it.
   */
  public Optional<String> refusal(Plan plan) {
    Optional<PolicyTarget> target = policy.target(plan.targetId());
    if (target.isEmpty()) {
      return Optional.of(
          "target " + plan.targetId() + " is not in the agent's policy " + policy.source());
    }
    Plan allowed = target.get().plan();
    int stageIndex = plan.stageIndexOf(cluster);
    int allowedIndex = allowed.stageIndexOf(cluster);
    if (stageIndex < 0 || allowedIndex < 0) {
      return Optional.of(
          "the policy "
              + policy.source()
              + " has no stage of "
              + plan.targetId()
              + " on cluster "
              + cluster);
    }
    String stage = "plan.stages[" + stageIndex + "]";
    Stage asked = plan.stages().get(stageIndex);
    Stage given = allowed.stages().get(allowedIndex);
    ManifestSpec askedManifest = plan.manifest();
    ManifestSpec givenManifest = allowed.manifest();
    return firstDifference(
        new Field("plan.namespace", plan.namespace(), allowed.namespace()),
        new Field("plan.secretName", plan.secretName(), allowed.secretName()),
        new Field(
            "plan.manifest.repository", askedManifest.repository(), givenManifest.repository()),
        new Field("plan.manifest.branch", askedManifest.branch(), givenManifest.branch()),
        new Field("plan.manifest.path", askedManifest.path(), givenManifest.path()),
        new Field("plan.manifest.format", askedManifest.format(), givenManifest.format()),
        new Field(stage + ".deployments", asked.deployments(), given.deployments()),
        new Field(
            stage + ".maintenanceWindow", asked.maintenanceWindow(), given.maintenanceWindow()));
  }

  private Optional<String> firstDifference(Field... fields) {
    for (Field field : fields) {
      if (!Objects.equals(field.asked(), field.allowed())) {
        return Optional.of(
            field.name()
                + ": "
                + field.asked()
                + " is not what the policy "
                + policy.source()
                + " allows on cluster "
                + cluster
                + " ("
                + field.allowed()
                + ")");
      }
    }
    return Optional.empty();
  }

  private record Field(String name, Object asked, Object allowed) {}
}
