package dev.rotor.clusteragent.work;

import dev.rotor.common.event.Phase;
import dev.rotor.common.event.Reasons;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/**
 * The agent's metrics (Prometheus names in brackets):
 *
 * <ul>
 *   <li>{@code rotor.cluster-agent.rollouts} {phase, outcome, reason} [{@code
 *       rotor_cluster_agent_rollouts_total}]: phases and rollbacks ended, {@code outcome} completed
 *       or failed, {@code reason} the failure's code or {@code none};
 *   <li>{@code rotor.cluster-agent.rollout.duration} {phase, outcome} [{@code
 *       rotor_cluster_agent_rollout_duration_seconds}]: from the phase's start to its end;
 *   <li>{@code rotor.cluster-agent.restarts} {namespace, deployment}: Deployments restarted;
 *   <li>{@code rotor.cluster-agent.events.skipped} {reason}: events that caused nothing (duplicate,
 *       stale, other-stage, ...);
 *   <li>{@code rotor.cluster-agent.watch.resumed}: watches the server closed that were opened
 *       again;
 *   <li>{@code rotor.cluster-agent.jobs} {state}: accepted work, running or queued ({@code
 *       pending}) and held by a maintenance window ({@code waiting});
 *   <li>{@code rotor.cluster-agent.state.writes.refused} {limit} [{@code
 *       rotor_cluster_agent_state_writes_refused_total}]: writes of the state ConfigMap the API
 *       server refused (HTTP 422 or 413), {@code limit} {@code named} when it named a size limit
 *       (the agent learns it) or {@code none} when it did not (an admission policy, an immutable
 *       ConfigMap: retried until a person lifts it, so alert on its rate).
 * </ul>
 */
// Created at start-up, not at first use: its meters are listed at zero from the start.
@Startup
@ApplicationScoped
public class AgentMetrics {
  private final MeterRegistry registry;

  AgentMetrics(MeterRegistry registry) {
    this.registry = registry;
    // Registered at start-up, so that an alert on the rate sees zeros rather than no series.
    refused(true, 0);
    refused(false, 0);
  }

  /** The API server refused a write of the state ConfigMap; {@code named}: it named its limit. */
  public void stateWriteRefused(boolean named) {
    refused(named, 1);
  }

  private void refused(boolean named, int count) {
    Counter.builder("rotor.cluster-agent.state.writes.refused")
        .description("Writes of the state ConfigMap the API server refused (HTTP 422 or 413)")
        .tag("limit", named ? "named" : "none")
        .register(registry)
        .increment(count);
  }

  /** A phase (or a rollback: phase {@code rollback}) ended. */
  public void ended(Phase phase, Reasons.Rollout failure, Duration took) {
    String outcome = failure == null ? "completed" : "failed";
    registry
        .counter(
            "rotor.cluster-agent.rollouts",
            "phase",
            phase.id(),
            "outcome",
            outcome,
            "reason",
            failure == null ? "none" : failure.name())
        .increment();
    Timer.builder("rotor.cluster-agent.rollout.duration")
        .description("How long a phase took, from its start to its end")
        .tags("phase", phase.id(), "outcome", outcome)
        .register(registry)
        .record(took);
  }

  /** An event caused nothing, for {@code reason}. */
  public void skipped(String reason) {
    registry.counter("rotor.cluster-agent.events.skipped", "reason", reason).increment();
  }

  public MeterRegistry registry() {
    return registry;
  }
}
