/**
 * The cluster-agent: one per cluster. It applies the manifest of a rotation phase (read from Git at
 * the commit the event names) with server-side apply, restarts the plan's Deployments and waits for
 * their rollout like {@code kubectl rollout status}; it keeps its durable state in the cluster (a
 * ConfigMap and the Deployments' annotations), so it needs no database.
 *
 * <ul>
 *   <li>{@code config}: configuration, start-up checks, the policy.
 *   <li>{@code events}: the Kafka consumers and the events the agent sends.
 *   <li>{@code work}: accepted work, its journal in the cluster, the schedule, the chain of steps.
 *   <li>{@code git}: read-only access to the manifests.
 *   <li>{@code apply}: the manifest document, server-side apply, the Secret read back.
 *   <li>{@code rollout}: restarts and rollout waits.
 *   <li>{@code kubernetes}: the client, API errors, retries.
 *   <li>{@code health}: readiness of the Kubernetes API and the agent's state.
 * </ul>
 */
package dev.rotor.clusteragent;
