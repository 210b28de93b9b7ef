package dev.rotor.common.event;

import dev.rotor.common.crypto.Fingerprints;
import dev.rotor.common.plan.Plan;
import java.util.List;

/** Checks shared by the event records; messages name the field and never repeat its value. */
final class Events {
  private Events() {}

  static void requirePlanFor(Plan plan, String targetId) {
    if (plan == null) {
      throw new IllegalArgumentException("plan: is required");
    }
    if (!plan.targetId().equals(targetId)) {
      throw new IllegalArgumentException("plan: is the plan of another target");
    }
  }

  static void requireFingerprint(String value, String field) {
    if (!Fingerprints.isFingerprint(value)) {
      throw new IllegalArgumentException(field + ": must be 64 lowercase hex characters (SHA-256)");
    }
  }

  static void requireKeyId(String value, String field) {
    if (!Fingerprints.isKeyId(value)) {
      throw new IllegalArgumentException(field + ": must be 8 lowercase hex characters");
    }
  }

  static <T> List<T> nonEmptyList(List<T> list, String field) {
    if (list == null || list.isEmpty()) {
      throw new IllegalArgumentException(field + ": must not be empty");
    }
    return List.copyOf(list);
  }
}
