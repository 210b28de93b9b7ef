package dev.rotor.testsupport.tracing;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** Tracing turned on as docs/tracing.md says, with the span batch flushed quickly. */
public class TracingOn implements QuarkusTestProfile {
  @Override
  public Map<String, String> getConfigOverrides() {
    return Map.of(
        "quarkus.otel.sdk.disabled", "false",
        "mp.messaging.connector.smallrye-kafka.tracing-enabled", "true",
        "quarkus.otel.bsp.schedule.delay", "PT0.05S");
  }
}
