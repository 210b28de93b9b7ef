package dev.rotor.clusteragent.kubernetes;

import dev.rotor.clusteragent.work.RolloutFailure;
import dev.rotor.common.event.Reasons;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.regex.Pattern;

/**
 * What an API error means for a rollout. Messages carry the API server's {@code Status} reason and
 * message (names, verbs, fields), never a request body; anything that looks like encoded key
 * material is cut out anyway.
 */
public final class ApiErrors {
  private static final Pattern LONG_BASE64 = Pattern.compile("[A-Za-z0-9+/_-]{40,}={0,2}");

  private ApiErrors() {}

  /**
   * Whether the request may succeed if tried again: no answer, a timeout, throttling or a server
   * error.
   */
  public static boolean isTransient(KubernetesClientException e) {
    int code = e.getCode();
    return code == 0 || code == 408 || code == 429 || code >= 500;
  }

  /** The failure for a refused request; {@code what} says what the agent tried. */
  public static RolloutFailure failure(KubernetesClientException e, String what) {
    int code = e.getCode();
    Reasons.Rollout reason =
        switch (code) {
          case 401, 403 -> Reasons.Rollout.FORBIDDEN;
          case 404 -> Reasons.Rollout.NOT_FOUND;
          case 409, 400, 422 -> Reasons.Rollout.APPLY_CONFLICT;
          default -> Reasons.Rollout.TIMEOUT;
        };
    String hint =
        switch (reason) {
          case FORBIDDEN ->
              ": the agent's service account lacks the permission (see deploy/k8s/cluster-agent)";
          case NOT_FOUND -> ": it does not exist in the cluster";
          default -> "";
        };
    return new RolloutFailure(reason, what + " failed: " + describe(e) + hint);
  }

  /** {@code HTTP 403 Forbidden: <Status.message>}, redacted. */
  public static String describe(KubernetesClientException e) {
    Status status = e.getStatus();
    String text;
    if (e.getCode() == 0) {
      text = "no answer from the API server (" + rootCause(e).getClass().getSimpleName() + ")";
    } else if (status != null && status.getMessage() != null) {
      text =
          "HTTP "
              + e.getCode()
              + (status.getReason() == null ? "" : " " + status.getReason())
              + ": "
              + status.getMessage();
    } else {
      text = "HTTP " + e.getCode();
    }
    return redact(text);
  }

  /** Cuts out long base64-like runs (never a key in a message, whatever the server said). */
  public static String redact(String text) {
    return LONG_BASE64.matcher(text).replaceAll("<redacted>");
  }

  private static Throwable rootCause(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    return cause;
  }
}
