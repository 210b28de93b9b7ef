package dev.rotor.ledger.rest;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * RFC 4180 CSV: fields with a comma, quote or line break are quoted, quotes doubled, lines end with
 * CRLF. A field that a spreadsheet would run as a formula (starting with {@code = + - @}, tab or
 * carriage return) gets a leading apostrophe, as OWASP advises for CSV exports.
 */
final class Csv {
  private Csv() {}

  static void row(StringBuilder out, List<String> fields) {
    for (int i = 0; i < fields.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      out.append(field(fields.get(i)));
    }
    out.append("\r\n");
  }

  /**
   * A list in one field, its elements joined with {@code ;}. A spreadsheet may split such a field
   * at {@code ;} (it is the column separator in many locales), so every part between two {@code ;}
   * is guarded against formulas, not only the start of the field.
   */
  static String list(List<String> values) {
    return values.stream()
        .flatMap(value -> Arrays.stream(value.split(";", -1)))
        .map(Csv::guard)
        .collect(Collectors.joining(";"));
  }

  static String field(String value) {
    if (value == null || value.isEmpty()) {
      return "";
    }
    String text = guard(value);
    if (text.indexOf(',') >= 0
        || text.indexOf('"') >= 0
        || text.indexOf('\n') >= 0
        || text.indexOf('\r') >= 0) {
      return '"' + text.replace("\"", "\"\"") + '"';
    }
    return text;
  }

  /** {@code text} with a leading apostrophe when a spreadsheet would run it as a formula. */
  private static String guard(String text) {
    if (text.isEmpty() || text.startsWith("'")) {
      return text;
    }
    char first = text.charAt(0);
    if (first == '='
        || first == '+'
        || first == '-'
        || first == '@'
        || first == '\t'
        || first == '\r') {
      return "'" + text;
    }
    return text;
  }
}
