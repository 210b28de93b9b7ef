package dev.rotor.notifier.config;

import dev.rotor.common.event.EventType;
import dev.rotor.common.event.Severity;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One channel, checked and resolved from {@link NotifierConfig.Channel}.
 *
 * @param name the channel's key in the configuration (logs, metrics, dead-letter reasons)
 * @param slackChannel the Slack channel id or {@code #name}; the identity of the channel for
 *     deduplication and threads
 * @param events types always sent here
 * @param minSeverity every type at or above this severity is sent here; empty: none by severity
 * @param excludedEvents types never sent here
 * @param targets the targets whose events are sent here
 * @param webhookUrl the incoming-webhook URL (webhook mode)
 */
public record ChannelSettings(
    String name,
    String slackChannel,
    Set<EventType> events,
    Optional<Severity> minSeverity,
    Set<EventType> excludedEvents,
    List<TargetPattern> targets,
    Optional<SecretValue> webhookUrl) {

  public ChannelSettings {
    events = Set.copyOf(events);
    excludedEvents = Set.copyOf(excludedEvents);
    targets = List.copyOf(targets);
  }

  /** Whether the events of {@code targetId} (null: events without a target) are sent here. */
  public boolean takesTarget(String targetId) {
    return targets.stream().anyMatch(pattern -> pattern.matches(targetId));
  }

  /**
   * The second key of the channel's advisory lock (the first is the notifier's lock class): the
   * first 4 bytes of the SHA-256 of {@link #slackChannel()}. Not {@code String.hashCode()}, whose
   * collisions are easy to hit ({@code #Aa} and {@code #BB}); the settings also refuse two channels
   * whose keys are equal, so two channels never share a lock.
   */
  public int lockKey() {
    return lockKey(slackChannel);
  }

  /** The lock key of the Slack channel {@code slackChannel}; see {@link #lockKey()}. */
  public static int lockKey(String slackChannel) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(slackChannel.getBytes(StandardCharsets.UTF_8));
      return ByteBuffer.wrap(digest, 0, 4).getInt();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  @Override
  public String toString() {
    return name + " (" + slackChannel + ")";
  }
}
