package dev.rotor.devstack.process;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * What the devstack tells the person who started it: one line per step, each component's name,
 * state and where to look. Plain ASCII, so any terminal and any CI log shows it.
 */
public final class Console {
  private final PrintStream out;
  private final long started = System.nanoTime();

  public Console(PrintStream out) {
    this.out = out;
  }

  /** A heading. */
  public synchronized void section(String title) {
    out.println();
    out.println("== " + title);
    out.flush();
  }

  /** A line about a component: {@code kafka ............ ready in 6.9 s 127.0.0.1:9092}. */
  public synchronized void component(String name, String state, String detail) {
    StringBuilder line = new StringBuilder("  ").append(name).append(' ');
    line.append(".".repeat(Math.max(2, 34 - name.length()))).append(' ').append(state);
    if (detail != null && !detail.isEmpty()) {
      line.append("  ").append(detail);
    }
    out.println(line);
    out.flush();
  }

  /** A plain line. */
  public synchronized void line(String text) {
    out.println(text);
    out.flush();
  }

  /** Seconds since the devstack started, for timings. */
  public double elapsedSeconds() {
    return (System.nanoTime() - started) / 1e9;
  }

  /** {@code 6.9 s}. */
  public static String seconds(Duration duration) {
    return String.format(Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0);
  }
}
