package dev.rotor.notifier.message;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotor.common.event.Severity;

/**
 * One message, ready for either delivery mode.
 *
 * @param text the notification text: what Slack shows in notifications and in clients without Block
 *     Kit
 * @param blocks the Block Kit layout
 * @param metadata Slack message metadata ({@code event_type}, {@code event_payload}) naming the
 *     Rotor event, so that tools (and people) can find Rotor's messages by event or rotation id
 * @param severity the event's severity
 */
public record SlackMessage(String text, ArrayNode blocks, ObjectNode metadata, Severity severity) {}
