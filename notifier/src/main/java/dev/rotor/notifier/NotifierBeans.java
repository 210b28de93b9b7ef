package dev.rotor.notifier;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.notifier.config.NotifierConfig;
import dev.rotor.notifier.config.NotifierConfig.Mode;
import dev.rotor.notifier.config.NotifierSettings;
import dev.rotor.notifier.config.Secrets;
import dev.rotor.notifier.message.MessageComposer;
import dev.rotor.notifier.slack.SlackHttp;
import dev.rotor.notifier.slack.SlackTransport;
import dev.rotor.notifier.slack.WebApiTransport;
import dev.rotor.notifier.slack.WebhookTransport;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** How the notifier's parts are made from its configuration. */
public class NotifierBeans {

  /** The checked configuration; a wrong one fails start-up naming every wrong key. */
  @Produces
  @Singleton
  NotifierSettings settings(
      NotifierConfig config,
      @ConfigProperty(name = "quarkus.datasource.jdbc.max-size", defaultValue = "20")
          int poolMaxSize) {
    NotifierSettings settings = NotifierSettings.from(config);
    settings.requirePool(poolMaxSize);
    return settings;
  }

  @Produces
  @Singleton
  Secrets secrets(NotifierSettings settings) {
    return new Secrets(settings.secrets());
  }

  @Produces
  @Singleton
  Clock clock() {
    return Clock.systemUTC();
  }

  @Produces
  @Singleton
  MessageComposer composer(NotifierSettings settings) {
    return new MessageComposer(settings.ledgerBaseUrl(), settings.pageMention());
  }

  @Produces
  @Singleton
  SlackTransport transport(NotifierSettings settings, ObjectMapper mapper, Clock clock) {
    SlackHttp http = new SlackHttp(settings, mapper, clock);
    return settings.mode() == Mode.WEB_API
        ? new WebApiTransport(http, settings.apiUrl(), settings.token().orElseThrow())
        : new WebhookTransport(http);
  }
}
