package dev.rotor.common;

import java.util.List;
import java.util.regex.Pattern;

/** Argument checks for the model's records; the message names the field that is wrong. */
public final class Checks {
  private Checks() {}

  public static <T> T present(T value, String field) {
    if (value == null) {
      throw new IllegalArgumentException(field + ": is required");
    }
    return value;
  }

  public static String nonEmpty(String value, String field) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(field + ": is required and must not be empty");
    }
    return value;
  }

  /** An optional list: {@code null} reads as empty; the result is immutable. */
  public static <T> List<T> listOrEmpty(List<T> list) {
    return list == null ? List.of() : List.copyOf(list);
  }

  private static final Pattern ROTATION_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  /**
   * A rotation id: letters, digits, '.', '_' and '-', at most 64 characters (a UUID fits). It
   * becomes part of branch names and Kafka headers, so nothing else is accepted.
   */
  public static String rotationId(String value, String field) {
    if (value == null || !ROTATION_ID.matcher(value).matches()) {
      throw new IllegalArgumentException(
          field + ": not a valid rotation id; expected 1-64 letters, digits, '.', '_' or '-'");
    }
    return value;
  }
}
