package dev.rotor.clusteragent.kubernetes;

import dev.rotor.clusteragent.config.ClusterAgentConfig;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The agent's Kubernetes client: the kubeconfig context {@code
 * rotor.cluster-agent.kubernetes.context} names, else what Quarkus configures (in-cluster service
 * account, or the current kubeconfig context, and the {@code quarkus.kubernetes-client.*} keys).
 * Its requests carry the user agent {@code rotor-cluster-agent/<version>}, so the API server's
 * audit log tells them apart.
 */
@Singleton
public class KubernetesClientProducer {

  /** The agent's user agent (followed by {@code /<version>}). */
  public static final String USER_AGENT = "rotor-cluster-agent";

  @Produces
  @Singleton
  KubernetesClient kubernetesClient(
      Config quarkusConfig,
      KubernetesSerialization serialization,
      ClusterAgentConfig config,
      @ConfigProperty(name = "quarkus.application.version", defaultValue = "dev") String version) {
    Config effective =
        new ConfigBuilder(
                config.kubernetes().context().map(Config::autoConfigure).orElse(quarkusConfig))
            .withUserAgent(USER_AGENT + "/" + version)
            .build();
    return new KubernetesClientBuilder()
        .withKubernetesSerialization(serialization)
        .withConfig(effective)
        .build();
  }

  void close(@Disposes KubernetesClient client) {
    client.close();
  }
}
