package dev.rotor.clusteragent.work;

import dev.rotor.clusteragent.config.AgentPolicy;
import dev.rotor.clusteragent.config.ClusterAgentConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * Starts the agent with the application (after the configuration and the policy passed their
 * checks) and stops its work at shutdown.
 */
@ApplicationScoped
public class AgentLifecycle {
  private static final Logger LOG = Logger.getLogger(AgentLifecycle.class);

  private final Coordinator coordinator;

  AgentLifecycle(Coordinator coordinator) {
    this.coordinator = coordinator;
  }

  void onStart(@Observes StartupEvent event, ClusterAgentConfig config, AgentPolicy policy) {
    LOG.infof(
        "ROTOR-3001 cluster-agent for cluster %s: policy %s, %d targets with a stage here",
        config.cluster(), policy.source(), policy.targetsOnCluster().size());
    coordinator.start();
  }

  void onStop(@Observes ShutdownEvent event) {
    coordinator.shutdown();
  }
}
