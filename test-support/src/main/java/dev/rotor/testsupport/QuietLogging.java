package dev.rotor.testsupport;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import org.jboss.logmanager.LogContext;
import org.jboss.logmanager.Logger;

/**
 * Lowers the log level of the embedded servers' own loggers to WARN. Their SLF4J loggers end in
 * JBoss LogManager on Quarkus' test class path, so the level is set there directly: it then holds
 * whether or not {@code java.util.logging.manager} names JBoss LogManager. A Quarkus application
 * that starts later keeps these levels unless its own {@code quarkus.log.category} says otherwise.
 */
final class QuietLogging {

  /** The logger tree keeps levels on nodes it may drop once no logger is referenced. */
  private static final List<Logger> QUIETED = new CopyOnWriteArrayList<>();

  private QuietLogging() {}

  static void warnOnly(String... categories) {
    for (String category : categories) {
      Logger logger = LogContext.getLogContext().getLogger(category);
      logger.setLevel(Level.WARNING);
      QUIETED.add(logger);
    }
  }
}
