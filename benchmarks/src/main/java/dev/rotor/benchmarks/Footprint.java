package dev.rotor.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A process's resident set size, as the kernel reports it in {@code /proc/<pid>/status}. */
final class Footprint {
  private Footprint() {}

  /** {@code VmRSS} of {@code pid} in KiB; -1 when the process is gone or the file unreadable. */
  static long rssKb(long pid) {
    try {
      return parseVmRss(
          Files.readString(
              Path.of("/proc", String.valueOf(pid), "status"), StandardCharsets.US_ASCII));
    } catch (IOException e) {
      return -1;
    }
  }

  /** The {@code VmRSS:} line of a {@code /proc/<pid>/status} text, in KiB; -1 if absent. */
  static long parseVmRss(String status) {
    for (String line : status.split("\n")) {
      if (line.startsWith("VmRSS:")) {
        String value = line.substring("VmRSS:".length()).trim();
        if (!value.endsWith("kB")) {
          throw new IllegalArgumentException("/proc status: VmRSS is not in kB: '" + line + "'");
        }
        return Long.parseLong(value.substring(0, value.length() - 2).trim());
      }
    }
    return -1;
  }
}
