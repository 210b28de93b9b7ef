package dev.rotor.cli.commands;

import dev.rotor.cli.CliException;
import dev.rotor.cli.CommonOptions;
import dev.rotor.cli.ExitCodes;
import dev.rotor.cli.Json;
import dev.rotor.cli.OperatorOption;
import dev.rotor.cli.Tracing;
import dev.rotor.cli.kafka.EventPublisher;
import dev.rotor.cli.kafka.KafkaAccess;
import dev.rotor.cli.rotation.RotationState;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.RotorEvent;
import dev.rotor.common.event.Topics;
import dev.rotor.common.messaging.Spans;
import dev.rotor.common.messaging.TraceContext;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * A person's decision about a rotation, published to {@code rotor.approvals}: the rotation is
 * looked up on the topics first (its target id comes from its own events, never from the user), and
 * a rotation that ended is refused.
 */
abstract class DecisionCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "<rotation-id>", description = "The rotation.")
  String rotationId;

  @Mixin CommonOptions common;
  @Mixin OperatorOption operator;
  @Spec CommandSpec spec;

  /** What the command does, for messages: {@code approve}, {@code roll back}. */
  abstract String verb();

  /** The longest --reason or --comment: the notifier quotes it in one Slack section (3000). */
  static final int MAX_TEXT = 2000;

  /** Checks the options before anything is read from Kafka. */
  void checkOptions() {}

  /**
   * A usage error unless {@code text} (of option {@code option}) has at most {@link #MAX_TEXT}
   * characters and no control characters other than line breaks and tabs.
   */
  static void requireText(String option, String text) {
    if (text == null) {
      return;
    }
    if (text.length() > MAX_TEXT) {
      throw CliException.usage(
          "ROTOR-7000",
          option
              + ": "
              + text.length()
              + " characters; at most "
              + MAX_TEXT
              + " (line breaks count); put the rest in the incident or change request and link it");
    }
    if (text.chars().anyMatch(c -> (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)) {
      throw CliException.usage(
          "ROTOR-7000", option + ": control characters other than line breaks and tabs");
    }
  }

  /** The event to publish; {@code warn} takes lines for stderr. */
  abstract RotorEvent decision(RotationState state, String operator, PrintWriter warn);

  /** What was done, for a person. */
  abstract String done(RotationState state, String operator);

  @Override
  public final Integer call() {
    RotationLookup.requireRotationId(rotationId);
    checkOptions();
    String who = operator.operator();
    KafkaAccess kafka = new KafkaAccess(common.bootstrapServers(), common.timeout());
    PrintWriter err = spec.commandLine().getErr();
    RotationLookup.Found found = RotationLookup.findTraced(kafka, rotationId, err);
    RotationState state = found.state();
    RotationLookup.requireInProgress(state, verb());
    RotorEvent data = decision(state, who, err);
    EventEnvelope event = EventEnvelope.of(data, RequestCommand.SOURCE, Clock.systemUTC());
    // A person's decision is part of the rotation: it continues the trace of the rotation's
    // records.
    Span span =
        Tracing.start(
            "rotorctl " + spec.name(),
            found.trace(),
            Spans.rotation(rotationId, state.targetId()).toBuilder()
                .put(Spans.EVENT_TYPE, event.type().cloudEventType())
                .build());
    try (Scope ignored = span.makeCurrent();
        EventPublisher publisher = new EventPublisher(kafka)) {
      publisher.publish(event, Topics.APPROVALS, TraceContext.current());
    } finally {
      Tracing.end(span);
    }
    if (common.output() == CommonOptions.OutputFormat.JSON) {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("rotationId", rotationId);
      out.put("targetId", state.targetId());
      out.put("type", event.type().eventName());
      out.put("operator", who);
      out.put("eventId", event.id());
      if (Tracing.traceId(span) != null) {
        out.put("traceId", Tracing.traceId(span));
      }
      spec.commandLine().getOut().println(Json.line(out));
    } else {
      spec.commandLine().getOut().println(done(state, who));
    }
    return ExitCodes.OK;
  }
}
