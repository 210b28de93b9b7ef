package dev.rotor.examples.secrets.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.examples.secrets.SecretsServiceConfig;
import jakarta.ws.rs.core.Response;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The fault switch as configured, without a running application. */
class FaultSettingsTest {

  @Test
  void theSwitchStartsWithTheConfiguredRatioAndLatency() {
    FaultSwitch faults = new FaultSwitch(config(0.3, Duration.ofMillis(500), false));

    assertThat(faults.settings()).isEqualTo(new FaultSettings(0.3, Duration.ofMillis(500)));
    assertThat(faults.settings().isOn()).isTrue();
    assertThat(new FaultSwitch(config(0, Duration.ZERO, false)).settings().isOn()).isFalse();
  }

  @Test
  void atRatioZeroNoRequestFailsAndAtRatioOneEveryRequestFails() {
    FaultSwitch never = new FaultSwitch(config(0, Duration.ZERO, false));
    FaultSwitch always = new FaultSwitch(config(1, Duration.ZERO, false));

    for (int i = 0; i < 1000; i++) {
      assertThat(never.failThisRequest()).isFalse();
      assertThat(always.failThisRequest()).isTrue();
    }
  }

  @Test
  void aConfiguredRatioOrLatencyOutOfRangeIsRefusedNamingTheKey() {
    assertThatThrownBy(() -> new FaultSwitch(config(-0.1, Duration.ZERO, false)))
        .hasMessageContaining("secrets-service.fault.error-ratio: -0.1 is not between 0 and 1");
    assertThatThrownBy(() -> new FaultSwitch(config(Double.NaN, Duration.ZERO, false)))
        .hasMessageContaining("secrets-service.fault.error-ratio");
    assertThatThrownBy(() -> new FaultSwitch(config(0, Duration.ofSeconds(-1), false)))
        .hasMessageContaining("secrets-service.fault.extra-latency: must be zero or positive");
  }

  @Test
  void theAdminEndpointRefusesChangesUnlessEnabledByConfiguration() {
    SecretsServiceConfig readOnly = config(0, Duration.ZERO, false);
    FaultResource resource = new FaultResource();
    resource.config = readOnly;
    resource.faults = new FaultSwitch(readOnly);

    Response response = resource.change(new FaultResource.Change(1.0, null));

    assertThat(response.getStatus()).isEqualTo(403);
    assertThat(resource.faults.settings().errorRatio()).isZero();
  }

  private static SecretsServiceConfig config(
      double errorRatio, Duration extraLatency, boolean adminEnabled) {
    return new SecretsServiceConfig() {
      @Override
      public KeyringConfig keyring() {
        return new KeyringConfig() {
          @Override
          public KeyringSource source() {
            return KeyringSource.DIRECTORY;
          }

          @Override
          public Path dir() {
            return Path.of("/etc/rotor/keyring");
          }
        };
      }

      @Override
      public FaultConfig fault() {
        return new FaultConfig() {
          @Override
          public double errorRatio() {
            return errorRatio;
          }

          @Override
          public Duration extraLatency() {
            return extraLatency;
          }

          @Override
          public boolean adminEnabled() {
            return adminEnabled;
          }
        };
      }
    };
  }
}
