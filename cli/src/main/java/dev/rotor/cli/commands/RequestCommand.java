package dev.rotor.cli.commands;

import dev.rotor.cli.CliException;
import dev.rotor.cli.CommonOptions;
import dev.rotor.cli.ExitCodes;
import dev.rotor.cli.Json;
import dev.rotor.cli.OperatorOption;
import dev.rotor.cli.Tracing;
import dev.rotor.cli.kafka.EventPublisher;
import dev.rotor.cli.kafka.KafkaAccess;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.RotationRequested;
import dev.rotor.common.event.Sources;
import dev.rotor.common.event.Topics;
import dev.rotor.common.messaging.Spans;
import dev.rotor.common.messaging.TraceContext;
import dev.rotor.common.plan.TargetIds;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code rotorctl request}: publishes {@code rotation.requested} and prints the rotation id. */
@Command(
    name = "request",
    mixinStandardHelpOptions = true,
    description = {
      "Ask for a target's key to be rotated: publishes rotation.requested to rotor.requests with"
          + " a new rotation id, and prints the id.",
      "The key-generator admits the request against the policy or rejects it; follow it with"
          + " 'rotorctl watch <rotation-id>'."
    })
public class RequestCommand implements Callable<Integer> {
  /** The source of the events rotorctl writes. */
  static final String SOURCE = Sources.of("cli");

  private static final Pattern CLUSTER = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final int MAX_REASON = 1024;
  private static final SecureRandom RANDOM = new SecureRandom();

  @Parameters(
      index = "0",
      paramLabel = "<target>",
      description = "The target, <namespace>/<secret name>, as the policy names it.")
  String target;

  @Option(
      names = "--reason",
      paramLabel = "<text>",
      description = "Why, in words (recorded in the ledger).")
  String reason;

  @Option(
      names = "--stages",
      split = ",",
      paramLabel = "<cluster>",
      description =
          "Only these clusters, in policy order (default: every stage of the policy), e.g."
              + " --stages aether-staging")
  List<String> stages = List.of();

  @Mixin CommonOptions common;
  @Mixin OperatorOption operator;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    if (!TargetIds.isValid(target)) {
      throw CliException.usage(
          "ROTOR-7000",
          "<target>: not a target id; expected <namespace>/<secret name> in lowercase letters,"
              + " digits, '-' and '.', e.g. aether-services/secrets-service-config");
    }
    for (String stage : stages) {
      if (!CLUSTER.matcher(stage).matches()) {
        throw CliException.usage(
            "ROTOR-7000", "--stages: each cluster is a lowercase DNS label, e.g. aether-staging");
      }
    }
    if (reason != null
        && (reason.length() > MAX_REASON || reason.chars().anyMatch(c -> c < 0x20))) {
      throw CliException.usage(
          "ROTOR-7000", "--reason: at most " + MAX_REASON + " characters on one line");
    }
    String requestedBy = operator.operator();
    KafkaAccess kafka = new KafkaAccess(common.bootstrapServers(), common.timeout());
    kafka.requireReachable();

    String rotationId = newRotationId();
    Clock clock = Clock.systemUTC();
    RotationRequested request =
        new RotationRequested(rotationId, target, requestedBy, reason, stages, clock.instant());
    EventEnvelope event = EventEnvelope.of(request, SOURCE, clock);
    // The rotation's trace starts here (when tracing is on): the root span, whose context the
    // request's record carries to the key-generator and on through every service.
    Span span = Tracing.start("rotorctl request", null, Spans.rotation(rotationId, target));
    try (Scope ignored = span.makeCurrent();
        EventPublisher publisher = new EventPublisher(kafka)) {
      publisher.publish(event, Topics.REQUESTS, TraceContext.current());
    } finally {
      Tracing.end(span);
    }
    String traceId = Tracing.traceId(span);

    if (common.output() == CommonOptions.OutputFormat.JSON) {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("rotationId", rotationId);
      out.put("targetId", target);
      out.put("requestedBy", requestedBy);
      out.put("stages", stages);
      out.put("eventId", event.id());
      if (traceId != null) {
        out.put("traceId", traceId);
      }
      spec.commandLine().getOut().println(Json.line(out));
    } else {
      spec.commandLine().getOut().println(rotationId);
      spec.commandLine()
          .getErr()
          .println(
              "Requested rotation "
                  + rotationId
                  + " of "
                  + target
                  + " as "
                  + requestedBy
                  + "; follow it with: rotorctl watch "
                  + rotationId);
      if (traceId != null) {
        spec.commandLine().getErr().println("Trace " + traceId);
      }
    }
    return ExitCodes.OK;
  }

  /** 12 random hex digits: unique in its first 8, which name the rotation's Git branch. */
  static String newRotationId() {
    byte[] bytes = new byte[6];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }
}
