package dev.rotor.ledger.support;

import java.nio.file.Path;
import java.nio.file.Paths;

/** Where the application under test writes its log, for the leak checks that read it. */
public final class LogFile {
  private LogFile() {}

  public static Path path() {
    return Paths.get(System.getProperty("rotor.test.tmpdir", "target"), "ledger-service-test.log")
        .toAbsolutePath();
  }
}
