package dev.rotor.testsupport;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.jboss.logmanager.ExtLogRecord;
import org.jboss.logmanager.LogContext;

/** Every log line of the JVM (all levels the loggers emit), formatted, with stack traces. */
public final class CapturedLogs extends Handler {
  private static final CapturedLogs INSTANCE = new CapturedLogs();
  private static volatile boolean installed;

  private final List<String> lines = new CopyOnWriteArrayList<>();

  private CapturedLogs() {
    setLevel(Level.ALL);
  }

  /** Starts capturing (once per JVM) and returns the capture. */
  public static synchronized CapturedLogs install() {
    if (!installed) {
      LogContext.getLogContext().getLogger("").addHandler(INSTANCE);
      installed = true;
    }
    return INSTANCE;
  }

  @Override
  public void publish(LogRecord record) {
    String message = ExtLogRecord.wrap(record).getFormattedMessage();
    StringBuilder line =
        new StringBuilder(record.getLevel() + " " + record.getLoggerName() + " " + message);
    if (record.getThrown() != null) {
      StringWriter trace = new StringWriter();
      record.getThrown().printStackTrace(new PrintWriter(trace));
      line.append('\n').append(trace);
    }
    lines.add(line.toString());
  }

  /** Everything captured so far. */
  public String text() {
    return String.join("\n", lines);
  }

  /** The captured lines that contain {@code fragment}. */
  public List<String> containing(String fragment) {
    return lines.stream().filter(l -> l.contains(fragment)).toList();
  }

  @Override
  public void flush() {}

  @Override
  public void close() {}
}
