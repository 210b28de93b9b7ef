package dev.rotor.cli;

import picocli.CommandLine.Option;

/** Who acts: {@code --operator}, else the login name in {@code $USER}. */
public final class OperatorOption {

  @Option(
      names = "--operator",
      paramLabel = "<name>",
      description = "Who acts, as recorded in the ledger (default: $USER).")
  String operator;

  /** The operator, or a usage error when neither the option nor {@code $USER} says. */
  public String operator() {
    String name = operator != null ? operator : System.getenv("USER");
    if (name == null || name.isBlank()) {
      throw CliException.usage(
          "ROTOR-7010", "who is acting? give --operator <name> (the environment has no $USER)");
    }
    name = name.trim();
    if (name.length() > 128 || name.chars().anyMatch(c -> Character.isISOControl(c))) {
      throw CliException.usage(
          "ROTOR-7010", "--operator: at most 128 characters, no control characters");
    }
    return name;
  }
}
