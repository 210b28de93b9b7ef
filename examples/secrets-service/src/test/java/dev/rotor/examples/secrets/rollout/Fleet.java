package dev.rotor.examples.secrets.rollout;

import static org.awaitility.Awaitility.await;

import dev.rotor.common.crypto.GeneratedKey;
import dev.rotor.examples.load.LoadGenerator;
import dev.rotor.examples.secrets.KeyringFiles;
import dev.rotor.testsupport.SecretsServiceProcess;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The pods of one Deployment: instances of the Secrets Service on one database, each with its own
 * copy of the keyring (as each pod mounts the Secret). {@link #rollTo} replaces them one by one the
 * way a rolling restart with {@code maxSurge: 1, maxUnavailable: 0} does: start the new pod, wait
 * until it is ready, put it behind the Service, take an old pod out, let its requests finish, stop
 * it.
 */
final class Fleet implements AutoCloseable {
  static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final Path directory;
  private final Database database;
  private final Map<String, String> properties;
  private final List<SecretsServiceProcess> running = new ArrayList<>();
  private final List<SecretsServiceProcess> everStarted = new ArrayList<>();
  private int started;

  Fleet(Path directory, Database database, Map<String, String> properties) {
    this.directory = directory;
    this.database = database;
    this.properties = properties;
  }

  /** What the Secret holds in one phase of a rotation. */
  record Keyring(String phase, GeneratedKey primary, List<GeneratedKey> decryptOnly) {
    static Keyring of(String phase, GeneratedKey primary, GeneratedKey... decryptOnly) {
      return new Keyring(phase, primary, List.of(decryptOnly));
    }

    /** The self-test line an instance with this keyring logs. */
    String selfTestLine() {
      return "encryption self-test passed, primary key id "
          + primary.keyId()
          + ", decrypt-only ids "
          + decryptOnly.stream().map(GeneratedKey::keyId).sorted().toList();
    }
  }

  /** Starts {@code count} instances with {@code keyring} at once and waits until all are ready. */
  List<SecretsServiceProcess> startAll(int count, Keyring keyring) {
    List<SecretsServiceProcess> instances = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      instances.add(launch(keyring));
    }
    // All boot at once; waiting for each in turn takes as long as the slowest.
    instances.forEach(instance -> instance.awaitReady(START_TIMEOUT));
    running.addAll(instances);
    return instances;
  }

  /**
   * Replaces every running instance, one by one, with one that has {@code keyring}, while {@code
   * load} keeps going; after each step it waits until {@code writesPerStep} more payloads were
   * written, so every mix of old and new pods takes traffic.
   */
  void rollTo(Keyring keyring, LoadGenerator load, long writesPerStep) throws InterruptedException {
    for (SecretsServiceProcess old : List.copyOf(running)) {
      SecretsServiceProcess replacement = launch(keyring).awaitReady(START_TIMEOUT);
      running.add(replacement);
      load.addTarget(replacement.baseUrl());
      if (!load.removeTarget(old.baseUrl(), Duration.ofSeconds(20))) {
        throw new AssertionError("requests to " + old + " did not finish");
      }
      running.remove(old);
      old.close();
      awaitWrites(load, writesPerStep);
    }
  }

  /** Waits until the load generator has written {@code count} more payloads. */
  static void awaitWrites(LoadGenerator load, long count) {
    long target = load.report().writesOk() + count;
    await("load generator at " + target + " writes")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> load.report().writesOk() >= target);
  }

  List<URI> baseUrls() {
    return running.stream().map(SecretsServiceProcess::baseUrl).toList();
  }

  List<SecretsServiceProcess> running() {
    return List.copyOf(running);
  }

  /** Every instance this fleet started, running or stopped (their logs stay). */
  List<SecretsServiceProcess> everStarted() {
    return List.copyOf(everStarted);
  }

  private SecretsServiceProcess launch(Keyring keyring) {
    String name = "pod-" + (++started) + "-" + keyring.phase();
    Path keyringDirectory =
        KeyringFiles.write(
            directory.resolve("keyrings").resolve(name),
            keyring.primary(),
            keyring.decryptOnly().toArray(GeneratedKey[]::new));
    Map<String, String> instanceProperties = new HashMap<>(properties);
    instanceProperties.put("secrets-service.keyring.dir", keyringDirectory.toString());
    SecretsServiceProcess instance =
        SecretsServiceProcess.start(
            name, directory.resolve("logs"), database.name(), instanceProperties, Map.of());
    everStarted.add(instance);
    return instance;
  }

  @Override
  public void close() {
    everStarted.forEach(SecretsServiceProcess::close);
    running.clear();
  }
}
