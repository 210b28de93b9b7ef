package dev.rotor.common.plan;

/** Argument checks for the model's records; the message names the field that is wrong. */
final class Checks {
  private Checks() {}

  static <T> T present(T value, String field) {
    if (value == null) {
      throw new IllegalArgumentException(field + ": is required");
    }
    return value;
  }

  static String nonEmpty(String value, String field) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(field + ": is required and must not be empty");
    }
    return value;
  }
}
