/**
 * The plan of a rotation and the policy it is resolved from.
 *
 * <p>{@link dev.rotor.common.plan.PolicyLoader} reads the policy file ({@code docs/policy.md}) into
 * a {@link dev.rotor.common.plan.Policy}, strictly, reporting every problem with its path and line;
 * {@link dev.rotor.common.plan.PolicyTarget#resolvePlan} fixes the {@link
 * dev.rotor.common.plan.Plan} of one rotation, which then travels with every workflow event.
 *
 * <p>Pure model: no Kafka, Kubernetes, Git or Quarkus types (the architecture test holds that).
 */
package dev.rotor.common.plan;
