package dev.rotor.ledger.rest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.ledger.rotation.RotationRecord;
import dev.rotor.ledger.rotation.RotationStatus;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The CSV export: no part of a field a spreadsheet may split off runs as a formula. */
class CsvTest {

  @Test
  void everyPartOfAListIsGuardedAgainstFormulas() {
    assertThat(Csv.list(List.of("bob", "=HYPERLINK(\"http://evil\")", "x;@SUM(A1)")))
        .isEqualTo("bob;'=HYPERLINK(\"http://evil\");x;'@SUM(A1)");
  }

  @Test
  void anApproverHidingAFormulaBehindASemicolonIsGuardedInTheExportRow() {
    RotationRecord record =
        new RotationRecord(
            "r-1",
            "ns-a/secret-a",
            RotationStatus.COMPLETED,
            null,
            Instant.EPOCH,
            Instant.EPOCH,
            Instant.EPOCH,
            Instant.EPOCH,
            "alice",
            Instant.EPOCH,
            null,
            List.of("bob", "x;=HYPERLINK(\"http://evil\",\"click\")"),
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            List.of(),
            List.of(),
            null,
            null,
            null,
            0,
            1,
            2);

    String approvers = ExportResource.csvRow(record).get(7);
    StringBuilder line = new StringBuilder();
    Csv.row(line, List.of(approvers));

    assertThat(approvers).isEqualTo("bob;x;'=HYPERLINK(\"http://evil\",\"click\")");
    for (String part : approvers.split(";")) {
      assertThat(part).doesNotStartWith("=");
    }
    assertThat(line.toString()).startsWith("\"bob;x;'=HYPERLINK(");
  }
}
