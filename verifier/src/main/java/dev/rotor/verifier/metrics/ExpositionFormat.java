package dev.rotor.verifier.metrics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A reader of the Prometheus text exposition format (version 0.0.4, and the sample lines of
 * OpenMetrics 1.0), as served by Micrometer's Prometheus registry on {@code /q/metrics}. The client
 * libraries on the class path only write the format; this reads it.
 *
 * <p>It reads sample lines: {@code name{label="value",...} value [timestamp]}; {@code # HELP},
 * {@code # TYPE}, {@code # EOF} and other comments are skipped. Label values may hold the escapes
 * {@code \\}, {@code \"} and {@code \n}. Values are Go floats ({@code NaN}, {@code +Inf}, {@code
 * -Inf}, {@code 1.5e-3}). A line that breaks the format is an error naming the line number, never a
 * silently wrong number.
 */
public final class ExpositionFormat {

  /** One sample: a metric name, its labels, its value. */
  public record Sample(String name, Map<String, String> labels, double value) {
    public Sample {
      labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    }

    /** The value of {@code label}, or null. */
    public String label(String label) {
      return labels.get(label);
    }
  }

  /** Thrown for text that is not in the exposition format. */
  public static final class FormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    FormatException(int line, String problem) {
      super("line " + line + ": " + problem);
    }
  }

  private ExpositionFormat() {}

  /** Every sample of {@code text}, in order. */
  public static List<Sample> parse(String text) {
    List<Sample> samples = new ArrayList<>();
    int lineNumber = 0;
    for (String line : text.split("\n", -1)) {
      lineNumber++;
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("#")) {
        continue;
      }
      samples.add(new LineReader(trimmed, lineNumber).sample());
    }
    return samples;
  }

  private static final class LineReader {
    private final String line;
    private final int number;
    private int pos;

    LineReader(String line, int number) {
      this.line = line;
      this.number = number;
    }

    Sample sample() {
      String name = name(true);
      Map<String, String> labels = new LinkedHashMap<>();
      boolean blank = skipBlanks();
      if (peek() == '{') {
        pos++;
        labels(labels);
        blank = skipBlanks();
      }
      if (!blank) {
        throw error("expected a blank and a value after the metric name and labels");
      }
      String valueToken = token();
      double value = value(valueToken);
      if (skipBlanks() && pos < line.length()) {
        String timestamp = token();
        if (!timestamp.matches("-?[0-9]+(\\.[0-9]+)?")) {
          throw error("the timestamp is not a number");
        }
        skipBlanks();
      }
      if (pos < line.length()) {
        throw error("unexpected text after the value");
      }
      return new Sample(name, labels, value);
    }

    private void labels(Map<String, String> labels) {
      while (true) {
        skipBlanks();
        if (peek() == '}') {
          pos++;
          return;
        }
        String label = name(false);
        skipBlanks();
        expect('=');
        skipBlanks();
        expect('"');
        StringBuilder value = new StringBuilder();
        while (true) {
          if (pos >= line.length()) {
            throw error("a label value is not closed");
          }
          char c = line.charAt(pos++);
          if (c == '"') {
            break;
          }
          if (c == '\\') {
            if (pos >= line.length()) {
              throw error("a label value ends in an escape");
            }
            char escaped = line.charAt(pos++);
            switch (escaped) {
              case '\\' -> value.append('\\');
              case '"' -> value.append('"');
              case 'n' -> value.append('\n');
              default -> throw error("unknown escape \\" + escaped + " in a label value");
            }
          } else {
            value.append(c);
          }
        }
        if (labels.put(label, value.toString()) != null) {
          throw error("label " + label + " appears twice");
        }
        skipBlanks();
        char next = peek();
        if (next == ',') {
          pos++;
        } else if (next != '}') {
          throw error("expected , or } after a label");
        }
      }
    }

    private String name(boolean metric) {
      int start = pos;
      while (pos < line.length()) {
        char c = line.charAt(pos);
        boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        boolean allowed = letter || (pos > start && c >= '0' && c <= '9') || (metric && c == ':');
        if (!allowed) {
          break;
        }
        pos++;
      }
      if (pos == start) {
        throw error(metric ? "expected a metric name" : "expected a label name");
      }
      return line.substring(start, pos);
    }

    private String token() {
      int start = pos;
      while (pos < line.length() && line.charAt(pos) != ' ' && line.charAt(pos) != '\t') {
        pos++;
      }
      return line.substring(start, pos);
    }

    private double value(String token) {
      switch (token) {
        case "NaN":
          return Double.NaN;
        case "+Inf", "Inf":
          return Double.POSITIVE_INFINITY;
        case "-Inf":
          return Double.NEGATIVE_INFINITY;
        default:
          if (!token.matches("[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?")) {
            throw error("the value is not a number");
          }
          return Double.parseDouble(token);
      }
    }

    /** Skips blanks; whether there were any. */
    private boolean skipBlanks() {
      int start = pos;
      while (pos < line.length() && (line.charAt(pos) == ' ' || line.charAt(pos) == '\t')) {
        pos++;
      }
      return pos > start;
    }

    private char peek() {
      return pos < line.length() ? line.charAt(pos) : '\0';
    }

    private void expect(char c) {
      if (peek() != c) {
        throw error("expected " + c);
      }
      pos++;
    }

    private FormatException error(String problem) {
      return new FormatException(number, problem);
    }
  }
}
