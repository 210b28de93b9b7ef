package dev.rotor.keygen.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Points the application at a test policy ({@link TestPolicy}) whose certificates and recipients
 * belong to the test run's own keys ({@link TestKeys}), so tests can unseal what the service seals.
 */
public class TestPolicyResource implements QuarkusTestResourceLifecycleManager {
  /** Init arg: the policy variant, {@link TestPolicy#MAIN} or {@link TestPolicy#RESTART}. */
  public static final String VARIANT = "variant";

  private String variant = TestPolicy.MAIN;

  @Override
  public void init(Map<String, String> initArgs) {
    variant = initArgs.getOrDefault(VARIANT, TestPolicy.MAIN);
  }

  @Override
  public Map<String, String> start() {
    return Map.of(
        "rotor.key-generator.policy-file",
        TestPolicy.write(variant).toString(),
        "rotor.key-generator.manifest-service-recipient",
        TestKeys.get().manifestServiceIdentity().recipient().value());
  }

  @Override
  public void stop() {
    // The files stay for the next application of the run (and for a person reading a failure).
  }
}
