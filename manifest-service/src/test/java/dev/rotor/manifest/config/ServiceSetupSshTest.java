package dev.rotor.manifest.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.common.event.Reasons;
import dev.rotor.manifest.RotationFailedException;
import dev.rotor.manifest.git.GitRepositories;
import dev.rotor.testsupport.git.SshGitServer;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SSH settings are checked at start-up, and an SSH URL without them is refused clearly. */
class ServiceSetupSshTest {
  private static final String P = "rotor.manifest-service.";

  @TempDir Path directory;

  @Test
  void aMissingKeyFileOrKnownHostsFileFailsTheStartNamingTheKey() {
    Map<String, String> bad = new HashMap<>();
    bad.put(P + "git.repositories[0].url-prefix", "ssh://git@github.com/aether/");
    bad.put(P + "git.repositories[0].ssh-key-file", directory.resolve("nope").toString());

    assertThatThrownBy(() -> new ServiceSetup(config(bad)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(P + "git.repositories[0].ssh-key-file: " + directory.resolve("nope"))
        .hasMessageContaining("is not a readable file")
        .hasMessageContaining(P + "git.ssh.known-hosts-file: is required with " + P);
  }

  @Test
  void anOutboxPurgeThatKeepsTooShortlyOrRunsTooOftenFailsTheStartNamingTheKeys() {
    Map<String, String> bad = new HashMap<>();
    bad.put(P + "outbox.keep-sent", "PT59M");
    bad.put(P + "outbox.purge-interval", "PT59S");

    assertThatThrownBy(() -> new ServiceSetup(config(bad)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(P + "outbox.keep-sent: must be at least PT1H; got PT59M")
        .hasMessageContaining(P + "outbox.purge-interval: must be at least PT1M; got PT59S");
  }

  @Test
  void aKeyMaterialPurgeThatKeepsTooShortlyOrRunsTooOftenFailsTheStartNamingTheKeys() {
    Map<String, String> bad = new HashMap<>();
    bad.put(P + "key-material.keep", "PT59M");
    bad.put(P + "key-material.purge-interval", "PT59S");

    assertThatThrownBy(() -> new ServiceSetup(config(bad)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(P + "key-material.keep: must be at least PT1H; got PT59M")
        .hasMessageContaining(P + "key-material.purge-interval: must be at least PT1M; got PT59S");
  }

  @Test
  void anUnreadableKeyOrAWrongPassphraseFailsTheStartWithoutShowingTheKey() throws Exception {
    Path key =
        SshGitServer.writePrivateKey(
            directory.resolve("id_ecdsa"), SshGitServer.generateKey(), "the-right-one");
    Path passphrase = Files.writeString(directory.resolve("passphrase"), "a-wrong-one\n");
    Map<String, String> bad = withKnownHosts();
    bad.put(P + "git.default-credentials.ssh-key-file", key.toString());
    bad.put(P + "git.default-credentials.ssh-key-passphrase-file", passphrase.toString());

    assertThatThrownBy(() -> new ServiceSetup(config(bad)))
        .hasMessageContaining(
            P + "git.default-credentials.ssh-key-file: " + key + " cannot be loaded")
        .hasMessageContaining("with the passphrase in " + passphrase)
        .satisfies(
            e -> {
              assertThat(e.getMessage()).doesNotContain("a-wrong-one", "the-right-one");
              for (String line : SshGitServer.privateKeyLines(key)) {
                assertThat(e.getMessage()).doesNotContain(line);
              }
            });
  }

  @Test
  void anSshKeyIsOnlyForSshPrefixesAndNeverWithAPassword() throws Exception {
    Path key =
        SshGitServer.writePrivateKey(
            directory.resolve("id_ecdsa"), SshGitServer.generateKey(), null);
    Map<String, String> bad = withKnownHosts();
    bad.put(P + "git.repositories[0].url-prefix", "https://github.com/aether/");
    bad.put(P + "git.repositories[0].ssh-key-file", key.toString());
    bad.put(P + "git.repositories[1].url-prefix", "git@github.com:aether/");
    bad.put(P + "git.repositories[1].ssh-key-file", key.toString());
    bad.put(P + "git.repositories[1].token", "some-token");

    assertThatThrownBy(() -> new ServiceSetup(config(bad)))
        .hasMessageContaining(P + "git.repositories[0].url-prefix: an ssh-key-file is for SSH URLs")
        .hasMessageContaining(
            P + "git.repositories[1]: give ssh-key-file or password/token, not both")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("some-token"));
  }

  @Test
  void anSshUrlWithoutAKeyIsRefusedNamingTheKeyToSetAndHttpsIsUnchanged() throws Exception {
    Path key =
        SshGitServer.writePrivateKey(
            directory.resolve("id_ecdsa"), SshGitServer.generateKey(), null);
    Map<String, String> properties = withKnownHosts();
    properties.put(P + "git.repositories[0].url-prefix", "ssh://git@127.0.0.1:1/aether/");
    properties.put(P + "git.repositories[0].ssh-key-file", key.toString());
    properties.put(P + "git.default-credentials.token", "a-token");
    ServiceSetup setup = new ServiceSetup(config(properties));
    try {
      assertThat(setup.transportFor("https://github.com/aether/gitops.git")).isNull();
      assertThat(setup.transportFor("file:///tmp/gitops.git")).isNull();
      assertThat(setup.credentialsFor("https://github.com/aether/gitops.git")).isPresent();
      assertThat(setup.credentialsFor("ssh://git@127.0.0.1:1/aether/gitops.git")).isEmpty();

      GitRepositories repositories =
          new GitRepositories(
              directory.resolve("cache"),
              setup::credentialsFor,
              setup::transportFor,
              Duration.ofSeconds(5));
      assertThatThrownBy(
              () ->
                  repositories.with(
                      "ssh://git@127.0.0.1:1/other/gitops.git",
                      wc -> {
                        wc.fetch("main");
                        return null;
                      }))
          .isInstanceOfSatisfying(
              RotationFailedException.class,
              e -> {
                assertThat(e.reason()).isEqualTo(Reasons.RotationFailure.GIT_REFUSED);
                assertThat(e.getMessage())
                    .startsWith("Git over SSH to ssh://127.0.0.1:1/other/gitops.git (fetch)")
                    .contains("no SSH key is configured for this repository")
                    .contains(P + "git.default-credentials.ssh-key-file");
              });
    } finally {
      setup.close();
    }
  }

  private Map<String, String> withKnownHosts() throws Exception {
    Path knownHosts = directory.resolve("known_hosts");
    Files.writeString(
        knownHosts,
        "github.com "
            + org.apache.sshd.common.config.keys.PublicKeyEntry.toString(
                SshGitServer.generateKey().getPublic())
            + "\n");
    Map<String, String> properties = new HashMap<>();
    properties.put(P + "git.ssh.known-hosts-file", knownHosts.toString());
    return properties;
  }

  private ManifestServiceConfig config(Map<String, String> overrides) {
    Map<String, String> properties = new HashMap<>();
    properties.put(P + "cache-dir", directory.resolve("cache").toString());
    properties.putAll(overrides);
    return new SmallRyeConfigBuilder()
        .addDefaultInterceptors()
        .withMapping(ManifestServiceConfig.class)
        .withSources(new PropertiesConfigSource(properties, "test", 500))
        .build()
        .getConfigMapping(ManifestServiceConfig.class);
  }
}
