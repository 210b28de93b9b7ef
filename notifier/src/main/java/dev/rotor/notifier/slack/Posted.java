package dev.rotor.notifier.slack;

import java.util.Optional;

/**
 * Slack took a message.
 *
 * @param ts the message's timestamp, its id within the channel (Web API only): a thread's replies
 *     name their parent by it
 */
public record Posted(Optional<String> ts) {}
