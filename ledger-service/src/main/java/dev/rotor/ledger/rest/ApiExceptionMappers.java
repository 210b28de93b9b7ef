package dev.rotor.ledger.rest;

import dev.rotor.ledger.merkle.NodeSource;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Maps the API's exceptions to JSON error bodies. */
public class ApiExceptionMappers {
  private static final Logger LOG = Logger.getLogger(ApiExceptionMappers.class);

  @ServerExceptionMapper
  public Response api(ApiException e) {
    return withJson(e.response());
  }

  @ServerExceptionMapper
  public Response missingNode(NodeSource.MissingNodeException e) {
    LOG.errorf(
        "ROTOR-5050 a proof needs a subtree hash the store does not hold: %s", e.getMessage());
    return withJson(
        Response.status(Response.Status.SERVICE_UNAVAILABLE)
            .entity(
                new ApiError(
                    "UNAVAILABLE",
                    null,
                    "the store lacks a subtree hash this proof needs; verify the log"))
            .build());
  }

  private static Response withJson(Response response) {
    return Response.fromResponse(response).type(MediaType.APPLICATION_JSON_TYPE).build();
  }
}
