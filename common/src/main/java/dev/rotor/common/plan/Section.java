package dev.rotor.common.plan;

import java.time.DateTimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One mapping of the policy document being read: typed access to its fields that records a problem
 * (with path and line) instead of throwing, so that reading goes on and every problem of the file
 * is reported at once.
 */
final class Section {

  /** Reads a node into a value, or records a problem at {@code path} and returns {@code null}. */
  @FunctionalInterface
  interface Value<T> {
    T read(YamlTree.Node node, String path, Problems problems);
  }

  private static final Pattern FIELD_MESSAGE =
      Pattern.compile("([A-Za-z][A-Za-z0-9]*(?:\\.[A-Za-z][A-Za-z0-9]*)*): (.*)", Pattern.DOTALL);

  private final YamlTree.Mapping node;
  private final String path;
  private final Problems problems;

  private Section(YamlTree.Mapping node, String path, Problems problems) {
    this.node = node;
    this.path = path;
    this.problems = problems;
  }

  /**
   * Reads {@code node} as a mapping that may hold only {@code fields}; each other key is reported.
   * Returns {@code null} after recording a problem if the node is not a mapping.
   */
  static Section of(YamlTree.Node node, String path, Problems problems, List<String> fields) {
    if (!(node instanceof YamlTree.Mapping mapping)) {
      problems.add(path, node.line(), "expected a mapping of fields, got " + node.kind());
      return null;
    }
    for (Map.Entry<String, YamlTree.Entry> e : mapping.entries().entrySet()) {
      if (!fields.contains(e.getKey())) {
        problems.add(
            YamlTree.child(path, e.getKey()),
            e.getValue().keyLine(),
            "unknown field"
                + suggestion(e.getKey(), fields)
                + "; expected one of "
                + String.join(", ", fields));
      }
    }
    return new Section(mapping, path, problems);
  }

  String path() {
    return path;
  }

  int line() {
    return node.line();
  }

  Problems problems() {
    return problems;
  }

  /** The field's value, or {@code null} if it is absent or explicitly empty ({@code key: ~}). */
  YamlTree.Node node(String key) {
    YamlTree.Entry e = node.entries().get(key);
    if (e == null || e.value() instanceof YamlTree.Scalar s && s.isNull()) {
      return null;
    }
    return e.value();
  }

  boolean has(String key) {
    return node(key) != null;
  }

  String pathOf(String key) {
    return YamlTree.child(path, key);
  }

  /** The line of the field's value, or of this mapping if the field is absent. */
  int lineOf(String key) {
    YamlTree.Entry e = node.entries().get(key);
    return e == null ? node.line() : e.value().line();
  }

  void problem(String key, String message) {
    problems.add(pathOf(key), lineOf(key), message);
  }

  void problem(String message) {
    problems.add(path, node.line(), message);
  }

  /** The field read as {@code value}; {@code null} if absent or unreadable (a problem recorded). */
  <T> T get(String key, Value<T> value) {
    YamlTree.Node n = node(key);
    return n == null ? null : value.read(n, pathOf(key), problems);
  }

  /** Like {@link #get}, but an absent field is a problem too. */
  <T> T require(String key, Value<T> value) {
    YamlTree.Node n = node(key);
    if (n == null) {
      problem(key, "is required");
      return null;
    }
    return value.read(n, pathOf(key), problems);
  }

  /** The field as a sub-section holding only {@code fields}; {@code null} if absent or wrong. */
  Section section(String key, List<String> fields) {
    YamlTree.Node n = node(key);
    return n == null ? null : of(n, pathOf(key), problems, fields);
  }

  /**
   * The field as a list of {@code value}s; {@code null} if absent or if any element is wrong (each
   * recorded).
   */
  <T> List<T> list(String key, Value<T> value) {
    YamlTree.Node n = node(key);
    return n == null ? null : list(value).read(n, pathOf(key), problems);
  }

  /** Like {@link #list(String, Value)}, but an empty list is a problem too. */
  <T> List<T> nonEmptyList(String key, Value<T> value, String problem) {
    List<T> list = list(key, value);
    if (list != null && list.isEmpty()) {
      problem(key, problem);
      return null;
    }
    return list;
  }

  /** A reader of a YAML list whose elements are read by {@code element}. */
  static <T> Value<List<T>> list(Value<T> element) {
    return (n, path, problems) -> {
      if (!(n instanceof YamlTree.Sequence seq)) {
        problems.add(path, n.line(), "expected a list, got " + n.kind());
        return null;
      }
      int before = problems.count();
      List<T> out = new ArrayList<>();
      for (int i = 0; i < seq.items().size(); i++) {
        YamlTree.Node item = seq.items().get(i);
        String itemPath = path + "[" + i + "]";
        if (item instanceof YamlTree.Scalar s && s.isNull()) {
          problems.add(itemPath, item.line(), "is empty");
          continue;
        }
        T v = element.read(item, itemPath, problems);
        if (v != null) {
          out.add(v);
        }
      }
      return problems.count() == before ? out : null;
    };
  }

  /**
   * Runs a record's constructor; its {@link IllegalArgumentException} (the model's own checks,
   * messages like {@code thresholds.maxErrorRate: must be between 0 and 1}) becomes a problem at
   * the field of this section it names.
   */
  <T> T build(Supplier<T> constructor) {
    try {
      return constructor.get();
    } catch (IllegalArgumentException e) {
      String message = e.getMessage() == null ? "is not valid" : e.getMessage();
      Matcher m = FIELD_MESSAGE.matcher(message);
      if (m.matches()) {
        String field = m.group(1).substring(m.group(1).lastIndexOf('.') + 1);
        problem(field, m.group(2));
      } else {
        problem(message);
      }
      return null;
    }
  }

  // ---- scalar readers

  static final Value<String> STRING =
      (n, path, problems) -> {
        if (n instanceof YamlTree.Scalar s && s.type() == YamlTree.ScalarType.STRING) {
          if (s.text().isBlank()) {
            problems.add(path, n.line(), "must not be empty");
            return null;
          }
          return s.text();
        }
        String hint =
            n instanceof YamlTree.Scalar s && s.type() == YamlTree.ScalarType.BOOLEAN
                ? " (YAML reads " + s.text() + " as a boolean: put it in quotes)"
                : n instanceof YamlTree.Scalar ? " (put it in quotes)" : "";
        problems.add(path, n.line(), "expected a string, got " + n.kind() + hint);
        return null;
      };

  static final Value<Boolean> BOOLEAN =
      (n, path, problems) -> {
        if (n instanceof YamlTree.Scalar s && s.type() == YamlTree.ScalarType.BOOLEAN) {
          return s.bool();
        }
        problems.add(path, n.line(), "expected true or false, got " + describe(n));
        return null;
      };

  static final Value<Long> LONG =
      (n, path, problems) -> {
        if (n instanceof YamlTree.Scalar s && s.type() == YamlTree.ScalarType.INTEGER) {
          if (s.number() instanceof Integer || s.number() instanceof Long) {
            return s.number().longValue();
          }
          problems.add(path, n.line(), "is out of range: " + Problems.show(s.text()));
          return null;
        }
        problems.add(path, n.line(), "expected a whole number, got " + describe(n));
        return null;
      };

  static final Value<Integer> INTEGER =
      (n, path, problems) -> {
        Long v = LONG.read(n, path, problems);
        if (v != null && (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE)) {
          problems.add(path, n.line(), "is out of range: " + v);
          return null;
        }
        return v == null ? null : v.intValue();
      };

  static final Value<Double> NUMBER =
      (n, path, problems) -> {
        if (n instanceof YamlTree.Scalar s
            && (s.type() == YamlTree.ScalarType.INTEGER || s.type() == YamlTree.ScalarType.FLOAT)
            && s.number() != null
            && Double.isFinite(s.number().doubleValue())) {
          return s.number().doubleValue();
        }
        problems.add(path, n.line(), "expected a finite number, got " + describe(n));
        return null;
      };

  /**
   * A string parsed by {@code parse}; a parse failure is reported as "expected {@code expected},
   * got '...'".
   */
  static <T> Value<T> parsed(String expected, Function<String, T> parse) {
    return (n, path, problems) -> {
      if (!(n instanceof YamlTree.Scalar s) || s.type() != YamlTree.ScalarType.STRING) {
        problems.add(path, n.line(), "expected " + expected + ", got " + describe(n));
        return null;
      }
      try {
        return parse.apply(s.text());
      } catch (DateTimeException | IllegalArgumentException e) {
        problems.add(path, n.line(), "expected " + expected + ", got " + Problems.show(s.text()));
        return null;
      }
    };
  }

  /** A string that must also satisfy {@code valid}; else {@code message} is recorded. */
  static Value<String> matching(Pattern valid, String message) {
    return (n, path, problems) -> {
      String s = STRING.read(n, path, problems);
      if (s == null) {
        return null;
      }
      if (!valid.matcher(s).matches()) {
        problems.add(path, n.line(), message + ", got " + Problems.show(s));
        return null;
      }
      return s;
    };
  }

  private static String describe(YamlTree.Node n) {
    return n instanceof YamlTree.Scalar s && s.type() != YamlTree.ScalarType.NULL
        ? s.kind() + " " + Problems.show(s.text())
        : n.kind();
  }

  /** "; did you mean 'x'?" for a key that differs from a known field by case or a typo. */
  private static String suggestion(String key, List<String> fields) {
    for (String f : fields) {
      int tolerated = Math.min(f.length(), key.length()) <= 4 ? 1 : 2;
      if (distance(f.toLowerCase(), key.toLowerCase()) <= tolerated) {
        return " (did you mean '" + f + "'?)";
      }
    }
    return "";
  }

  private static int distance(String a, String b) {
    if (Math.abs(a.length() - b.length()) > 2 || a.length() > 64 || b.length() > 64) {
      return Integer.MAX_VALUE;
    }
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
