package dev.rotor.ledger.tracing;

import dev.rotor.ledger.support.LedgerTestProfile;
import dev.rotor.testsupport.tracing.TracingOn;
import java.util.HashMap;
import java.util.Map;

/** The ledger's test configuration with tracing turned on. */
public class LedgerTracingOn extends LedgerTestProfile {
  @Override
  public Map<String, String> getConfigOverrides() {
    Map<String, String> config = new HashMap<>(super.getConfigOverrides());
    config.putAll(new TracingOn().getConfigOverrides());
    return config;
  }
}
