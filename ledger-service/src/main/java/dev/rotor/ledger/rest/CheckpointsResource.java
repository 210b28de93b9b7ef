package dev.rotor.ledger.rest;

import dev.rotor.ledger.checkpoint.LedgerKeys;
import dev.rotor.ledger.config.LedgerConfig;
import dev.rotor.ledger.note.NoteVerifier;
import dev.rotor.ledger.store.CheckpointEntity;
import dev.rotor.ledger.store.CheckpointStore;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.Base64;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Signed checkpoints and the public key that verifies them. */
@Path("/ledger/checkpoints")
@Tag(name = "Checkpoints", description = "Ed25519-signed tree heads (C2SP tlog-checkpoint)")
public class CheckpointsResource {
  @Inject CheckpointStore checkpoints;
  @Inject LedgerKeys keys;
  @Inject LedgerConfig config;

  /**
   * The key that signs checkpoints, to give to whoever keeps a copy of them.
   *
   * @param origin the log's origin line
   * @param keyName the key's name in signature lines
   * @param keyId the signed-note key id (8 hex digits)
   * @param algorithm always Ed25519
   * @param publicKey the raw 32-byte public key, base64
   * @param verifierKey the signed-note verifier key: {@code name+id+base64(0x01 || key)}
   * @param previousVerifierKeys verifier keys of earlier signing keys still trusted
   */
  public record SigningKey(
      String origin,
      String keyName,
      String keyId,
      String algorithm,
      String publicKey,
      String verifierKey,
      List<String> previousVerifierKeys) {}

  @GET
  @Path("/latest")
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(summary = "The latest checkpoint")
  @APIResponse(responseCode = "200", description = "The checkpoint")
  @APIResponse(responseCode = "404", description = "None issued yet")
  public CheckpointView latest() {
    return CheckpointView.of(latestEntity());
  }

  @GET
  @Path("/latest")
  @Produces(MediaType.TEXT_PLAIN)
  @Operation(summary = "The latest checkpoint as a signed note (text/plain)")
  public String latestNote() {
    return latestEntity().signedNote;
  }

  @GET
  @Path("/{treeSize}")
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(summary = "The checkpoint issued at a tree size")
  @APIResponse(responseCode = "200", description = "The checkpoint")
  @APIResponse(responseCode = "400", description = "Not a size")
  @APIResponse(responseCode = "404", description = "No checkpoint at that size")
  public CheckpointView atSize(@PathParam("treeSize") String treeSize) {
    return checkpoints
        .atSize(Params.nonNegative("treeSize", treeSize))
        .map(CheckpointView::of)
        .orElseThrow(() -> ApiException.notFound("no checkpoint was issued at that size"));
  }

  @GET
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(summary = "Checkpoints, largest tree first")
  @APIResponse(responseCode = "200", description = "The checkpoints")
  @APIResponse(responseCode = "400", description = "A parameter is invalid")
  public List<CheckpointView> list(
      @Parameter(description = "Most to return (default 50)") @QueryParam("limit") String limit,
      @Parameter(description = "How many to skip") @QueryParam("offset") String offset) {
    return checkpoints
        .page(Params.offset(offset), Params.limit(limit, 50, config.api().maxPageSize()))
        .stream()
        .map(CheckpointView::of)
        .toList();
  }

  @GET
  @Path("/key")
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(summary = "The public key that signs checkpoints")
  public SigningKey key() {
    NoteVerifier verifier = keys.verifier();
    return new SigningKey(
        keys.origin(),
        verifier.name(),
        verifier.keyIdHex(),
        "Ed25519",
        Base64.getEncoder().encodeToString(verifier.publicKey()),
        verifier.verifierKey(),
        keys.trusted().stream().filter(v -> v != verifier).map(NoteVerifier::verifierKey).toList());
  }

  @GET
  @Path("/key")
  @Produces(MediaType.TEXT_PLAIN)
  @Operation(summary = "The signed-note verifier key (text/plain)")
  public String verifierKey() {
    return keys.verifier().verifierKey() + "\n";
  }

  private CheckpointEntity latestEntity() {
    return checkpoints
        .latest()
        .orElseThrow(() -> ApiException.notFound("no checkpoint was issued yet"));
  }
}
