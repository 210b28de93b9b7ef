package dev.rotor.testsupport.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * JSON trees as the API server sees them: RFC 7386 merge patches, and the leaf fields of an object
 * (what server-side apply tracks ownership of). Field paths are JSON pointers ({@code
 * /data/keyring.primary}); lists are atomic leaves, as for most fields of built-in types.
 */
final class JsonTrees {

  /** Fields the API server sets itself: never owned, never merged from a request. */
  private static final Set<String> SYSTEM_FIELDS =
      Set.of(
          "/apiVersion",
          "/kind",
          "/metadata/name",
          "/metadata/namespace",
          "/metadata/resourceVersion",
          "/metadata/uid",
          "/metadata/creationTimestamp",
          "/metadata/generation",
          "/metadata/managedFields",
          "/metadata/selfLink",
          "/metadata/deletionTimestamp");

  private JsonTrees() {}

  /** Applies an RFC 7386 merge patch to {@code target} in place and returns it. */
  static JsonNode mergePatch(JsonNode target, JsonNode patch) {
    if (!patch.isObject()) {
      return patch.deepCopy();
    }
    ObjectNode result =
        target != null && target.isObject()
            ? (ObjectNode) target
            : com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    for (Map.Entry<String, JsonNode> field : patch.properties()) {
      if (field.getValue().isNull()) {
        result.remove(field.getKey());
      } else {
        result.set(field.getKey(), mergePatch(result.get(field.getKey()), field.getValue()));
      }
    }
    return result;
  }

  /**
   * Merges {@code applied} into {@code target} in place the way server-side apply does for a
   * manager's configuration: objects field by field, everything else replaced.
   */
  static void applyInto(ObjectNode target, JsonNode applied) {
    for (Map.Entry<String, JsonNode> field : applied.properties()) {
      JsonNode existing = target.get(field.getKey());
      if (field.getValue().isObject() && existing != null && existing.isObject()) {
        applyInto((ObjectNode) existing, field.getValue());
      } else {
        target.set(field.getKey(), field.getValue().deepCopy());
      }
    }
  }

  /** The leaf fields of {@code node}, without system fields and without {@code status}. */
  static Set<String> leaves(JsonNode node) {
    Set<String> leaves = new LinkedHashSet<>();
    collect(node, "", leaves);
    return leaves;
  }

  private static void collect(JsonNode node, String path, Set<String> leaves) {
    if (SYSTEM_FIELDS.contains(path) || path.equals("/status") || path.startsWith("/status/")) {
      return;
    }
    if (node.isObject() && node.size() > 0) {
      for (Map.Entry<String, JsonNode> field : node.properties()) {
        if (!field.getValue().isNull()) {
          collect(field.getValue(), path + "/" + escape(field.getKey()), leaves);
        }
      }
    } else if (!path.isEmpty()) {
      leaves.add(path);
    }
  }

  /** The value at {@code pointer}, or a missing node. */
  static JsonNode at(JsonNode node, String pointer) {
    return node.at(pointer);
  }

  /** Removes the field at {@code pointer}, if present; parents stay. */
  static void remove(JsonNode node, String pointer) {
    int slash = pointer.lastIndexOf('/');
    JsonNode parent = slash <= 0 ? node : node.at(pointer.substring(0, slash));
    if (parent.isObject()) {
      ((ObjectNode) parent).remove(unescape(pointer.substring(slash + 1)));
    }
  }

  /** A JSON pointer as {@code kubectl} prints a field: {@code .data.keyring.primary}. */
  static String display(String pointer) {
    StringBuilder out = new StringBuilder();
    for (String token : pointer.substring(1).split("/")) {
      out.append('.').append(unescape(token));
    }
    return out.toString();
  }

  private static String escape(String key) {
    return key.replace("~", "~0").replace("/", "~1");
  }

  private static String unescape(String token) {
    return token.replace("~1", "/").replace("~0", "~");
  }
}
