package dev.rotor.clusteragent.health;

import dev.rotor.clusteragent.config.ClusterAgentConfig;
import dev.rotor.clusteragent.kubernetes.ApiErrors;
import dev.rotor.clusteragent.work.Coordinator;
import dev.rotor.clusteragent.work.JobJournal;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready when the Kubernetes API answers and the agent's state is loaded from it (which proves the
 * agent may read its ConfigMap). Kafka's readiness is reported by the messaging extension.
 */
@Readiness
@ApplicationScoped
public class KubernetesApiReadiness implements HealthCheck {
  private final KubernetesClient client;
  private final Coordinator coordinator;
  private final JobJournal journal;
  private final ClusterAgentConfig config;

  KubernetesApiReadiness(
      KubernetesClient client,
      Coordinator coordinator,
      JobJournal journal,
      ClusterAgentConfig config) {
    this.client = client;
    this.coordinator = coordinator;
    this.journal = journal;
    this.config = config;
  }

  @Override
  public HealthCheckResponse call() {
    HealthCheckResponseBuilder response =
        HealthCheckResponse.named("kubernetes-api")
            .withData("cluster", config.cluster())
            .withData("state", journal.location());
    try {
      String version =
          CompletableFuture.supplyAsync(() -> client.getKubernetesVersion().getGitVersion())
              .get(config.kubernetes().readinessTimeout().toMillis(), TimeUnit.MILLISECONDS);
      response.withData("server", String.valueOf(version));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return response.down().withData("error", "interrupted").build();
    } catch (Exception e) {
      Throwable cause = e.getCause() instanceof KubernetesClientException k ? k : e;
      return response
          .down()
          .withData(
              "error",
              cause instanceof KubernetesClientException k
                  ? ApiErrors.describe(k)
                  : "no answer within " + config.kubernetes().readinessTimeout())
          .build();
    }
    if (!coordinator.isReady()) {
      return response.down().withData("error", "the agent's state is not loaded yet").build();
    }
    return response
        .up()
        .withData("pendingJobs", coordinator.pendingCount())
        .withData("waitingJobs", coordinator.waitingCount())
        .build();
  }
}
