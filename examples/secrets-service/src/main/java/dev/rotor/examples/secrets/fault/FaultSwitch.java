package dev.rotor.examples.secrets.fault;

import static dev.rotor.examples.secrets.SecretsMessages.FAULT_SWITCH;

import dev.rotor.examples.secrets.SecretsServiceConfig;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.concurrent.ThreadLocalRandom;
import org.jboss.logging.Logger;

/**
 * The fault switch: makes a share of {@code /payloads} requests fail with HTTP 500 and adds latency
 * to all of them, so a rotation can be made to look bad on purpose and Rotor's verifier and
 * rollback can be exercised. Set by configuration ({@code secrets-service.fault.*}) and, when
 * {@code secrets-service.fault.admin-enabled} is true, changed on the running service through
 * {@code PUT /admin/fault}. Off by default.
 */
@ApplicationScoped
public class FaultSwitch {
  private static final Logger LOG = Logger.getLogger(FaultSwitch.class);

  private volatile FaultSettings settings;

  @Inject
  public FaultSwitch(SecretsServiceConfig config) {
    this.settings = new FaultSettings(config.fault().errorRatio(), config.fault().extraLatency());
  }

  void onStart(@Observes StartupEvent event) {
    if (settings.isOn()) {
      LOG.warnf(
          "%s fault switch on at start-up: error ratio %s, extra latency %s",
          FAULT_SWITCH, settings.errorRatio(), settings.extraLatency());
    }
  }

  public FaultSettings settings() {
    return settings;
  }

  /** Changes the switch at runtime. */
  public void set(FaultSettings next) {
    settings = next;
    LOG.warnf(
        "%s fault switch set: error ratio %s, extra latency %s",
        FAULT_SWITCH, next.errorRatio(), next.extraLatency());
  }

  /** Whether this request should fail, drawn at the configured ratio. */
  public boolean failThisRequest() {
    double ratio = settings.errorRatio();
    return ratio > 0 && ThreadLocalRandom.current().nextDouble() < ratio;
  }
}
