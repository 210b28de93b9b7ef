package dev.rotor.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.cli.CliException;
import dev.rotor.cli.CommonOptions;
import dev.rotor.cli.ExitCodes;
import dev.rotor.cli.Json;
import dev.rotor.cli.LedgerOptions;
import dev.rotor.cli.kafka.EventReader;
import dev.rotor.cli.kafka.KafkaAccess;
import dev.rotor.cli.ledger.LedgerClient;
import dev.rotor.cli.rotation.RotationState;
import dev.rotor.cli.rotation.StageProgress;
import dev.rotor.cli.rotation.Texts;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.RotationApproved;
import dev.rotor.common.plan.TargetIds;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code rotorctl history}: a target's rotations as the runbook's ledger records them: when,
 * operator, approvers, old and new key, commit, verdicts.
 */
@Command(
    name = "history",
    mixinStandardHelpOptions = true,
    description = {
      "A target's rotations, newest first: when, who asked, who approved, old and new key,"
          + " commit and verdicts. From the event topics, or from the ledger when --ledger-url"
          + " (or ROTOR_LEDGER_URL) is set."
    })
public class HistoryCommand implements Callable<Integer> {

  @Parameters(
      index = "0",
      paramLabel = "<target>",
      description = "The target, <namespace>/<secret name>.")
  String target;

  @Mixin CommonOptions common;
  @Mixin LedgerOptions ledger;
  @Spec CommandSpec spec;

  /** One rotation of the target. */
  record Entry(
      String rotationId,
      String outcome,
      Instant requestedAt,
      Instant endedAt,
      String requestedBy,
      List<String> approvers,
      String previousKeyId,
      String keyId,
      String fingerprint,
      String commit,
      String verdicts) {}

  @Override
  public Integer call() {
    if (!TargetIds.isValid(target)) {
      throw CliException.usage(
          "ROTOR-7000", "<target>: not a target id; expected <namespace>/<secret name>");
    }
    Optional<URI> ledgerUrl = ledger.ledgerUrl();
    List<Entry> entries =
        ledgerUrl.isPresent()
            ? fromLedger(new LedgerClient(ledgerUrl.get(), common.timeout()))
            : fromTopics(new KafkaAccess(common.bootstrapServers(), common.timeout()));
    entries =
        entries.stream()
            .sorted(
                Comparator.comparing(
                    Entry::requestedAt, Comparator.nullsLast(Comparator.reverseOrder())))
            .toList();
    print(entries);
    return ExitCodes.OK;
  }

  private List<Entry> fromTopics(KafkaAccess kafka) {
    kafka.requireReachable();
    Map<String, RotationState> rotations = new LinkedHashMap<>();
    try (EventReader reader =
        new EventReader(kafka, EventReader.anyRotation().and(EventReader.target(target)))) {
      for (EventEnvelope event : reader.catchUp()) {
        rotations.computeIfAbsent(event.rotationId(), RotationState::new).apply(event);
      }
      RotationLookup.skippedWarning(reader).forEach(spec.commandLine().getErr()::println);
    }
    List<Entry> entries = new ArrayList<>();
    for (RotationState state : rotations.values()) {
      List<String> approvers =
          state.merge() != null && !state.merge().approvers().isEmpty()
              ? state.merge().approvers()
              : state.approvals().stream()
                  .filter(a -> !a.force())
                  .map(RotationApproved::approver)
                  .distinct()
                  .toList();
      String previous =
          state.completed() != null && state.completed().previousFingerprint() != null
              ? state.completed().previousFingerprint().substring(0, 8)
              : state.proposal() == null ? null : state.proposal().previousKeyId();
      String commit =
          state.completed() != null
              ? state.completed().commit()
              : state.rolledBack() != null
                  ? state.rolledBack().commit()
                  : state.merge() == null ? null : state.merge().mergeCommit();
      entries.add(
          new Entry(
              state.rotationId(),
              // Unrequested (events but no rotation.requested) as in the ledger's records.
              state.listedStatus(),
              state.requestedAt(),
              state.endedAt(),
              state.requestedBy(),
              approvers,
              previous,
              state.key() == null ? null : state.key().keyId(),
              state.fingerprint(),
              commit,
              state.stages().stream()
                  .filter(s -> s.verdict() != null)
                  .map(HistoryCommand::verdict)
                  .collect(Collectors.joining(", "))));
    }
    return entries;
  }

  private static String verdict(StageProgress stage) {
    String verdict =
        stage.forced() ? "forced" : stage.verdict().name().toLowerCase(java.util.Locale.ROOT);
    return stage.cluster() + " " + verdict;
  }

  private List<Entry> fromLedger(LedgerClient client) {
    String[] parts = target.split("/", 2);
    JsonNode history =
        client.get("ledger/targets/" + parts[0] + "/" + parts[1] + "/history", Map.of());
    List<Entry> entries = new ArrayList<>();
    for (JsonNode record : history.path("rotations")) {
      List<String> approvers = new ArrayList<>();
      record.path("approvers").forEach(a -> approvers.add(a.asText()));
      List<String> verdicts = new ArrayList<>();
      record
          .path("verdicts")
          .forEach(
              v ->
                  verdicts.add(
                      v.path("cluster").asText()
                          + " "
                          + v.path("verdict").asText().toLowerCase(java.util.Locale.ROOT)));
      String status = StatusCommand.text(record, "status");
      entries.add(
          new Entry(
              StatusCommand.text(record, "rotationId"),
              status == null ? "-" : status.toLowerCase(java.util.Locale.ROOT).replace('_', ' '),
              StatusCommand.instant(record, "requestedAt"),
              StatusCommand.instant(record, "endedAt"),
              StatusCommand.text(record, "requestedBy"),
              approvers,
              StatusCommand.text(record, "previousKeyId"),
              StatusCommand.text(record, "keyId"),
              StatusCommand.text(record, "fingerprint"),
              record.hasNonNull("rollbackCommit")
                  ? StatusCommand.text(record, "rollbackCommit")
                  : StatusCommand.text(record, "commit"),
              String.join(", ", verdicts)));
    }
    return entries;
  }

  private void print(List<Entry> entries) {
    PrintWriter out = spec.commandLine().getOut();
    if (common.output() == CommonOptions.OutputFormat.JSON) {
      entries.forEach(entry -> out.println(Json.line(entry)));
      out.flush();
      return;
    }
    if (entries.isEmpty()) {
      out.println("No rotations of " + target + ".");
      out.flush();
      return;
    }
    ZoneId zone = ZoneId.systemDefault();
    List<String[]> table = new ArrayList<>();
    table.add(
        new String[] {
          "REQUESTED", "ROTATION", "OUTCOME", "BY", "APPROVED BY", "KEY", "COMMIT", "VERDICTS"
        });
    for (Entry e : entries) {
      table.add(
          new String[] {
            Texts.dateTime(e.requestedAt(), zone),
            e.rotationId(),
            e.outcome(),
            e.requestedBy() == null ? "-" : e.requestedBy(),
            e.approvers().isEmpty() ? "-" : String.join(",", e.approvers()),
            (e.previousKeyId() == null ? "?" : e.previousKeyId())
                + " -> "
                + (e.keyId() == null ? "-" : e.keyId()),
            Texts.commit(e.commit()),
            e.verdicts().isEmpty() ? "-" : e.verdicts()
          });
    }
    Tables.print(out, table);
  }
}
