package dev.rotor.ledger.rest;

import jakarta.ws.rs.core.Response;

/** An error the API answers with an {@link ApiError} body. */
public final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final Response.Status status;
  private final ApiError body;

  private ApiException(Response.Status status, ApiError body) {
    super(body.message(), null, false, false);
    this.status = status;
    this.body = body;
  }

  /** 400: a parameter is missing or wrong. */
  public static ApiException invalid(String parameter, String message) {
    return new ApiException(
        Response.Status.BAD_REQUEST, new ApiError("INVALID_PARAMETER", parameter, message));
  }

  /** 404: nothing of that name. */
  public static ApiException notFound(String message) {
    return new ApiException(Response.Status.NOT_FOUND, new ApiError("NOT_FOUND", null, message));
  }

  /** 429: one at a time. */
  public static ApiException busy(String message) {
    return new ApiException(Response.Status.TOO_MANY_REQUESTS, new ApiError("BUSY", null, message));
  }

  Response response() {
    Response.ResponseBuilder response = Response.status(status).entity(body);
    if (status == Response.Status.TOO_MANY_REQUESTS) {
      response.header("Retry-After", "10");
    }
    return response.build();
  }
}
