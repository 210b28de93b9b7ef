package dev.rotor.notifier.config;

import dev.rotor.common.event.EventType;
import dev.rotor.common.event.Severity;
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

  @Override
  public String toString() {
    return name + " (" + slackChannel + ")";
  }
}
