package dev.rotor.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.cli.ExitCodes;
import dev.rotor.cli.Json;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code rotorctl ledger record}: a rotation's record as the ledger keeps it. */
@Command(
    name = "record",
    mixinStandardHelpOptions = true,
    description = {
      "A rotation's record in the ledger: when, who asked and approved, old and new"
          + " fingerprint, commit, clusters, verdicts, the escrow copy and the entries behind it."
    })
public class LedgerRecordCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "<rotation-id>", description = "The rotation.")
  String rotationId;

  @Mixin LedgerAccess access;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    RotationLookup.requireRotationId(rotationId);
    JsonNode record = access.client().get("ledger/rotations/" + rotationId, Map.of());
    PrintWriter out = spec.commandLine().getOut();
    if (access.json()) {
      out.println(Json.line(record));
      out.flush();
      return ExitCodes.OK;
    }
    out.println("Ledger record of rotation " + rotationId);
    field(out, "target", record, "targetId");
    field(out, "status", record, "status");
    if ("UNREQUESTED".equals(StatusCommand.text(record, "status"))) {
      // The ledger holds events of this rotation but no rotation.requested: do not let the rest
      // of the record read as a rotation somebody asked for.
      out.println(
          pad("note")
              + "no rotation.requested in the ledger: nobody is on record as having asked for"
              + " this rotation (forged or stray events, or a request still on its way)");
      field(out, "events go as far as", record, "progress");
    }
    field(out, "requested", record, "requestedAt");
    field(out, "requested by", record, "requestedBy");
    field(out, "reason", record, "reason");
    out.println(pad("approved by") + join(record.path("approvers")));
    field(out, "ended", record, "endedAt");
    field(out, "old key", record, "previousKeyId");
    field(out, "old fingerprint", record, "previousFingerprint");
    field(out, "new key", record, "keyId");
    field(out, "new fingerprint", record, "fingerprint");
    field(out, "branch", record, "branch");
    field(out, "commit", record, "commit");
    field(out, "rollback commit", record, "rollbackCommit");
    out.println(pad("clusters") + join(record.path("clusters")));
    List<String> verdicts = new ArrayList<>();
    record
        .path("verdicts")
        .forEach(v -> verdicts.add(v.path("cluster").asText() + " " + v.path("verdict").asText()));
    out.println(pad("verdicts") + (verdicts.isEmpty() ? "-" : String.join(", ", verdicts)));
    JsonNode escrow = record.path("escrow");
    if (!escrow.isMissingNode() && !escrow.isNull()) {
      out.println(
          pad("escrow")
              + "age-sealed to "
              + escrow.path("recipients").size()
              + " recipient(s)"
              + (escrow.hasNonNull("entry") ? ", entry " + escrow.get("entry").asText() : ""));
    }
    field(out, "outcome", record, "outcome");
    field(out, "message", record, "outcomeMessage");
    out.println(
        pad("entries")
            + record.path("entries").asText("-")
            + " (leaves "
            + record.path("firstEntry").asText("?")
            + " to "
            + record.path("lastEntry").asText("?")
            + ")");
    out.flush();
    return ExitCodes.OK;
  }

  private static void field(PrintWriter out, String label, JsonNode record, String field) {
    if (record.hasNonNull(field)) {
      out.println(pad(label) + record.get(field).asText());
    }
  }

  private static String pad(String label) {
    return "  " + label + " ".repeat(Math.max(1, 18 - label.length()));
  }

  private static String join(JsonNode array) {
    List<String> items = new ArrayList<>();
    array.forEach(item -> items.add(item.asText()));
    return items.isEmpty() ? "-" : String.join(", ", items);
  }
}
