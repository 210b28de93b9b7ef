package dev.rotor.keygen.policy;

import dev.rotor.common.retention.BatchedPurge;
import dev.rotor.keygen.KeyGeneratorConfig;
import io.quarkus.runtime.configuration.ConfigurationException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Range checks of the configuration; every problem is reported with its key. */
final class ConfigChecks {
  static final int MAX_REASON_LENGTH_LIMIT = 32 * 1024;
  static final int MAX_REQUESTER_LENGTH_LIMIT = 1024;
  static final Duration MAX_SEND_TIMEOUT = Duration.ofMinutes(5);

  /** A waiting request holds one of the request workers: a few minutes at most. */
  static final Duration MAX_OUTCOME_WAIT = Duration.ofMinutes(5);

  private ConfigChecks() {}

  static void check(KeyGeneratorConfig config) {
    List<String> problems = new ArrayList<>();
    Set<String> keys = new LinkedHashSet<>();
    range(
        problems,
        keys,
        "admission.max-reason-length",
        config.admission().maxReasonLength(),
        1,
        MAX_REASON_LENGTH_LIMIT);
    range(
        problems,
        keys,
        "admission.max-requester-length",
        config.admission().maxRequesterLength(),
        1,
        MAX_REQUESTER_LENGTH_LIMIT);
    atLeast(problems, keys, "admission.outcome-wait", config.admission().outcomeWait(), "PT0S", 0);
    if (config.admission().outcomeWait().compareTo(MAX_OUTCOME_WAIT) > 0) {
      add(problems, keys, "admission.outcome-wait", "must be at most " + MAX_OUTCOME_WAIT);
    }
    atLeast(
        problems, keys, "cadence.check-interval", config.cadence().checkInterval(), "PT1S", 1000);
    atLeast(
        problems,
        keys,
        "cadence.reminder-lead-time",
        config.cadence().reminderLeadTime(),
        "PT0S",
        0);
    atLeast(problems, keys, "outbox.retry-interval", config.outbox().retryInterval(), "PT1S", 1000);
    atLeast(problems, keys, "outbox.send-timeout", config.outbox().sendTimeout(), "PT0.1S", 100);
    if (config.outbox().sendTimeout().compareTo(MAX_SEND_TIMEOUT) > 0) {
      add(problems, keys, "outbox.send-timeout", "must be at most " + MAX_SEND_TIMEOUT);
    }
    range(problems, keys, "outbox.max-attempts", config.outbox().maxAttempts(), 1, 1_000_000);
    atLeast(
        problems, keys, "outbox.quarantine-after", config.outbox().quarantineAfter(), "PT0S", 0);
    atLeast(problems, keys, "outbox.keep-sent", config.outbox().keepSent(), "PT1H", 3_600_000);
    if (config.outbox().keepSentUnrecorded().compareTo(BatchedPurge.REDELIVERY_HORIZON) < 0) {
      add(
          problems,
          keys,
          "outbox.keep-sent-unrecorded",
          "must be at least P98D (a request is read again for as long as rotor.requests keeps it:"
              + " 90 days, up to 97 as Kafka deletes whole segments), got "
              + config.outbox().keepSentUnrecorded());
    }
    atLeast(
        problems, keys, "outbox.purge-interval", config.outbox().purgeInterval(), "PT1M", 60_000);
    if (!problems.isEmpty()) {
      throw new ConfigurationException(String.join("\n", problems), keys);
    }
  }

  private static void range(
      List<String> problems, Set<String> keys, String key, int value, int min, int max) {
    if (value < min || value > max) {
      add(problems, keys, key, "must be between " + min + " and " + max + ", got " + value);
    }
  }

  private static void atLeast(
      List<String> problems,
      Set<String> keys,
      String key,
      Duration value,
      String minText,
      long minMillis) {
    if (value.isNegative() || value.toMillis() < minMillis) {
      add(problems, keys, key, "must be at least " + minText + ", got " + value);
    }
  }

  private static void add(List<String> problems, Set<String> keys, String key, String problem) {
    String full = KeyGeneratorConfig.PREFIX + key;
    problems.add(full + ": " + problem);
    keys.add(full);
  }
}
