package dev.rotor.common.plan;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import com.fasterxml.jackson.dataformat.yaml.snakeyaml.error.MarkedYAMLException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML document read into nodes that remember their line, so that every problem found later (a
 * missing field, a duplicate cluster) can be reported where it is. Jackson's own tree forgets
 * locations, hence this small one, read from Jackson's YAML token stream.
 */
final class YamlTree {
  private static final YAMLFactory FACTORY = new YAMLFactory();

  /** No policy field nests deeper than this; more is a mistake, not a policy. */
  private static final int MAX_DEPTH = 32;

  private YamlTree() {}

  /** A node of the document. */
  sealed interface Node permits Mapping, Sequence, Scalar {
    /** The 1-based line where the node starts. */
    int line();

    /** What the node is, for messages like "expected a list, got a string". */
    String kind();
  }

  /** A mapping entry: where its key is, and its value. */
  record Entry(int keyLine, Node value) {}

  record Mapping(int line, Map<String, Entry> entries) implements Node {
    @Override
    public String kind() {
      return "a mapping";
    }
  }

  record Sequence(int line, List<Node> items) implements Node {
    @Override
    public String kind() {
      return "a list";
    }
  }

  /** YAML's resolution of a plain scalar, as Jackson reports it. */
  enum ScalarType {
    STRING("a string"),
    INTEGER("a number"),
    FLOAT("a number"),
    BOOLEAN("a boolean"),
    NULL("nothing");

    final String kind;

    ScalarType(String kind) {
      this.kind = kind;
    }
  }

  /**
   * @param number the value of an {@code INTEGER} or {@code FLOAT}; {@code null} otherwise
   */
  record Scalar(int line, ScalarType type, String text, Number number, Boolean bool)
      implements Node {
    @Override
    public String kind() {
      return type.kind;
    }

    boolean isNull() {
      return type == ScalarType.NULL;
    }
  }

  /**
   * Reads one YAML document. Returns {@code null} after recording a problem if there is no usable
   * document; the returned tree may still have recorded problems (duplicate keys, aliases).
   */
  static Node read(String content, Problems problems) {
    try (JsonParser p = FACTORY.createParser(content)) {
      if (p.nextToken() == null) {
        problems.add("", 0, "the file is empty; expected a " + PolicyReader.KIND + " document");
        return null;
      }
      Node root = readValue(p, "", 0, problems);
      if (p.nextToken() != null) {
        problems.add(
            "",
            line(p),
            "a policy file holds exactly one YAML document; remove the second one (after '---')");
      }
      return root;
    } catch (MarkedYAMLException e) {
      String message = "not valid YAML: " + e.getProblem();
      if (e.getContext() != null) {
        message += " (" + e.getContext() + ")";
      }
      int line = e.getProblemMark() != null ? e.getProblemMark().getLine() + 1 : location(e);
      problems.add("", line, message);
      return null;
    } catch (StreamReadException e) {
      problems.add("", location(e), "not valid YAML: " + e.getOriginalMessage());
      return null;
    } catch (IOException e) {
      problems.add("", 0, "cannot read the document: " + e.getMessage());
      return null;
    }
  }

  private static Node readValue(JsonParser p, String path, int depth, Problems problems)
      throws IOException {
    int line = line(p);
    JsonToken token = p.currentToken();
    if (depth > MAX_DEPTH && (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY)) {
      problems.add(path, line, "nested too deeply (more than " + MAX_DEPTH + " levels)");
      p.skipChildren();
      return new Scalar(line, ScalarType.NULL, "", null, null);
    }
    switch (token) {
      case START_OBJECT:
        Map<String, Entry> entries = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String key = p.currentName();
          int keyLine = line(p);
          String keyPath = child(path, key);
          p.nextToken();
          Node value = readValue(p, keyPath, depth + 1, problems);
          Entry first = entries.putIfAbsent(key, new Entry(keyLine, value));
          if (first != null) {
            problems.add(
                keyPath,
                keyLine,
                "appears twice in one mapping (first at line " + first.keyLine + ")");
          }
        }
        return new Mapping(line, Collections.unmodifiableMap(entries));
      case START_ARRAY:
        List<Node> items = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
          items.add(readValue(p, path + "[" + items.size() + "]", depth + 1, problems));
        }
        return new Sequence(line, List.copyOf(items));
      case VALUE_STRING:
        if (p instanceof YAMLParser yaml && yaml.isCurrentAlias()) {
          problems.add(
              path,
              line,
              "YAML aliases (here *"
                  + Problems.show(p.getText())
                  + ") are not supported; write the value out, or put it under defaults");
          return new Scalar(line, ScalarType.NULL, "", null, null);
        }
        return new Scalar(line, ScalarType.STRING, p.getText(), null, null);
      case VALUE_NUMBER_INT:
      case VALUE_NUMBER_FLOAT:
        ScalarType type =
            token == JsonToken.VALUE_NUMBER_INT ? ScalarType.INTEGER : ScalarType.FLOAT;
        return new Scalar(line, type, p.getText(), number(p), null);
      case VALUE_TRUE:
      case VALUE_FALSE:
        return new Scalar(
            line, ScalarType.BOOLEAN, p.getText(), null, token == JsonToken.VALUE_TRUE);
      case VALUE_NULL:
        return new Scalar(line, ScalarType.NULL, "", null, null);
      default:
        problems.add(path, line, "unexpected YAML content (" + token + ")");
        p.skipChildren();
        return new Scalar(line, ScalarType.NULL, "", null, null);
    }
  }

  /**
   * The number Jackson reads from the scalar, or {@code null} if it cannot (then it is unusable).
   */
  private static Number number(JsonParser p) {
    try {
      return p.getNumberValue();
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  static String child(String path, String key) {
    String shown =
        key.isEmpty() || key.chars().anyMatch(Character::isISOControl) ? Problems.show(key) : key;
    return path.isEmpty() ? shown : path + "." + shown;
  }

  private static int line(JsonParser p) {
    return Math.max(0, p.currentTokenLocation().getLineNr());
  }

  private static int location(StreamReadException e) {
    return e.getLocation() == null ? 0 : Math.max(0, e.getLocation().getLineNr());
  }
}
