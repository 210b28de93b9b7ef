package dev.rotor.verifier.metrics;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness: every Prometheus a configured cluster reads answers {@code /-/ready}. (Kafka and the
 * database report their own readiness checks.) Clusters read by direct scrape have nothing to probe
 * ahead: their pods are found when a soak runs.
 */
@Readiness
@ApplicationScoped
public class MetricsSourceHealthCheck implements HealthCheck {
  @Inject MetricsSources sources;

  @Override
  public HealthCheckResponse call() {
    HealthCheckResponseBuilder response = HealthCheckResponse.named("metrics-source").up();
    for (PrometheusSource prometheus : sources.configuredPrometheus()) {
      boolean ready = prometheus.ready();
      response.withData(prometheus.baseUrl().toString(), ready ? "ready" : "not ready");
      if (!ready) {
        response.down();
      }
    }
    return response.build();
  }
}
