package dev.rotor.notifier.config;

import java.util.List;

/**
 * The notifier's configuration is wrong: start-up fails with every problem, one per line, each
 * naming its configuration key (never a secret value).
 */
public final class NotifierConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final List<String> problems;

  public NotifierConfigException(List<String> problems) {
    super(
        "ROTOR-6100 the notifier's configuration is invalid:\n  " + String.join("\n  ", problems),
        null,
        false,
        false);
    this.problems = List.copyOf(problems);
  }

  /** Each problem, {@code <key>: <what is wrong>}. */
  public List<String> problems() {
    return problems;
  }
}
