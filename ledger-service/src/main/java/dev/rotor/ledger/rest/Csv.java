package dev.rotor.ledger.rest;

import java.util.List;

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

  static String field(String value) {
    if (value == null || value.isEmpty()) {
      return "";
    }
    String text = value;
    char first = text.charAt(0);
    if (first == '='
        || first == '+'
        || first == '-'
        || first == '@'
        || first == '\t'
        || first == '\r') {
      text = "'" + text;
    }
    if (text.indexOf(',') >= 0
        || text.indexOf('"') >= 0
        || text.indexOf('\n') >= 0
        || text.indexOf('\r') >= 0) {
      return '"' + text.replace("\"", "\"\"") + '"';
    }
    return text;
  }
}
