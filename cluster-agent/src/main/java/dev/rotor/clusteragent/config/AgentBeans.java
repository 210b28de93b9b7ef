package dev.rotor.clusteragent.config;

import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;

/** Beans built from the configuration: the policy (loaded and checked once) and the clock. */
@Singleton
public class AgentBeans {

  @Produces
  @Singleton
  AgentPolicy policy(ClusterAgentConfig config) {
    return ConfigValidation.validate(config);
  }

  /** Wall-clock time for maintenance windows, restart stamps and events; tests replace it. */
  @Produces
  @DefaultBean
  @Singleton
  Clock clock() {
    return Clock.systemUTC();
  }
}
