package dev.rotor.ledger.rest;

import dev.rotor.ledger.config.LedgerConfig;
import dev.rotor.ledger.rotation.RotationRecord;
import dev.rotor.ledger.rotation.RotationState;
import dev.rotor.ledger.rotation.RotationStatus;
import dev.rotor.ledger.store.EntryStore;
import dev.rotor.ledger.store.RotationStore;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Rotation records: the list, their counts, one record, one rotation's timeline, and a target's
 * history.
 */
@Path("/ledger")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Rotations", description = "What happened in each rotation, folded from the log")
public class RotationsResource {
  @Inject RotationStore rotations;
  @Inject EntryStore entries;
  @Inject LedgerConfig config;

  /** The entries one timeline page holds when the request does not say (limit). */
  static final int TIMELINE_PAGE = 100;

  /**
   * A rotation's record and one page of its entries, in log order. Anyone who may write a topic can
   * give one rotation id any number of entries, so they come in pages: read on from {@code
   * nextOffset} until it is null ({@code record.entries} says how many there are).
   *
   * @param record the record
   * @param entries its events on this page, in log order
   * @param offset how many of its entries come before this page
   * @param nextOffset the offset of the next page, null when this page holds its last entry
   */
  public record Timeline(
      RotationRecord record, List<EntryView.Line> entries, int offset, Integer nextOffset) {}

  /**
   * A target's rotations, newest first, and its events outside rotations (cadence reminders).
   *
   * @param targetId the target
   * @param rotations its rotation records
   * @param otherEvents its events that belong to no rotation, newest first
   */
  public record TargetHistory(
      String targetId, List<RotationRecord> rotations, List<EntryView.Line> otherEvents) {}

  /**
   * How many rotations the ledger holds, by state and by status.
   *
   * @param targetId the target counted, null for all
   * @param total every rotation
   * @param inFlight requested and not ended
   * @param ended over
   * @param unrequested events but no {@code rotation.requested}
   * @param byStatus each status and its count, every status listed (zero included)
   */
  public record RotationCounts(
      String targetId,
      long total,
      long inFlight,
      long ended,
      long unrequested,
      Map<RotationStatus, Long> byStatus) {}

  @GET
  @Path("/rotations")
  @Operation(
      summary = "List rotation records",
      description =
          "Newest first (by startedAt); filter by target, status and state, all that are given"
              + " must hold. state=in-flight: requested and not ended (REQUESTED up to"
              + " ROLLING_BACK); ended: COMPLETED, ROLLED_BACK, FAILED, REJECTED; unrequested:"
              + " events of the rotation are recorded but no rotation.requested (yet), its"
              + " progress field says how far its events go. The database filters before it"
              + " pages, so offset and limit count matching records only.")
  @APIResponse(responseCode = "200", description = "The records")
  @APIResponse(responseCode = "400", description = "A parameter is invalid")
  public List<RotationRecord> list(
      @Parameter(description = "Target id, <namespace>/<secret name>") @QueryParam("target")
          String target,
      @Parameter(
              description =
                  "UNREQUESTED, REQUESTED, KEY_GENERATED, PROPOSED, APPROVED, ROLLING_OUT,"
                      + " ROLLING_BACK, REJECTED, COMPLETED, ROLLED_BACK or FAILED")
          @QueryParam("status")
          String status,
      @Parameter(description = "in-flight, ended or unrequested") @QueryParam("state") String state,
      @Parameter(description = "Most records to return (default 50)") @QueryParam("limit")
          String limit,
      @Parameter(description = "Records to skip") @QueryParam("offset") String offset) {
    return rotations.list(
        target == null || target.isBlank() ? null : Params.target("target", target),
        Params.status(status),
        Params.state(state),
        Params.offset(offset),
        Params.limit(limit, 50, config.api().maxPageSize()));
  }

  @GET
  @Path("/rotation-counts")
  @Operation(
      summary = "How many rotations there are, by state and by status",
      description =
          "One grouped count in the database: cheap however many records there are. States as"
              + " for /ledger/rotations?state=.")
  @APIResponse(responseCode = "200", description = "The counts (zeros for an unknown target)")
  @APIResponse(responseCode = "400", description = "Not a valid target id")
  public RotationCounts counts(
      @Parameter(description = "Target id, <namespace>/<secret name>; all targets when absent")
          @QueryParam("target")
          String target) {
    String targetId = target == null || target.isBlank() ? null : Params.target("target", target);
    Map<RotationStatus, Long> byStatus = rotations.countByStatus(targetId);
    Map<RotationState, Long> byState = new EnumMap<>(RotationState.class);
    byStatus.forEach((status, count) -> byState.merge(RotationState.of(status), count, Long::sum));
    return new RotationCounts(
        targetId,
        byStatus.values().stream().mapToLong(Long::longValue).sum(),
        byState.getOrDefault(RotationState.IN_FLIGHT, 0L),
        byState.getOrDefault(RotationState.ENDED, 0L),
        byState.getOrDefault(RotationState.UNREQUESTED, 0L),
        byStatus);
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
  @Operation(
      summary = "One rotation's timeline: its record and a page of its events, in log order",
      description =
          "Paged like the lists: limit (default 100, at most rotor.ledger.api.max-page-size) and"
              + " offset; nextOffset is the offset of the next page, null after the last.")
  @APIResponse(responseCode = "200", description = "The timeline")
  @APIResponse(responseCode = "400", description = "A parameter is invalid")
  @APIResponse(responseCode = "404", description = "No such rotation in the log")
  public Timeline timeline(
      @PathParam("rotationId") String rotationId,
      @Parameter(description = "Most entries to return (default 100)") @QueryParam("limit")
          String limit,
      @Parameter(description = "Entries to skip") @QueryParam("offset") String offset) {
    String id = Params.rotationId(rotationId);
    int skip = Params.offset(offset);
    int max = Params.limit(limit, TIMELINE_PAGE, config.api().maxPageSize());
    RotationRecord record = rotation(id);
    // One more than asked for tells whether another page follows.
    List<EntryView.Line> page =
        entries.ofRotation(id, skip, max + 1).stream().map(EntryView::line).toList();
    boolean more = page.size() > max;
    return new Timeline(record, more ? page.subList(0, max) : page, skip, more ? skip + max : null);
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
        rotations.list(target, null, null, 0, max),
        entries.ofSubjectOutsideRotations(target, max).stream().map(EntryView::line).toList());
  }
}
