package dev.rotor.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.cli.Rotorctl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyValidateTest {
  private static final Path EXAMPLE =
      Path.of(
          System.getProperty("rotor.test.example-policy", "../deploy/policy/rotor-policy.yaml"));

  @Test
  void theShippedExamplePolicyIsValidAndItsStagesAreListed() {
    Rotorctl.Result result = Rotorctl.run("policy", "validate", EXAMPLE.toString());

    assertThat(result.exitCode()).isZero();
    assertThat(result.outputLines())
        .containsExactly(
            EXAMPLE + ": valid, 1 target",
            "  aether-services/secrets-service-config: aether-staging (soak 10m00s) ->"
                + " aether-production (soak 30m00s)");
  }

  @Test
  void aBrokenPolicyPrintsEveryProblemWithFilePathAndLineAndExitsOne(@TempDir Path dir)
      throws IOException {
    Path broken = dir.resolve("broken.yaml");
    Files.writeString(
        broken,
        """
        apiVersion: rotor.dev/v1
        kind: RotationPolicy
        targets:
          - id: aether-services/secrets-service-config
            deployments: [secrets-service]
            colour: blue
            manifest:
              repository: https://git.example.com/aether/gitops.git
              path: deploy/secret.yaml
              format: secret
              allowPlaintextInGit: true
            escrow:
              recipients: [age1z0x8454k8ksm7j9kh3t2uk0lvxdqxtpa769gfzkufunex3tl7f9s62ayjs]
            stages:
              - cluster: aether-staging
                soak: ten minutes
              - soak: PT30M
        """);

    Rotorctl.Result result = Rotorctl.run("policy", "validate", broken.toString());

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.output()).isEmpty();
    assertThat(result.errorLines())
        .contains(
            broken
                + ": targets[0].stages[0].soak: expected an ISO-8601 duration such as PT10M or"
                + " PT0.5S, got 'ten minutes' (line 16)",
            broken + ": targets[0].stages[1].cluster: is required (line 17)")
        .anySatisfy(line -> assertThat(line).startsWith(broken + ": targets[0].colour: "))
        .last()
        .asString()
        .startsWith("rotorctl: ROTOR-7300 " + broken + ": ")
        .endsWith(" problems; the key-generator would not start with this policy");
  }

  @Test
  void aMissingFileIsOneLineAndExitsOne() {
    Rotorctl.Result result = Rotorctl.run("policy", "validate", "no-such-policy.yaml");

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.errorLines())
        .containsExactly(
            "no-such-policy.yaml: no such file",
            "rotorctl: ROTOR-7300 no-such-policy.yaml: 1 problem; the key-generator would not"
                + " start with this policy");
  }
}
