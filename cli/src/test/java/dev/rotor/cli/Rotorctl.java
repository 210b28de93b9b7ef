package dev.rotor.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;

/**
 * Runs rotorctl's commands in this JVM, with the same picocli setup as the application ({@link
 * CommandLineSetup#configure}), and captures what they print.
 */
public final class Rotorctl {
  private Rotorctl() {}

  /** What one run printed and returned. */
  public record Result(int exitCode, String output, String errorOutput) {
    public List<String> outputLines() {
      return lines(output);
    }

    public List<String> errorLines() {
      return lines(errorOutput);
    }

    private static List<String> lines(String text) {
      return text.isEmpty() ? List.of() : Arrays.asList(text.split("\n"));
    }
  }

  public static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine commandLine = CommandLineSetup.configure(new CommandLine(new RotorCtl()));
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    int exitCode = commandLine.execute(args);
    return new Result(exitCode, out.toString().strip(), err.toString().strip());
  }
}
