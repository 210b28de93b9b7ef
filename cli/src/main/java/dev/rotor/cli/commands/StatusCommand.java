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
import dev.rotor.cli.rotation.Texts;
import dev.rotor.common.event.EventEnvelope;
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
import java.util.function.Predicate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code rotorctl status}: where the rotations stand, newest first. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = {
      "Where the rotations stand, newest first: from the event topics, or from the ledger's"
          + " records when --ledger-url (or ROTOR_LEDGER_URL) is set."
    })
public class StatusCommand implements Callable<Integer> {

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "<target>",
      description = "Only this target, <namespace>/<secret name>.")
  String target;

  @Option(
      names = "--in-flight",
      description =
          "Only rotations that were requested and have not ended (rotations with events but no"
              + " rotation.requested are left out and counted on stderr).")
  boolean inFlight;

  @Option(
      names = "--limit",
      paramLabel = "<n>",
      description = "At most this many rotations (default 20).")
  int limit = 20;

  @Mixin CommonOptions common;
  @Mixin LedgerOptions ledger;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    if (target != null && !TargetIds.isValid(target)) {
      throw CliException.usage(
          "ROTOR-7000", "<target>: not a target id; expected <namespace>/<secret name>");
    }
    if (limit < 1 || limit > 1000) {
      throw CliException.usage("ROTOR-7000", "--limit: between 1 and 1000");
    }
    Read read;
    Optional<URI> ledgerUrl = ledger.ledgerUrl();
    String holder = ledgerUrl.isPresent() ? "the ledger holds" : "the topics hold";
    if (ledgerUrl.isPresent()) {
      read = fromLedger(new LedgerClient(ledgerUrl.get(), common.timeout()));
    } else {
      List<Row> all = fromTopics(new KafkaAccess(common.bootstrapServers(), common.timeout()));
      read =
          new Read(
              all,
              all.stream().filter(Row::unrequested).count(),
              all.stream().filter(Row::inFlight).count());
    }
    List<Row> rows =
        read.rows().stream()
            .filter(row -> !inFlight || row.inFlight())
            .sorted(
                Comparator.comparing(
                    Row::updatedAt, Comparator.nullsLast(Comparator.reverseOrder())))
            .limit(limit)
            .toList();
    print(rows);
    PrintWriter err = spec.commandLine().getErr();
    if (inFlight && read.unrequested() > 0) {
      err.println(
          "rotorctl: ROTOR-7205 left out "
              + read.unrequested()
              + " rotation(s) "
              + holder
              + " events of but no rotation.requested for (status"
              + " unrequested: forged or stray events, or a request still on its way); rotorctl"
              + " status lists them");
    }
    if (inFlight && read.inFlight() > rows.size()) {
      err.println(
          "rotorctl: ROTOR-7206 "
              + rows.size()
              + " of the "
              + read.inFlight()
              + " rotations in flight shown; --limit shows more");
    }
    err.flush();
    return ExitCodes.OK;
  }

  /**
   * One rotation in the table; {@code unrequested}: the ledger holds events of it but no {@code
   * rotation.requested} (its status UNREQUESTED), so it is not presented as in flight.
   */
  record Row(
      String rotationId,
      String targetId,
      String status,
      boolean ended,
      boolean unrequested,
      String requestedBy,
      Instant requestedAt,
      Instant updatedAt,
      String keyId) {
    boolean inFlight() {
      return !ended && !unrequested;
    }
  }

  private List<Row> fromTopics(KafkaAccess kafka) {
    kafka.requireReachable();
    Predicate<Map<String, String>> filter =
        target == null
            ? EventReader.anyRotation()
            : EventReader.anyRotation().and(EventReader.target(target));
    Map<String, RotationState> rotations = new LinkedHashMap<>();
    try (EventReader reader = new EventReader(kafka, filter)) {
      for (EventEnvelope event : reader.catchUp()) {
        rotations.computeIfAbsent(event.rotationId(), RotationState::new).apply(event);
      }
      RotationLookup.skippedWarning(reader).forEach(spec.commandLine().getErr()::println);
    }
    List<Row> rows = new ArrayList<>();
    for (RotationState state : rotations.values()) {
      // Events of a rotation without its rotation.requested (a forged approval, a stray rollout)
      // are not a rotation somebody asked for, as in the ledger's records.
      rows.add(
          new Row(
              state.rotationId(),
              state.targetId(),
              state.listedStatus(),
              state.outcome().terminal(),
              state.unrequested(),
              state.requestedBy(),
              state.requestedAt(),
              state.lastEventAt(),
              state.key() == null ? null : state.key().keyId()));
    }
    return rows;
  }

  /**
   * What was read.
   *
   * @param rows the rotations read (with {@code --in-flight}, others may be among them)
   * @param unrequested how many rotations the source holds events of but no request for
   * @param inFlight how many rotations in flight the source holds, -1 when not known
   */
  private record Read(List<Row> rows, long unrequested, long inFlight) {}

  /** The most pages of records {@code --in-flight} reads from a ledger that cannot filter. */
  static final int MAX_PAGES = 50;

  /**
   * Newest first from the ledger: one page of {@code limit} records. With {@code --in-flight} the
   * ledger filters ({@code state=in-flight}) before it pages, so rotations in flight are found
   * behind any number of newer ended or unrequested ones, and counts ({@code
   * /ledger/rotation-counts}) how many it holds of each kind. A ledger older than that (no counts,
   * {@code state} ignored) is read as before: pages filtered here, at most {@link #MAX_PAGES}.
   */
  private Read fromLedger(LedgerClient client) {
    if (!inFlight) {
      return new Read(page(client, null, 0), 0, -1);
    }
    JsonNode counts = counts(client);
    if (counts != null) {
      return new Read(
          page(client, "in-flight", 0),
          counts.path("unrequested").asLong(),
          counts.path("inFlight").asLong());
    }
    List<Row> rows = new ArrayList<>();
    for (int page = 0; page < MAX_PAGES; page++) {
      List<Row> read = page(client, null, rows.size());
      rows.addAll(read);
      // An empty page is the end (a short one may be the ledger's page-size cap).
      if (read.isEmpty() || rows.stream().filter(Row::inFlight).count() >= limit) {
        break;
      }
    }
    return new Read(rows, rows.stream().filter(Row::unrequested).count(), -1);
  }

  /** The ledger's counts of the target's rotations (or all), null if it predates them (404). */
  private JsonNode counts(LedgerClient client) {
    Map<String, String> query = new LinkedHashMap<>();
    query.put("target", target);
    try {
      return client.get("ledger/rotation-counts", query);
    } catch (CliException e) {
      if (LedgerClient.isNotFound(e)) {
        return null;
      }
      throw e;
    }
  }

  /** One page of {@code limit} records from {@code offset}, of one state when given. */
  private List<Row> page(LedgerClient client, String state, int offset) {
    Map<String, String> query = new LinkedHashMap<>();
    query.put("target", target);
    query.put("state", state);
    query.put("limit", String.valueOf(limit));
    if (offset > 0) {
      query.put("offset", String.valueOf(offset));
    }
    List<Row> rows = new ArrayList<>();
    for (JsonNode record : client.get("ledger/rotations", query)) {
      String status = text(record, "status");
      rows.add(
          new Row(
              text(record, "rotationId"),
              text(record, "targetId"),
              status == null ? "-" : status.toLowerCase(java.util.Locale.ROOT).replace('_', ' '),
              record.hasNonNull("endedAt"),
              "UNREQUESTED".equals(status),
              text(record, "requestedBy"),
              instant(record, "requestedAt"),
              instant(record, "updatedAt"),
              text(record, "keyId")));
    }
    return rows;
  }

  static String text(JsonNode node, String field) {
    return node.hasNonNull(field) ? node.get(field).asText() : null;
  }

  static Instant instant(JsonNode node, String field) {
    String value = text(node, field);
    try {
      return value == null ? null : Instant.parse(value);
    } catch (java.time.format.DateTimeParseException e) {
      return null;
    }
  }

  private void print(List<Row> rows) {
    PrintWriter out = spec.commandLine().getOut();
    if (common.output() == CommonOptions.OutputFormat.JSON) {
      rows.forEach(row -> out.println(Json.line(row)));
      out.flush();
      return;
    }
    if (rows.isEmpty()) {
      out.println(
          inFlight
              ? "No rotation in flight" + (target == null ? "." : " for " + target + ".")
              : "No rotations" + (target == null ? "." : " of " + target + "."));
      out.flush();
      return;
    }
    ZoneId zone = ZoneId.systemDefault();
    List<String[]> table = new ArrayList<>();
    table.add(
        new String[] {
          "ROTATION", "TARGET", "STATUS", "KEY", "REQUESTED BY", "REQUESTED", "UPDATED"
        });
    for (Row row : rows) {
      table.add(
          new String[] {
            row.rotationId(),
            String.valueOf(row.targetId()),
            row.status(),
            row.keyId() == null ? "-" : row.keyId(),
            row.requestedBy() == null ? "-" : row.requestedBy(),
            Texts.dateTime(row.requestedAt(), zone),
            Texts.dateTime(row.updatedAt(), zone)
          });
    }
    Tables.print(out, table);
  }
}
