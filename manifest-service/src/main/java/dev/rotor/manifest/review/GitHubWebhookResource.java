package dev.rotor.manifest.review;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.manifest.config.ManifestServiceConfig;
import dev.rotor.manifest.rotation.RotationStore;
import dev.rotor.manifest.rotation.WorkArrived;
import jakarta.enterprise.event.Event;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jboss.logging.Logger;

/**
 * GitHub's webhook ({@code pull_request}, {@code pull_request_review}): authenticated by the {@code
 * X-Hub-Signature-256} HMAC of the body with the configured secret. A delivery only makes Rotor
 * look at the pull request at once; what Rotor decides comes from GitHub's API, never from the
 * delivery's body.
 */
@Path("/webhooks/github")
public class GitHubWebhookResource {
  private static final Logger LOG = Logger.getLogger(GitHubWebhookResource.class);
  private static final String PREFIX = "sha256=";

  private final Optional<byte[]> secret;
  private final RotationStore store;
  private final Event<WorkArrived> work;
  private final Clock clock;
  private final ObjectMapper json = new ObjectMapper();

  public GitHubWebhookResource(
      ManifestServiceConfig config, RotationStore store, Event<WorkArrived> work, Clock clock) {
    this.secret = config.github().webhookSecret().map(s -> s.getBytes(StandardCharsets.UTF_8));
    this.store = store;
    this.work = work;
    this.clock = clock;
  }

  @POST
  @Transactional
  public Response deliver(
      @HeaderParam("X-GitHub-Event") String type,
      @HeaderParam("X-GitHub-Delivery") String delivery,
      @HeaderParam("X-Hub-Signature-256") String signature,
      byte[] body) {
    if (secret.isEmpty()) {
      return plain(
          404, "the GitHub webhook is not enabled (rotor.manifest-service.github.webhook-secret)");
    }
    if (!valid(signature, body == null ? new byte[0] : body)) {
      LOG.warnf(
          "ROTOR-2030 GitHub webhook delivery %s refused: missing or wrong X-Hub-Signature-256",
          printable(delivery));
      return plain(401, "signature does not match");
    }
    if ("ping".equals(type)) {
      return plain(200, "pong");
    }
    if (!"pull_request".equals(type) && !"pull_request_review".equals(type)) {
      return Response.noContent().build();
    }
    JsonNode payload;
    try {
      payload = json.readTree(body);
    } catch (IOException e) {
      return plain(400, "the body is not JSON");
    }
    String repo = payload.path("repository").path("full_name").asText("").toLowerCase(Locale.ROOT);
    int number = payload.path("pull_request").path("number").asInt(-1);
    if (repo.isEmpty() || number < 0) {
      return plain(400, "repository.full_name and pull_request.number are required");
    }
    Optional<String> rotation = store.rotationForChangeRequest(repo, number);
    if (rotation.isEmpty()) {
      return Response.noContent().build();
    }
    if (store.wake(rotation.get(), clock.instant())) {
      work.fire(new WorkArrived(rotation.get()));
      LOG.infof(
          "ROTOR-2031 GitHub %s on pull request #%d of %s: looking at rotation %s now",
          type, number, repo, rotation.get());
    }
    return Response.accepted().build();
  }

  private boolean valid(String signature, byte[] body) {
    if (signature == null || !signature.startsWith(PREFIX)) {
      return false;
    }
    byte[] given;
    try {
      given = HexFormat.of().parseHex(signature.substring(PREFIX.length()));
    } catch (IllegalArgumentException e) {
      return false;
    }
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.get(), "HmacSHA256"));
      return MessageDigest.isEqual(mac.doFinal(body), given);
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HMAC-SHA256 is not available", e);
    }
  }

  private static Response plain(int status, String text) {
    return Response.status(status).type(MediaType.TEXT_PLAIN).entity(text + "\n").build();
  }

  private static String printable(String text) {
    return text == null ? "(none)" : text.replaceAll("[^A-Za-z0-9-]", "?");
  }
}
