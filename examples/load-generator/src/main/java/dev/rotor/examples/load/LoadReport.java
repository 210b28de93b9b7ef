package dev.rotor.examples.load;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What a load run counted.
 *
 * @param writes payloads the generator tried to write
 * @param writesOk writes answered with HTTP 201
 * @param reads payloads it tried to read back
 * @param readsOk reads answered with the plaintext that was written
 * @param decryptFailures reads the service could not decrypt, plus reads with a wrong plaintext
 * @param wrongPlaintexts the part of {@code decryptFailures} that came back with another plaintext
 * @param httpErrors requests answered with an unexpected HTTP status (not a decrypt failure)
 * @param transportErrors requests without an HTTP answer (connection refused or reset, timeout)
 * @param failedKeyIds the key ids the service named in its decrypt failures
 * @param failureSamples the first few failures, described
 * @param instances how many instances took load at the end
 * @param elapsed how long the run took
 */
public record LoadReport(
    long writes,
    long writesOk,
    long reads,
    long readsOk,
    long decryptFailures,
    long wrongPlaintexts,
    long httpErrors,
    long transportErrors,
    SortedSet<String> failedKeyIds,
    List<String> failureSamples,
    int instances,
    Duration elapsed) {

  public LoadReport {
    failedKeyIds = Collections.unmodifiableSortedSet(new TreeSet<>(failedKeyIds));
    failureSamples = List.copyOf(failureSamples);
  }

  /** Whether nothing failed: no decrypt failure, no HTTP error, no transport error. */
  public boolean clean() {
    return decryptFailures == 0 && httpErrors == 0 && transportErrors == 0;
  }

  /** One line for a person or a log. */
  public String summary() {
    return String.format(
        Locale.ROOT,
        "load-generator: %d writes (%d ok), %d reads (%d ok), %d decrypt failures%s, %d HTTP"
            + " errors, %d transport errors, %d instances, %.1f s",
        writes,
        writesOk,
        reads,
        readsOk,
        decryptFailures,
        failedKeyIds.isEmpty() && wrongPlaintexts == 0
            ? ""
            : " (key ids " + failedKeyIds + ", wrong plaintexts " + wrongPlaintexts + ")",
        httpErrors,
        transportErrors,
        instances,
        elapsed.toMillis() / 1000.0);
  }

  @Override
  public String toString() {
    return summary();
  }
}
