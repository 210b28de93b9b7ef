package dev.rotor.ledger.rest;

import dev.rotor.common.Checks;
import dev.rotor.common.plan.TargetIds;
import dev.rotor.ledger.rotation.RotationState;
import dev.rotor.ledger.rotation.RotationStatus;
import java.util.Arrays;
import java.util.stream.Collectors;

/** Parsing of request parameters, each refusal a 400 that names the parameter. */
final class Params {
  private Params() {}

  static long nonNegative(String parameter, String value) {
    if (value == null || value.isBlank()) {
      throw ApiException.invalid(parameter, parameter + " is required");
    }
    try {
      long parsed = Long.parseLong(value.trim());
      if (parsed < 0) {
        throw ApiException.invalid(parameter, parameter + " must not be negative");
      }
      return parsed;
    } catch (NumberFormatException e) {
      throw ApiException.invalid(parameter, parameter + " must be a whole number");
    }
  }

  static Long optionalNonNegative(String parameter, String value) {
    return value == null || value.isBlank() ? null : nonNegative(parameter, value);
  }

  static int limit(String value, int defaultLimit, int max) {
    if (value == null || value.isBlank()) {
      return Math.min(defaultLimit, max);
    }
    long parsed = nonNegative("limit", value);
    if (parsed < 1 || parsed > max) {
      throw ApiException.invalid("limit", "limit must be between 1 and " + max);
    }
    return (int) parsed;
  }

  static int offset(String value) {
    Long parsed = optionalNonNegative("offset", value);
    if (parsed == null) {
      return 0;
    }
    if (parsed > Integer.MAX_VALUE) {
      throw ApiException.invalid("offset", "offset is too large");
    }
    return parsed.intValue();
  }

  static String target(String parameter, String value) {
    try {
      return TargetIds.requireValid(value, parameter);
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid(
          parameter, parameter + " must be <namespace>/<secret name> (lowercase DNS names)");
    }
  }

  static String rotationId(String value) {
    try {
      return Checks.rotationId(value, "rotationId");
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid(
          "rotationId", "rotationId must be 1-64 letters, digits, '.', '_' or '-'");
    }
  }

  static String eventId(String value) {
    if (value == null
        || value.isEmpty()
        || value.length() > 512
        || value.chars().anyMatch(c -> Character.isISOControl(c))) {
      throw ApiException.invalid("eventId", "eventId must be 1-512 printable characters");
    }
    return value;
  }

  /** An optional CloudEvents source: null when not given. */
  static String optionalSource(String value) {
    if (value == null || value.isEmpty()) {
      return null;
    }
    if (value.length() > 1024 || value.chars().anyMatch(Character::isISOControl)) {
      throw ApiException.invalid("source", "source must be 1-1024 printable characters");
    }
    return value;
  }

  static RotationStatus status(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      return RotationStatus.valueOf(value.trim().toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid(
          "status",
          "status must be one of "
              + Arrays.stream(RotationStatus.values())
                  .map(Enum::name)
                  .collect(Collectors.joining(", ")));
    }
  }

  static RotationState state(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    return RotationState.parse(value)
        .orElseThrow(
            () ->
                ApiException.invalid(
                    "state",
                    "state must be one of "
                        + Arrays.stream(RotationState.values())
                            .map(RotationState::value)
                            .collect(Collectors.joining(", "))));
  }
}
