package dev.rotor.ledger.rest;

import dev.rotor.ledger.config.LedgerConfig;
import dev.rotor.ledger.rotation.RotationRecord;
import dev.rotor.ledger.store.EntryStore;
import dev.rotor.ledger.store.RotationStore;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Rotation records: the list, one record, one rotation's timeline, and a target's history. */
@Path("/ledger")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Rotations", description = "What happened in each rotation, folded from the log")
public class RotationsResource {
  @Inject RotationStore rotations;
  @Inject EntryStore entries;
  @Inject LedgerConfig config;

  /**
   * A rotation's record and every entry of it, in log order.
   *
   * @param record the record
   * @param entries its events
   */
  public record Timeline(RotationRecord record, List<EntryView.Line> entries) {}

  /**
   * A target's rotations, newest first, and its events outside rotations (cadence reminders).
   *
   * @param targetId the target
   * @param rotations its rotation records
   * @param otherEvents its events that belong to no rotation, newest first
   */
  public record TargetHistory(
      String targetId, List<RotationRecord> rotations, List<EntryView.Line> otherEvents) {}

  @GET
  @Path("/rotations")
  @Operation(
      summary = "List rotation records",
      description = "Newest first; filter by target and status.")
  @APIResponse(responseCode = "200", description = "The records")
  @APIResponse(responseCode = "400", description = "A parameter is invalid")
  public List<RotationRecord> list(
      @Parameter(description = "Target id, <namespace>/<secret name>") @QueryParam("target")
          String target,
      @Parameter(
              description =
                  "REQUESTED, KEY_GENERATED, PROPOSED, APPROVED, ROLLING_OUT,"
                      + " ROLLING_BACK, REJECTED, COMPLETED, ROLLED_BACK or FAILED")
          @QueryParam("status")
          String status,
      @Parameter(description = "Most records to return (default 50)") @QueryParam("limit")
          String limit,
      @Parameter(description = "Records to skip") @QueryParam("offset") String offset) {
    return rotations.list(
        target == null || target.isBlank() ? null : Params.target("target", target),
        Params.status(status),
        Params.offset(offset),
        Params.limit(limit, 50, config.api().maxPageSize()));
  }

  @GET
  @Path("/rotations/{rotationId}")
  @Operation(
      summary = "One rotation's record",
      description =
          "Timestamp, requester, approvers, old and new fingerprints, Git commit, clusters,"
              + " verdicts, and the escrow copy of the key (age-sealed).")
  @APIResponse(responseCode = "200", description = "The record")
  @APIResponse(responseCode = "404", description = "No such rotation in the log")
  public RotationRecord rotation(@PathParam("rotationId") String rotationId) {
    String id = Params.rotationId(rotationId);
    return rotations
        .byId(id)
        .orElseThrow(() -> ApiException.notFound("the log holds no rotation of that id"));
  }

  @GET
  @Path("/rotations/{rotationId}/timeline")
  @Operation(summary = "One rotation's timeline: its record and every event, in log order")
  @APIResponse(responseCode = "200", description = "The timeline")
  @APIResponse(responseCode = "404", description = "No such rotation in the log")
  public Timeline timeline(@PathParam("rotationId") String rotationId) {
    RotationRecord record = rotation(rotationId);
    return new Timeline(
        record, entries.ofRotation(record.rotationId()).stream().map(EntryView::line).toList());
  }

  @GET
  @Path("/targets/{namespace}/{name}/history")
  @Operation(summary = "A target's history: its rotations, newest first, and its other events")
  @APIResponse(
      responseCode = "200",
      description = "The history (empty lists for an unknown target)")
  @APIResponse(responseCode = "400", description = "Not a valid target id")
  public TargetHistory history(
      @PathParam("namespace") String namespace,
      @PathParam("name") String name,
      @Parameter(description = "Most rotations to return (default 50)") @QueryParam("limit")
          String limit) {
    String target = Params.target("target", namespace + "/" + name);
    int max = Params.limit(limit, 50, config.api().maxPageSize());
    return new TargetHistory(
        target,
        rotations.list(target, null, 0, max),
        entries.ofSubjectOutsideRotations(target, max).stream().map(EntryView::line).toList());
  }
}
