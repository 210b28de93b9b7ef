package dev.rotor.notifier.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretValueTest {

  @TempDir Path dir;

  @Test
  void readsAMountedSecretAgainWhenItChanges() throws Exception {
    Path file = Files.writeString(dir.resolve("token"), "xoxb-first\n");
    Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2026-01-01T00:00:00Z")));
    SecretValue token = SecretValue.fromFile("rotor.notifier.slack.token-file", file);
    assertThat(token.value()).isEqualTo("xoxb-first");

    Files.writeString(file, "xoxb-rotated\n");
    Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2026-01-02T00:00:00Z")));

    assertThat(token.value()).isEqualTo("xoxb-rotated");
  }

  @Test
  void keepsTheLastValueWhileTheFileIsBeingReplaced() throws Exception {
    Path file = Files.writeString(dir.resolve("token"), "xoxb-first");
    SecretValue token = SecretValue.fromFile("k", file);

    Files.delete(file);
    assertThat(token.value()).isEqualTo("xoxb-first");
    Files.writeString(file, "");
    Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2030-01-01T00:00:00Z")));
    assertThat(token.value()).isEqualTo("xoxb-first");
  }

  @Test
  void aChangedFileThatFailsTheCheckIsRefusedAndTheLastGoodValueStays() throws Exception {
    Path file = Files.writeString(dir.resolve("token"), "xoxb-first\n");
    Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2026-01-01T00:00:00Z")));
    SecretValue token =
        SecretValue.fromFile(
            "rotor.notifier.slack.token-file", file, v -> v.contains("\n") ? "has 2 lines" : null);

    Files.writeString(file, "xoxb-second\nxoxb-third\n");
    Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2026-01-02T00:00:00Z")));
    assertThat(token.value()).isEqualTo("xoxb-first");

    Files.writeString(file, "xoxb-fixed\n");
    Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2026-01-03T00:00:00Z")));
    assertThat(token.value()).isEqualTo("xoxb-fixed");
  }

  @Test
  void refusesAFileThatFailsTheCheckAtStartNamingTheKeyAndTheFileButNotTheValue() throws Exception {
    Path file = Files.writeString(dir.resolve("token"), "xoxb-secret\nmore\n");
    assertThatThrownBy(
            () ->
                SecretValue.fromFile(
                    "rotor.notifier.slack.token-file",
                    file,
                    v -> v.contains("\n") ? "has 2 lines" : null))
        .hasMessage("rotor.notifier.slack.token-file: " + file + " has 2 lines");
  }

  @Test
  void refusesAnEmptyFileAtStartNamingTheKeyAndNeverShowsTheValue() throws Exception {
    Path empty = Files.writeString(dir.resolve("empty"), "\n");
    assertThatThrownBy(() -> SecretValue.fromFile("rotor.notifier.slack.token-file", empty))
        .hasMessage("rotor.notifier.slack.token-file: " + empty + " is empty");

    SecretValue inline = SecretValue.of("rotor.notifier.slack.token", "xoxb-inline");
    assertThat(inline.toString()).doesNotContain("xoxb");
  }

  @Test
  void redactsEverySecretAndTheSecretPathOfAWebhookUrl() {
    Secrets secrets =
        new Secrets(
            List.of(
                SecretValue.of("token", "xoxb-123"),
                SecretValue.of("url", "https://hooks.slack.com/services/T1/B2/abc")));

    assertThat(secrets.redact("Bearer xoxb-123 failed"))
        .isEqualTo("Bearer " + Secrets.REDACTED + " failed");
    assertThat(secrets.redact("POST /services/T1/B2/abc: 404"))
        .isEqualTo("POST " + Secrets.REDACTED + ": 404");
  }
}
