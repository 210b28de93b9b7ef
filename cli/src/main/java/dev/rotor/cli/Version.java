package dev.rotor.cli;

import org.eclipse.microprofile.config.ConfigProvider;
import picocli.CommandLine.IVersionProvider;

/** {@code rotorctl --version}: the application version from the build. */
public class Version implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String version =
        ConfigProvider.getConfig()
            .getOptionalValue("quarkus.application.version", String.class)
            .orElse("unknown");
    return new String[] {"rotorctl " + version};
  }
}
