package dev.rotor.cli.commands;

import dev.rotor.cli.rotation.Texts;
import java.io.PrintWriter;
import java.util.List;

/** Plain text tables: columns padded to their widest cell, two spaces apart. */
final class Tables {
  private Tables() {}

  static void print(PrintWriter out, List<String[]> rows) {
    int columns = rows.get(0).length;
    int[] widths = new int[columns];
    for (String[] row : rows) {
      for (int i = 0; i < columns; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < columns; i++) {
        line.append(i == columns - 1 ? row[i] : Texts.pad(row[i], widths[i] + 2));
      }
      out.println(line.toString().stripTrailing());
    }
    out.flush();
  }
}
