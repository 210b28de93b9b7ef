package dev.rotor.verifier.metrics;

import dev.rotor.common.plan.VerificationSpec;
import java.util.List;

/**
 * The workload whose metrics a soak reads.
 *
 * @param cluster the stage's cluster
 * @param namespace the namespace of the Deployments
 * @param deployments the stage's Deployments; each is read and judged on its own
 * @param spec the plan's queries
 * @param window the span a value describes where the source computes rates itself (the direct
 *     scrape): the soak's check interval
 */
public record StageTarget(
    String cluster,
    String namespace,
    List<String> deployments,
    VerificationSpec spec,
    java.time.Duration window) {
  public StageTarget {
    deployments = List.copyOf(deployments);
  }

  /**
   * The plan's query for {@code kind} with {@code {namespace}} and {@code {deployment}} filled in.
   */
  public String query(MetricKind kind, String deployment) {
    return kind.template(spec)
        .replace("{namespace}", namespace)
        .replace("{deployment}", deployment);
  }
}
