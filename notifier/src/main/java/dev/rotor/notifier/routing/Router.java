package dev.rotor.notifier.routing;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.notifier.config.ChannelSettings;
import dev.rotor.notifier.config.NotifierSettings;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;

/**
 * Decides which channels hear of an event: a channel takes an event when its type is one of the
 * channel's {@code events} or its severity ({@code EventType.severity()}) is at least the channel's
 * {@code min-severity}, the type is not excluded, and the target matches one of the channel's
 * target patterns.
 */
@ApplicationScoped
public class Router {

  private final List<ChannelSettings> channels;

  @Inject
  public Router(NotifierSettings settings) {
    this(settings.channels());
  }

  Router(List<ChannelSettings> channels) {
    this.channels = List.copyOf(channels);
  }

  /** The channels that take {@code event}, in the order of their names. */
  public List<ChannelSettings> channelsFor(EventEnvelope event) {
    return channels.stream().filter(channel -> accepts(channel, event)).toList();
  }

  /** Whether {@code channel} takes {@code event}. */
  public static boolean accepts(ChannelSettings channel, EventEnvelope event) {
    if (channel.excludedEvents().contains(event.type())) {
      return false;
    }
    boolean selected =
        channel.events().contains(event.type())
            || channel
                .minSeverity()
                .map(min -> event.type().severity().compareTo(min) >= 0)
                .orElse(false);
    return selected && channel.takesTarget(event.data().targetId());
  }
}
