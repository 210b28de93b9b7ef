package dev.rotor.cli;

import io.quarkus.picocli.runtime.PicocliCommandLineFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * rotorctl's picocli setup: errors are one line on stderr with a fixed id and an exit code ({@link
 * ExitCodes}), never a stack trace or a page of usage help.
 */
@ApplicationScoped
public class CommandLineSetup {

  @Produces
  CommandLine commandLine(PicocliCommandLineFactory factory) {
    return configure(factory.create());
  }

  /** Applies rotorctl's error handling and parsing rules to {@code commandLine}. */
  public static CommandLine configure(CommandLine commandLine) {
    commandLine.setCaseInsensitiveEnumValuesAllowed(true);
    commandLine.setParameterExceptionHandler(CommandLineSetup::usageError);
    commandLine.setExecutionExceptionHandler(
        (exception, line, parseResult) -> failure(exception, line.getErr()));
    return commandLine;
  }

  private static int usageError(ParameterException e, String[] args) {
    CommandLine line = e.getCommandLine();
    PrintWriter err = line.getErr();
    String message = e.getMessage();
    if (e instanceof UnmatchedArgumentException unmatched
        && !unmatched.getSuggestions().isEmpty()) {
      message += " (did you mean " + String.join(" or ", unmatched.getSuggestions()) + "?)";
    }
    err.println(
        "rotorctl: ROTOR-7000 "
            + oneLine(message)
            + "; see '"
            + line.getCommandSpec().qualifiedName()
            + " --help'");
    err.flush();
    return ExitCodes.USAGE;
  }

  static int failure(Exception exception, PrintWriter err) {
    if (exception instanceof CliException cli) {
      err.println(oneLine(cli.line()));
      err.flush();
      return cli.exitCode();
    }
    err.println(
        "rotorctl: ROTOR-7999 unexpected "
            + exception.getClass().getSimpleName()
            + (exception.getMessage() == null ? "" : ": " + oneLine(exception.getMessage())));
    err.flush();
    return ExitCodes.UNAVAILABLE;
  }

  private static String oneLine(String text) {
    return text.replaceAll("[\\r\\n]+", " ").strip();
  }
}
