package dev.rotor.ledger.rest;

import dev.rotor.ledger.store.LogVerifier;
import dev.rotor.ledger.verify.VerificationReport;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Re-verification of the whole log. */
@Path("/ledger/verification")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Verification", description = "Re-verify the chain and the tree against checkpoints")
public class VerificationResource {
  @Inject LogVerifier verifier;

  @POST
  @Operation(
      summary = "Verify the whole log now",
      description =
          "Re-hashes every entry's stored bytes, checks the chain, the stored subtree hashes and"
              + " every signed checkpoint, and reports the first entry that does not match and"
              + " what differs. One verification runs at a time.")
  @APIResponse(responseCode = "200", description = "The report (ok is false when anything differs)")
  @APIResponse(responseCode = "429", description = "A verification is already running")
  public VerificationReport verify() {
    try {
      return verifier.verify();
    } catch (LogVerifier.BusyException e) {
      throw ApiException.busy(e.getMessage());
    }
  }

  @GET
  @Path("/latest")
  @Operation(summary = "The report of the latest verification since the service started")
  @APIResponse(responseCode = "200", description = "The report")
  @APIResponse(responseCode = "404", description = "No verification ran yet")
  public VerificationReport latest() {
    return verifier
        .latest()
        .orElseThrow(() -> ApiException.notFound("no verification ran since start-up"));
  }
}
