package dev.rotor.notifier.slack;

import dev.rotor.notifier.config.ChannelSettings;
import dev.rotor.notifier.message.SlackMessage;
import java.util.Optional;

/** One way of posting to Slack: the Web API or incoming webhooks. */
public interface SlackTransport {

  /** Whether messages can be threads and replies ({@link Posted#ts()} is known). */
  boolean supportsThreads();

  /**
   * Posts {@code message} to {@code channel}, as a reply in the thread of {@code threadTs} when
   * given; {@code broadcast} also shows a reply in the channel.
   *
   * @throws SlackDeliveryException when Slack did not take it
   * @throws InterruptedException when the thread is interrupted while waiting for Slack
   */
  Posted post(
      ChannelSettings channel, SlackMessage message, Optional<String> threadTs, boolean broadcast)
      throws SlackDeliveryException, InterruptedException;
}
