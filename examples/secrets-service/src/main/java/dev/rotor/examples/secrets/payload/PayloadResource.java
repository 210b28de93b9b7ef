package dev.rotor.examples.secrets.payload;

import static dev.rotor.examples.secrets.SecretsMessages.DECRYPT_FAILED;

import dev.rotor.common.keyring.Keyring;
import dev.rotor.common.keyring.KeyringException;
import dev.rotor.examples.secrets.ErrorBody;
import dev.rotor.examples.secrets.metrics.SecretsMetrics;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * The payload API, like the runbook's Secrets Service: {@code POST /payloads} encrypts with the
 * keyring's primary key and stores the ciphertext; {@code GET /payloads/{id}} decrypts with the key
 * the ciphertext names.
 *
 * <p>A payload that cannot be decrypted (its key is not in this instance's keyring, or it does not
 * authenticate) answers HTTP 500 with {@code "error": "decrypt_failed"} and the key id, logs {@code
 * SECRETS-0100 decrypt failed ...} and counts {@code secrets_decrypt_failures_total{key_id}}.
 */
@Path("/payloads")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class PayloadResource {
  private static final Logger LOG = Logger.getLogger(PayloadResource.class);

  @Inject Keyring keyring;
  @Inject SecretsMetrics metrics;

  /** The body of {@code POST /payloads}. */
  public record NewPayload(String plaintext) {}

  /** The answer to {@code POST /payloads}: where it is and which key encrypted it. */
  public record Created(UUID id, String keyId) {}

  /** The answer to {@code GET /payloads/{id}}. */
  public record Opened(UUID id, String keyId, String plaintext) {}

  @POST
  @Transactional
  public Response create(NewPayload body, @Context UriInfo uri) {
    if (body == null || body.plaintext() == null) {
      return Response.status(Response.Status.BAD_REQUEST)
          .entity(
              new ErrorBody(
                  "invalid_request", null, null, "expected a JSON body {\"plaintext\": \"...\"}"))
          .build();
    }
    Payload payload = new Payload();
    payload.id = UUID.randomUUID();
    payload.ciphertext = keyring.encrypt(body.plaintext().getBytes(StandardCharsets.UTF_8));
    payload.keyId = Keyring.keyIdOf(payload.ciphertext);
    payload.createdAt = Instant.now();
    payload.persist();
    metrics.encrypted(payload.keyId);
    return Response.created(uri.getAbsolutePathBuilder().path(payload.id.toString()).build())
        .entity(new Created(payload.id, payload.keyId))
        .build();
  }

  @GET
  @Path("{id}")
  public Response read(@PathParam("id") UUID id) {
    Payload payload = Payload.findById(id);
    if (payload == null) {
      return Response.status(Response.Status.NOT_FOUND)
          .entity(new ErrorBody("not_found", null, null, "no payload " + id))
          .build();
    }
    String keyId = payload.keyId;
    try {
      keyId = Keyring.keyIdOf(payload.ciphertext);
      byte[] plaintext = keyring.decrypt(payload.ciphertext);
      metrics.decrypted(keyId);
      return Response.ok(new Opened(id, keyId, new String(plaintext, StandardCharsets.UTF_8)))
          .build();
    } catch (KeyringException e) {
      // The message names key ids only (KeyringException never carries key material).
      LOG.errorf(
          "%s decrypt failed for payload %s, key id %s: %s",
          DECRYPT_FAILED, id, keyId, e.getMessage());
      metrics.decryptFailed(keyId);
      return Response.serverError()
          .entity(new ErrorBody("decrypt_failed", DECRYPT_FAILED, keyId, e.getMessage()))
          .build();
    }
  }
}
