package dev.rotor.ledger.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.ledger.rotation.RotationRecord;
import dev.rotor.ledger.store.EntryEntity;
import dev.rotor.ledger.store.RotationStore;
import io.quarkus.hibernate.orm.panache.PanacheQuery;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Exports for auditors: rotation records as JSON or CSV, entries as JSON lines. */
@Path("/ledger/export")
@Tag(name = "Export", description = "Rotation records and entries for auditors")
public class ExportResource {
  /** The most rows one export request returns; page with offset / from. */
  static final int MAX_ROWS = 5000;

  static final List<String> CSV_COLUMNS =
      List.of(
          "rotation_id",
          "target_id",
          "status",
          "started_at",
          "ended_at",
          "requested_by",
          "requested_at",
          "approvers",
          "previous_key_id",
          "previous_fingerprint",
          "key_id",
          "fingerprint",
          "commit",
          "rollback_commit",
          "clusters",
          "verdicts",
          "escrow_recipients",
          "escrow_sha256",
          "escrow_entry",
          "outcome",
          "outcome_message",
          "first_entry",
          "last_entry",
          "progress");

  @Inject RotationStore rotations;
  @Inject ObjectMapper json;

  @GET
  @Path("/rotations")
  @Produces({MediaType.APPLICATION_JSON, "text/csv"})
  @Operation(
      summary = "Export rotation records",
      description =
          "JSON (the full records, escrow copies included) or CSV (one line per rotation; the"
              + " escrow copy as its SHA-256), chosen by `format` or the Accept header. Newest"
              + " first; page with offset.")
  @APIResponse(responseCode = "200", description = "The records")
  @APIResponse(responseCode = "400", description = "A parameter is invalid")
  public Response rotations(
      @Parameter(description = "json or csv") @QueryParam("format") String format,
      @Parameter(description = "Target id") @QueryParam("target") String target,
      @Parameter(description = "Rotation status, as for /ledger/rotations") @QueryParam("status")
          String status,
      @Parameter(description = "in-flight, ended or unrequested, as for /ledger/rotations")
          @QueryParam("state")
          String state,
      @Parameter(description = "Most records (default and maximum 5000)") @QueryParam("limit")
          String limit,
      @Parameter(description = "Records to skip") @QueryParam("offset") String offset,
      @jakarta.ws.rs.HeaderParam("Accept") String accept) {
    boolean csv = wantsCsv(format, accept);
    List<RotationRecord> records =
        rotations.list(
            target == null || target.isBlank() ? null : Params.target("target", target),
            Params.status(status),
            Params.state(state),
            Params.offset(offset),
            Params.limit(limit, MAX_ROWS, MAX_ROWS));
    if (!csv) {
      return Response.ok(records, MediaType.APPLICATION_JSON_TYPE)
          .header("Content-Disposition", "attachment; filename=\"rotations.json\"")
          .build();
    }
    StringBuilder out = new StringBuilder();
    Csv.row(out, CSV_COLUMNS);
    for (RotationRecord r : records) {
      Csv.row(out, csvRow(r));
    }
    return Response.ok(out.toString(), "text/csv; charset=UTF-8")
        .header("Content-Disposition", "attachment; filename=\"rotations.csv\"")
        .build();
  }

  @GET
  @Path("/entries")
  @Produces("application/x-ndjson")
  @Operation(
      summary = "Export entries as JSON lines",
      description =
          "One line per entry from `from` on, in log order: leafIndex, eventId, canonical (the"
              + " exact hashed bytes, base64), leafHash, prevHash, chainHash. With the signed"
              + " checkpoints this is all an auditor needs to verify the log independently.")
  @APIResponse(responseCode = "200", description = "The entries")
  @APIResponse(responseCode = "400", description = "A parameter is invalid")
  public Response entries(
      @Parameter(description = "First leaf index (default 0)") @QueryParam("from") String from,
      @Parameter(description = "Most entries (default and maximum 5000)") @QueryParam("limit")
          String limit) {
    Long first = Params.optionalNonNegative("from", from);
    int max = Params.limit(limit, MAX_ROWS, MAX_ROWS);
    PanacheQuery<EntryEntity> query =
        EntryEntity.find("leafIndex >= ?1 order by leafIndex", first == null ? 0L : first);
    List<EntryEntity> page = query.page(0, max).list();
    Base64.Encoder b64 = Base64.getEncoder();
    StringBuilder out = new StringBuilder();
    for (EntryEntity e : page) {
      Map<String, Object> line = new LinkedHashMap<>();
      line.put("leafIndex", e.leafIndex);
      line.put("eventId", e.eventId);
      line.put("canonical", b64.encodeToString(e.canonical));
      line.put("leafHash", b64.encodeToString(e.leafHash));
      line.put("prevHash", b64.encodeToString(e.prevHash));
      line.put("chainHash", b64.encodeToString(e.chainHash));
      try {
        out.append(json.writeValueAsString(line)).append('\n');
      } catch (JsonProcessingException ex) {
        throw new IllegalStateException("cannot write an entry line", ex);
      }
    }
    return Response.ok(out.toString(), "application/x-ndjson").build();
  }

  private static boolean wantsCsv(String format, String accept) {
    if (format != null && !format.isBlank()) {
      if (format.equalsIgnoreCase("csv")) {
        return true;
      }
      if (format.equalsIgnoreCase("json")) {
        return false;
      }
      throw ApiException.invalid("format", "format must be json or csv");
    }
    return accept != null && accept.contains("text/csv") && !accept.contains("application/json");
  }

  static List<String> csvRow(RotationRecord r) {
    return List.of(
        nz(r.rotationId()),
        nz(r.targetId()),
        r.status().name(),
        text(r.startedAt()),
        text(r.endedAt()),
        nz(r.requestedBy()),
        text(r.requestedAt()),
        Csv.list(r.approvers()),
        nz(r.previousKeyId()),
        nz(r.previousFingerprint()),
        nz(r.keyId()),
        nz(r.fingerprint()),
        nz(r.commit()),
        nz(r.rollbackCommit()),
        Csv.list(r.clusters()),
        Csv.list(r.verdicts().stream().map(v -> v.cluster() + "=" + v.verdict()).toList()),
        r.escrow() == null ? "" : Csv.list(r.escrow().recipients()),
        r.escrow() == null ? "" : sha256(r.escrow().armored()),
        r.escrow() == null ? "" : Long.toString(r.escrow().entry()),
        nz(r.outcome()),
        nz(r.outcomeMessage()),
        Long.toString(r.firstEntry()),
        Long.toString(r.lastEntry()),
        r.progress() == null ? "" : r.progress().name());
  }

  private static String nz(String value) {
    return value == null ? "" : value;
  }

  private static String text(Object value) {
    return value == null ? "" : value.toString();
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
