package dev.rotor.notifier.delivery;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Liveness: DOWN when a channel's delivery loop stopped (its thread ended) or stopped going round,
 * since that channel would get nothing more while everything else looks fine; a restart of the
 * notifier starts the loop again, and the channel's queue is where it was.
 */
@Liveness
@ApplicationScoped
public class ChannelLoopsHealthCheck implements HealthCheck {

  @Inject ChannelLoops loops;

  @Override
  public HealthCheckResponse call() {
    List<String> dead = loops.deadLoops();
    return HealthCheckResponse.named("notifier channel loops")
        .status(dead.isEmpty())
        .withData("stopped", String.join(",", dead))
        .build();
  }
}
