package dev.rotor.examples.secrets.fault;

import static dev.rotor.examples.secrets.SecretsMessages.INJECTED_FAULT;

import dev.rotor.examples.secrets.ErrorBody;
import dev.rotor.examples.secrets.metrics.SecretsMetrics;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Applies the {@link FaultSwitch} to {@code /payloads} requests (not to health, metrics or admin):
 * waits the extra latency without blocking a thread, then answers HTTP 500 ({@code "error":
 * "injected_fault"}) for the configured share of requests. Both show in {@code
 * http_server_requests_seconds} like real trouble would.
 */
public class FaultFilter {
  private static final Logger LOG = Logger.getLogger(FaultFilter.class);

  @Inject FaultSwitch faults;
  @Inject SecretsMetrics metrics;

  @ServerRequestFilter
  public Uni<Response> injectFaults(ContainerRequestContext request) {
    String path = request.getUriInfo().getPath();
    if (!path.equals("/payloads") && !path.startsWith("/payloads/")) {
      return Uni.createFrom().nullItem();
    }
    Duration latency = faults.settings().extraLatency();
    Uni<Void> delay =
        latency.isZero()
            ? Uni.createFrom().voidItem()
            : Uni.createFrom().voidItem().onItem().delayIt().by(latency);
    return delay.map(ignored -> faults.failThisRequest() ? injectedFault(request) : null);
  }

  private Response injectedFault(ContainerRequestContext request) {
    metrics.faultInjected();
    LOG.debugf(
        "%s injected fault: %s %s",
        INJECTED_FAULT, request.getMethod(), request.getUriInfo().getPath());
    return Response.serverError()
        .type(MediaType.APPLICATION_JSON)
        .entity(
            new ErrorBody(
                "injected_fault",
                INJECTED_FAULT,
                null,
                "failed on purpose by the fault switch (secrets-service.fault.error-ratio)"))
        .build();
  }
}
