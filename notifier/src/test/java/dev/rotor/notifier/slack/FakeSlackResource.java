package dev.rotor.notifier.slack;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Starts a {@link FakeSlack} for a {@code @QuarkusTest} application and points the notifier at it,
 * with its secrets in files as a Kubernetes Secret would mount them: in {@code web-api} mode the
 * bot token; in {@code webhook} mode (init arg {@code mode}) one webhook URL per channel. The token
 * and the URLs are random per start, so that a test can search the logs for them.
 */
public class FakeSlackResource implements QuarkusTestResourceLifecycleManager {

  /** Init arg: {@code web-api} (default) or {@code webhook}. */
  public static final String MODE = "mode";

  /** Channels the bot is in. */
  public static final Set<String> CHANNELS =
      Set.of("#security-ops", "#platform-alerts", "#rotor-reviews", "#payments-team");

  private String mode = "web-api";
  private FakeSlack slack;
  private Path directory;

  @Override
  public void init(Map<String, String> initArgs) {
    mode = initArgs.getOrDefault(MODE, "web-api");
  }

  @Override
  public Map<String, String> start() {
    String token = "xoxb-" + UUID.randomUUID();
    slack = new FakeSlack(token, CHANNELS, Set.of("#no-bot-here"));
    directory =
        Paths.get(System.getProperty("rotor.test.tmpdir", "target"))
            .toAbsolutePath()
            .resolve("fake-slack-" + UUID.randomUUID().toString().substring(0, 8));
    Map<String, String> config = new HashMap<>();
    config.put("rotor.notifier.mode", mode);
    config.put("rotor.notifier.slack.api-url", slack.apiUrl());
    if (mode.equals("web-api")) {
      config.put("rotor.notifier.slack.token-file", write("token", token).toString());
    } else {
      config.put(
          "rotor.notifier.channels.security-ops.webhook-url-file",
          write("security-ops-webhook", slack.createWebhook("#security-ops")).toString());
      config.put(
          "rotor.notifier.channels.reviewers.webhook-url-file",
          write("reviewers-webhook", slack.createWebhook("#rotor-reviews")).toString());
      config.put(
          "rotor.notifier.channels.payments-team.webhook-url-file",
          write("payments-webhook", slack.createWebhook("#payments-team")).toString());
      // Inline, as configuration from an environment variable would give it.
      config.put(
          "rotor.notifier.channels.platform-alerts.webhook-url",
          slack.createWebhook("#platform-alerts"));
    }
    return config;
  }

  @Override
  public void inject(TestInjector testInjector) {
    testInjector.injectIntoFields(
        slack, new TestInjector.AnnotatedAndMatchesType(InjectFakeSlack.class, FakeSlack.class));
  }

  @Override
  public void stop() {
    if (slack != null) {
      slack.close();
    }
  }

  private Path write(String name, String secret) {
    try {
      Files.createDirectories(directory);
      Path file = directory.resolve(name);
      Files.writeString(file, secret + "\n");
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
