package dev.rotor.ledger.health;

import dev.rotor.ledger.ingest.IngestState;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * DOWN while ingest cannot store batches (the database is unavailable): events wait in Kafka,
 * uncommitted. The database connection and the Kafka channels have readiness checks of their own
 * (Quarkus' datasource and messaging health).
 */
@Readiness
@ApplicationScoped
public class IngestReadinessCheck implements HealthCheck {
  @Inject IngestState state;

  @Override
  public HealthCheckResponse call() {
    String problem = state.problem();
    HealthCheckResponseBuilder response = HealthCheckResponse.named("ledger-ingest");
    if (problem != null) {
      return response
          .down()
          .withData("problem", problem)
          .withData("since", String.valueOf(state.failingSince()))
          .build();
    }
    return response.up().withData("treeSize", state.treeSize()).build();
  }
}
