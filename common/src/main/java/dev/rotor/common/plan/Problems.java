package dev.rotor.common.plan;

import java.util.ArrayList;
import java.util.List;

/** Collects what is wrong with a policy file while it is read, so all of it is reported at once. */
final class Problems {
  /** More than this many problems means the file is not a policy at all; the rest adds nothing. */
  static final int MAX = 100;

  private final List<PolicyException.Problem> problems = new ArrayList<>();
  private int dropped;

  void add(String path, int line, String message) {
    if (problems.size() < MAX) {
      problems.add(new PolicyException.Problem(path, line, message));
    } else {
      dropped++;
    }
  }

  /** How many problems were found so far; compare two counts to see whether a part was sound. */
  int count() {
    return problems.size() + dropped;
  }

  /** Throws everything found so far, if anything was. */
  void throwIfAny(String source) {
    if (count() == 0) {
      return;
    }
    List<PolicyException.Problem> all = new ArrayList<>(problems);
    if (dropped > 0) {
      all.add(new PolicyException.Problem("", 0, dropped + " more problems not shown"));
    }
    throw new PolicyException(source, all);
  }

  /**
   * A value for a message: control characters replaced, cut to a readable length. Policy files are
   * written by operators, but a message must not carry terminal escapes or run for pages.
   */
  static String show(String value) {
    StringBuilder s = new StringBuilder("'");
    int n = 0;
    for (int i = 0; i < value.length() && n < 60; i++, n++) {
      char c = value.charAt(i);
      s.append(Character.isISOControl(c) ? '?' : c);
    }
    if (value.length() > 60) {
      s.append("...");
    }
    return s.append('\'').toString();
  }
}
