package dev.rotor.examples.secrets.keyring;

import dev.rotor.common.keyring.Keyring;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Readiness: the keyring is loaded; reports its key ids (never a key). */
@Readiness
@ApplicationScoped
public class KeyringHealthCheck implements HealthCheck {
  @Inject Keyring keyring;

  @Override
  public HealthCheckResponse call() {
    return HealthCheckResponse.named("keyring")
        .status(!keyring.isClosed())
        .withData("primaryKeyId", keyring.primaryKeyId())
        .withData("decryptOnlyKeyIds", String.join(",", keyring.decryptOnlyKeyIds()))
        .build();
  }
}
