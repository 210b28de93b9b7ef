package dev.rotor.cli.commands;

import dev.rotor.cli.CliException;
import dev.rotor.cli.CommonOptions;
import dev.rotor.cli.ExitCodes;
import dev.rotor.cli.Json;
import dev.rotor.cli.kafka.EventReader;
import dev.rotor.cli.kafka.KafkaAccess;
import dev.rotor.cli.rotation.EventLines;
import dev.rotor.cli.rotation.RotationState;
import dev.rotor.cli.rotation.RotationView;
import dev.rotor.cli.rotation.StageProgress;
import dev.rotor.cli.rotation.Texts;
import dev.rotor.common.event.EventEnvelope;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code rotorctl watch}: follows one rotation live from the event topics until it ends. On a
 * terminal it redraws one view (a line per stage, a bar per phase and for the soak, the evidence);
 * otherwise it prints a line per event and the view at the end. Exits 0 when the rotation
 * completes, 1 when it is rolled back, fails or is rejected.
 */
@Command(
    name = "watch",
    mixinStandardHelpOptions = true,
    description = {
      "Follow a rotation live until it ends: one line per stage with a bar for each phase and"
          + " for the soak, the verifier's evidence, and a summary.",
      "Exits 0 when the rotation completes, 1 when it is rolled back, fails or is rejected."
    })
public class WatchCommand implements Callable<Integer> {
  private static final Duration FRAME = Duration.ofMillis(500);
  private static final int RECENT = 4;

  @Parameters(index = "0", paramLabel = "<rotation-id>", description = "The rotation.")
  String rotationId;

  @Option(
      names = "--max-wait",
      paramLabel = "<ISO-8601>",
      description =
          "Give up after this long (exit 3) if the rotation has not ended, e.g. PT2H"
              + " (default: wait until it ends).")
  Duration maxWait;

  @Option(
      names = "--live",
      negatable = true,
      description =
          "Redraw one view in place (default on a terminal); --no-live prints a line per event.")
  Boolean live;

  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  private final Clock clock = Clock.systemUTC();
  private final ZoneId zone = ZoneId.systemDefault();

  @Override
  public Integer call() {
    RotationLookup.requireRotationId(rotationId);
    if (maxWait != null && (maxWait.isNegative() || maxWait.isZero())) {
      throw CliException.usage("ROTOR-7000", "--max-wait: must be positive, e.g. PT2H");
    }
    KafkaAccess kafka = new KafkaAccess(common.bootstrapServers(), common.timeout());
    kafka.requireReachable();
    Screen screen = screen();
    Instant started = clock.instant();
    Instant giveUp = maxWait == null ? null : started.plus(maxWait);
    RotationState state = new RotationState(rotationId);
    try (EventReader reader = new EventReader(kafka, EventReader.rotation(rotationId))) {
      List<EventEnvelope> backlog = new ArrayList<>(reader.catchUp());
      backlog.sort(Comparator.comparing(EventEnvelope::time));
      for (EventEnvelope event : backlog) {
        if (state.apply(event)) {
          screen.event(event, state);
        }
      }
      Instant unknownSince = clock.instant();
      long tick = 0;
      Instant nextFrame = Instant.MIN;
      while (!state.outcome().terminal()) {
        if (!state.known()
            && Duration.between(unknownSince, clock.instant()).compareTo(common.timeout()) > 0) {
          throw RotationLookup.notFound(kafka, rotationId);
        }
        if (giveUp != null && clock.instant().isAfter(giveUp)) {
          screen.flush(state, clock.instant(), tick);
          throw CliException.unavailable(
              "ROTOR-7102",
              "rotation "
                  + rotationId
                  + " has not ended after "
                  + Texts.duration(maxWait)
                  + " ("
                  + state.status()
                  + "); watch it again with: rotorctl watch "
                  + rotationId,
              null);
        }
        reader.poll(
            event -> {
              if (state.apply(event)) {
                screen.event(event, state);
              }
            });
        Instant now = clock.instant();
        if (!now.isBefore(nextFrame)) {
          screen.frame(state, now, tick++);
          nextFrame = now.plus(FRAME);
        }
      }
      // Events of one rotation come from several topics: read what is left before the summary.
      for (EventEnvelope event : reader.catchUp()) {
        if (state.apply(event)) {
          screen.event(event, state);
        }
      }
      RotationLookup.skippedWarning(reader).forEach(spec.commandLine().getErr()::println);
    }
    screen.finish(state, clock.instant());
    return state.outcome() == RotationState.Outcome.COMPLETED ? ExitCodes.OK : ExitCodes.NEGATIVE;
  }

  private Screen screen() {
    PrintWriter out = spec.commandLine().getOut();
    if (common.output() == CommonOptions.OutputFormat.JSON) {
      return new JsonScreen(out);
    }
    boolean onTerminal = System.console() != null && !"dumb".equals(System.getenv("TERM"));
    return (live != null ? live : onTerminal) ? new LiveScreen(out) : new LogScreen(out);
  }

  /** How the watch shows what happens. */
  private interface Screen {
    /** A new event of the rotation arrived. */
    void event(EventEnvelope event, RotationState state);

    /** Time passed (bars move). */
    void frame(RotationState state, Instant now, long tick);

    /** Shows where things stand before giving up. */
    default void flush(RotationState state, Instant now, long tick) {}

    /** The rotation ended. */
    void finish(RotationState state, Instant now);
  }

  /** A line per event; soak progress in steps of a tenth; the whole view at the end. */
  private final class LogScreen implements Screen {
    private final PrintWriter out;
    private final EventLines lines = new EventLines(zone);
    private final RotationView view = new RotationView(zone);
    private final Map<String, Integer> soakSteps = new HashMap<>();

    LogScreen(PrintWriter out) {
      this.out = out;
    }

    @Override
    public void event(EventEnvelope event, RotationState state) {
      lines.describe(event).forEach(out::println);
      out.flush();
    }

    @Override
    public void frame(RotationState state, Instant now, long tick) {
      for (StageProgress stage : state.stages()) {
        if (stage.soakStartedAt() == null || stage.verdict() != null) {
          continue;
        }
        Duration total = Duration.between(stage.soakStartedAt(), stage.soakEndsAt());
        Duration done = Duration.between(stage.soakStartedAt(), now);
        if (total.isZero() || done.isNegative()) {
          continue;
        }
        int step = (int) Math.min(9, done.toMillis() * 10 / total.toMillis());
        Integer printed = soakSteps.get(stage.cluster());
        if (step > 0 && (printed == null || step > printed)) {
          soakSteps.put(stage.cluster(), step);
          Duration left = Duration.between(now, stage.soakEndsAt());
          out.println(
              Texts.clock(now, zone)
                  + " "
                  + stage.cluster()
                  + ": soaking "
                  + Texts.bar(step / 10.0, 10)
                  + " "
                  + Texts.duration(left)
                  + " left");
          out.flush();
        } else if (printed == null) {
          soakSteps.put(stage.cluster(), 0);
        }
      }
    }

    @Override
    public void finish(RotationState state, Instant now) {
      out.println();
      view.render(state, now, 0, false).forEach(out::println);
      out.flush();
    }
  }

  /** One view, redrawn in place, with the latest events under it. */
  private final class LiveScreen implements Screen {
    private final PrintWriter out;
    private final EventLines lines = new EventLines(zone);
    private final RotationView view = new RotationView(zone);
    private final Deque<String> recent = new ArrayDeque<>();
    private final int width = terminalWidth();
    private int drawn;

    LiveScreen(PrintWriter out) {
      this.out = out;
    }

    @Override
    public void event(EventEnvelope event, RotationState state) {
      recent.addLast(lines.describe(event).get(0));
      while (recent.size() > RECENT) {
        recent.removeFirst();
      }
    }

    @Override
    public void frame(RotationState state, Instant now, long tick) {
      List<String> frame = new ArrayList<>(view.render(state, now, tick));
      if (!recent.isEmpty()) {
        frame.add("");
        frame.add("  latest:");
        recent.forEach(line -> frame.add("    " + line));
      }
      draw(frame);
    }

    @Override
    public void finish(RotationState state, Instant now) {
      draw(view.render(state, now, 0));
    }

    private void draw(List<String> frame) {
      StringBuilder s = new StringBuilder();
      if (drawn > 0) {
        s.append("\033[").append(drawn).append("F\033[J");
      }
      for (String line : frame) {
        // A line wider than the terminal wraps, and the redraw would miscount the rows to go up.
        s.append(line.length() < width ? line : line.substring(0, width - 1)).append('\n');
      }
      out.print(s);
      out.flush();
      drawn = frame.size();
    }
  }

  /** The terminal's width in columns: {@code stty size}, else {@code $COLUMNS}, else 80. */
  static int terminalWidth() {
    try {
      Process stty =
          new ProcessBuilder("stty", "size")
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/tty")))
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      String size =
          new String(
                  stty.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII)
              .strip();
      if (stty.waitFor(2, java.util.concurrent.TimeUnit.SECONDS) && size.matches("\\d+ \\d+")) {
        return Math.max(20, Integer.parseInt(size.split(" ")[1]));
      }
    } catch (java.io.IOException e) {
      // No terminal to ask: fall through.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    String columns = System.getenv("COLUMNS");
    return columns != null && columns.matches("\\d+")
        ? Math.max(20, Integer.parseInt(columns))
        : 80;
  }

  /** One JSON object per event, then one for the outcome. */
  private final class JsonScreen implements Screen {
    private final PrintWriter out;
    private final EventLines lines = new EventLines(zone);

    JsonScreen(PrintWriter out) {
      this.out = out;
    }

    @Override
    public void event(EventEnvelope event, RotationState state) {
      out.println(Json.line(Json.event(event, lines.summary(event.data()))));
      out.flush();
    }

    @Override
    public void frame(RotationState state, Instant now, long tick) {}

    @Override
    public void finish(RotationState state, Instant now) {
      Map<String, Object> outcome = new LinkedHashMap<>();
      outcome.put("rotationId", state.rotationId());
      outcome.put("targetId", state.targetId());
      outcome.put("outcome", state.outcome().name());
      outcome.put("status", state.status());
      outcome.put("fingerprint", state.fingerprint());
      outcome.put("requestedBy", state.requestedBy());
      outcome.put("endedAt", state.endedAt());
      outcome.put(
          "exitCode",
          state.outcome() == RotationState.Outcome.COMPLETED ? ExitCodes.OK : ExitCodes.NEGATIVE);
      out.println(Json.line(outcome));
      out.flush();
    }
  }
}
