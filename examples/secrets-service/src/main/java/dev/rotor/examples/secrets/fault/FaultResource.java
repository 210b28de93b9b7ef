package dev.rotor.examples.secrets.fault;

import dev.rotor.examples.secrets.ErrorBody;
import dev.rotor.examples.secrets.SecretsServiceConfig;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.time.format.DateTimeParseException;

/**
 * The fault switch of the running service: {@code GET /admin/fault} shows it, {@code PUT
 * /admin/fault} with {@code {"errorRatio": 0.3, "extraLatency": "PT0.5S"}} changes it (both fields
 * optional; a missing one keeps its value). Changing it needs {@code
 * secrets-service.fault.admin-enabled=true}; otherwise {@code PUT} answers 403.
 */
@Path("/admin/fault")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class FaultResource {
  @Inject FaultSwitch faults;
  @Inject SecretsServiceConfig config;

  /** The switch as JSON: the latency as ISO-8601 text. */
  public record View(double errorRatio, String extraLatency) {
    static View of(FaultSettings settings) {
      return new View(settings.errorRatio(), settings.extraLatency().toString());
    }
  }

  /** The body of {@code PUT /admin/fault}. */
  public record Change(Double errorRatio, String extraLatency) {}

  @GET
  public View current() {
    return View.of(faults.settings());
  }

  @PUT
  public Response change(Change change) {
    if (!config.fault().adminEnabled()) {
      return Response.status(Response.Status.FORBIDDEN)
          .entity(
              new ErrorBody(
                  "admin_disabled",
                  null,
                  null,
                  "the fault switch is read-only; set secrets-service.fault.admin-enabled=true"))
          .build();
    }
    FaultSettings current = faults.settings();
    FaultSettings next;
    try {
      next =
          new FaultSettings(
              change == null || change.errorRatio() == null
                  ? current.errorRatio()
                  : change.errorRatio(),
              change == null || change.extraLatency() == null
                  ? current.extraLatency()
                  : Duration.parse(change.extraLatency()));
    } catch (IllegalArgumentException | DateTimeParseException e) {
      return Response.status(Response.Status.BAD_REQUEST)
          .entity(new ErrorBody("invalid_request", null, null, e.getMessage()))
          .build();
    }
    faults.set(next);
    return Response.ok(View.of(next)).build();
  }
}
