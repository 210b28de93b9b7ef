package dev.rotor.cli.rotation;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/** Small text helpers for rotorctl's views: durations, times, bars, short ids. */
public final class Texts {
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");
  private static final DateTimeFormatter DAY_AND_CLOCK =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

  private Texts() {}

  /** {@code 45s}, {@code 4m12s}, {@code 1h02m}; never negative. */
  public static String duration(Duration duration) {
    long seconds = Math.max(0, (duration.toMillis() + 500) / 1000);
    if (seconds < 60) {
      return seconds + "s";
    }
    if (seconds < 3600) {
      return String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
    }
    return String.format(Locale.ROOT, "%dh%02dm", seconds / 3600, (seconds % 3600) / 60);
  }

  /** {@code 12:03:04} in {@code zone}. */
  public static String clock(Instant at, ZoneId zone) {
    return at == null ? "--:--:--" : CLOCK.format(at.atZone(zone));
  }

  /** {@code 2026-11-26 12:03:04} in {@code zone}. */
  public static String dateTime(Instant at, ZoneId zone) {
    return at == null ? "-" : DAY_AND_CLOCK.format(at.atZone(zone));
  }

  /** A bar of {@code width} cells, {@code fraction} of them filled: {@code [######....]}. */
  public static String bar(double fraction, int width) {
    double clamped = Double.isNaN(fraction) ? 0 : Math.max(0, Math.min(1, fraction));
    int filled = (int) Math.floor(clamped * width + 1e-9);
    return "[" + "#".repeat(filled) + ".".repeat(width - filled) + "]";
  }

  /** A bar for work whose length is unknown: a marker that moves with {@code tick}. */
  public static String busyBar(long tick, int width) {
    int span = Math.max(1, width - 3);
    int cycle = span * 2;
    int step = (int) (tick % cycle);
    int position = step <= span ? step : cycle - step;
    char[] cells = ".".repeat(width).toCharArray();
    cells[position] = '<';
    cells[position + 1] = '=';
    cells[position + 2] = '>';
    return "[" + new String(cells) + "]";
  }

  /** A bar that is all failed: {@code [XXXXXXXXXX]}. */
  public static String failedBar(int width) {
    return "[" + "X".repeat(width) + "]";
  }

  /** The first 7 characters of a commit id, as Git shows them. */
  public static String commit(String id) {
    return id == null ? "-" : id.length() <= 7 ? id : id.substring(0, 7);
  }

  /** A fingerprint shortened for a table: {@code 3b1f0c5e…bdf2468}. */
  public static String fingerprint(String fingerprint) {
    if (fingerprint == null) {
      return "-";
    }
    return fingerprint.length() <= 16
        ? fingerprint
        : fingerprint.substring(0, 8) + "..." + fingerprint.substring(fingerprint.length() - 8);
  }

  /** {@code a, b and c}. */
  public static String list(List<String> items) {
    if (items == null || items.isEmpty()) {
      return "-";
    }
    if (items.size() == 1) {
      return items.get(0);
    }
    return String.join(", ", items.subList(0, items.size() - 1))
        + " and "
        + items.get(items.size() - 1);
  }

  /** {@code text} cut to {@code max} characters with an ellipsis, control characters replaced. */
  public static String cut(String text, int max) {
    if (text == null) {
      return "";
    }
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < text.length() && s.length() < max; i++) {
      char c = text.charAt(i);
      s.append(Character.isISOControl(c) ? ' ' : c);
    }
    if (text.length() > max) {
      s.setLength(Math.max(0, max - 3));
      s.append("...");
    }
    return s.toString();
  }

  /** {@code text} padded with spaces to {@code width}. */
  public static String pad(String text, int width) {
    return text.length() >= width ? text : text + " ".repeat(width - text.length());
  }

  /** A number for a table: up to 4 decimals, no exponent. */
  public static String number(Double value) {
    if (value == null || value.isNaN()) {
      return "no data";
    }
    if (value == Math.rint(value) && Math.abs(value) < 1e12) {
      return String.valueOf(value.longValue());
    }
    return String.format(Locale.ROOT, "%.4f", value);
  }
}
