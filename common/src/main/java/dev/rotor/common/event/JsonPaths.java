package dev.rotor.common.event;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonMappingException;

/** Renders Jackson's location of a problem as a path a person can read: {@code plan.stages[0]}. */
final class JsonPaths {
  private static final int MAX_NAME = 64;

  private JsonPaths() {}

  static String of(JsonMappingException e) {
    StringBuilder path = new StringBuilder();
    for (JsonMappingException.Reference ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        if (path.length() > 0) {
          path.append('.');
        }
        path.append(safe(ref.getFieldName()));
      } else if (ref.getIndex() >= 0) {
        path.append('[').append(ref.getIndex()).append(']');
      }
    }
    return path.toString();
  }

  /**
   * Joins the path of the object that failed with the field its constructor named. Records of the
   * model name nested fields by their own prefix ({@code keyring.previousKeys} from the keyring
   * object at {@code plan.keyring}), which is not repeated.
   */
  static String nest(String path, String field) {
    if (path.isEmpty()) {
      return field;
    }
    int lastDot = path.lastIndexOf('.');
    String last = path.substring(lastDot + 1).replaceAll("\\[\\d+]$", "");
    if (field.equals(last) || field.startsWith(last + ".")) {
      String parent = lastDot < 0 ? "" : path.substring(0, lastDot);
      return parent.isEmpty() ? field : parent + "." + field;
    }
    return path + "." + field;
  }

  /** A field name from the input, made harmless for a log line: no control or odd characters. */
  static String safe(String name) {
    if (name == null) {
      return "?";
    }
    String cleaned = name.replaceAll("[^A-Za-z0-9_.$\\-]", "?");
    return cleaned.length() > MAX_NAME ? cleaned.substring(0, MAX_NAME) + "..." : cleaned;
  }

  /** Jackson's description of a syntax problem, without the input excerpt it quotes. */
  static String problem(JacksonException e) {
    String message = e.getOriginalMessage();
    if (message == null) {
      return "unreadable";
    }
    int quote = message.indexOf('\'');
    String head = quote > 0 ? message.substring(0, quote).trim() : message;
    head = head.replaceAll("[^A-Za-z0-9 ,()\\-]", "");
    String location =
        e.getLocation() == null
            ? ""
            : " at line "
                + e.getLocation().getLineNr()
                + ", column "
                + e.getLocation().getColumnNr();
    return (head.length() > 80 ? head.substring(0, 80) : head) + location;
  }
}
