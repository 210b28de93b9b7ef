package dev.rotor.common.crypto;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the real command-line tools that the crypto tests check Rotor against. */
final class Commands {
  static final Path AGE = Path.of("/usr/bin/age");
  static final Path AGE_KEYGEN = Path.of("/usr/bin/age-keygen");

  private Commands() {}

  /** Fails (never skips) when a tool the interop tests need is missing. */
  static void requireTool(Path tool, String debianPackage) {
    if (!Files.isExecutable(tool)) {
      fail(
          tool
              + " is missing: these interop tests need the real tool; install it with"
              + " `apt-get install -y "
              + debianPackage
              + "` (CI installs it)");
    }
  }

  /** Runs a command with the given stdin and environment; returns stdout, fails on exit != 0. */
  static byte[] run(List<String> command, byte[] stdin, Map<String, String> env, Path workDir)
      throws IOException, InterruptedException {
    Path in = Files.createTempFile(workDir, "stdin", ".bin");
    Path err = Files.createTempFile(workDir, "stderr", ".txt");
    Files.write(in, stdin == null ? new byte[0] : stdin);
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(workDir.toFile())
            .redirectInput(in.toFile())
            .redirectError(err.toFile());
    builder.environment().putAll(env);
    Process process = builder.start();
    byte[] out = process.getInputStream().readAllBytes();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      fail(command.get(0) + " did not finish within 60 s");
    }
    if (process.exitValue() != 0) {
      fail(
          String.join(" ", command)
              + " exited with "
              + process.exitValue()
              + ": "
              + Files.readString(err, StandardCharsets.UTF_8));
    }
    return out;
  }

  static String runText(List<String> command, byte[] stdin, Path workDir)
      throws IOException, InterruptedException {
    return new String(run(command, stdin, Map.of(), workDir), StandardCharsets.UTF_8);
  }
}
