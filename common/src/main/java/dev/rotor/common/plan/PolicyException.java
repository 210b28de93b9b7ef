package dev.rotor.common.plan;

import dev.rotor.common.Checks;
import java.io.Serializable;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A policy file that cannot be used. Loading reports every problem it finds, not only the first,
 * each with the file, the path in the document ({@code targets[0].stages[1].cluster}), the line
 * where it is known and what is wrong, one per line of the message:
 *
 * <pre>rotor-policy.yaml: targets[0].stages[1].cluster: is required (line 23)</pre>
 */
public final class PolicyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * One thing wrong with a policy file.
   *
   * @param path where in the document, like {@code targets[0].stages[1].soak}; empty for the
   *     document as a whole
   * @param line the 1-based line in the file, or 0 where it is not known
   * @param message what is wrong, for a person to act on
   */
  public record Problem(String path, int line, String message) implements Serializable {
    public Problem {
      path = path == null ? "" : path;
      if (line < 0) {
        throw new IllegalArgumentException("line: must not be negative");
      }
      Checks.nonEmpty(message, "message");
    }

    /** {@code <source>: <path>: <message> (line <n>)}, leaving out what is not known. */
    public String describe(String source) {
      StringBuilder s = new StringBuilder(source).append(": ");
      if (!path.isEmpty()) {
        s.append(path).append(": ");
      }
      s.append(message);
      if (line > 0) {
        s.append(" (line ").append(line).append(')');
      }
      return s.toString();
    }
  }

  private final String source;
  private final List<Problem> problems;

  /**
   * @param source the policy file's name as the user gave it
   * @param problems at least one problem, in document order
   */
  public PolicyException(String source, List<Problem> problems) {
    super(describe(source, problems));
    this.source = source;
    this.problems = List.copyOf(problems);
  }

  PolicyException(String source, Problem problem, Throwable cause) {
    super(describe(source, List.of(problem)), cause);
    this.source = source;
    this.problems = List.of(problem);
  }

  private static String describe(String source, List<Problem> problems) {
    if (problems == null || problems.isEmpty()) {
      throw new IllegalArgumentException("problems: at least one is required");
    }
    return problems.stream().map(p -> p.describe(source)).collect(Collectors.joining("\n"));
  }

  /** The policy file's name as the user gave it. */
  public String source() {
    return source;
  }

  /** Every problem found, in document order. */
  public List<Problem> problems() {
    return problems;
  }

  /** The path in the document of the first problem. */
  public String path() {
    return problems.get(0).path();
  }

  /** The line of the first problem, or 0 where it is not known. */
  public int line() {
    return problems.get(0).line();
  }

  /** What is wrong, for the first problem. */
  public String problem() {
    return problems.get(0).message();
  }
}
