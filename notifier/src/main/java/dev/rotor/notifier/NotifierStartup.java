package dev.rotor.notifier;

import dev.rotor.notifier.config.ChannelSettings;
import dev.rotor.notifier.config.NotifierSettings;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Locale;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/** Checks the configuration when the application starts, and says what the notifier will do. */
@ApplicationScoped
public class NotifierStartup {
  private static final Logger LOG = Logger.getLogger(NotifierStartup.class);

  void onStart(@Observes StartupEvent event, NotifierSettings settings) {
    LOG.infof(
        "ROTOR-6001 notifier ready: mode %s, channels %s; each channel has its own queue: a message"
            + " gets up to %d attempts (about %s of backoff), and one queued behind a failing"
            + " message gets at least one, before it goes to the dead-letter topic",
        settings.mode().name().toLowerCase(Locale.ROOT).replace('_', '-'),
        settings.channels().stream()
            .map(ChannelSettings::toString)
            .collect(Collectors.joining(", ")),
        settings.retry().maxAttempts(),
        roughly(settings.retry().longestHold().toSeconds()));
  }

  private static String roughly(long seconds) {
    return seconds < 120 ? seconds + " s" : seconds / 60 + " min";
  }
}
