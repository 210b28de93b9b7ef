package dev.rotor.manifest;

import static dev.rotor.manifest.support.Rotations.PATH;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.common.crypto.AgeIdentity;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.event.ManifestApproved;
import dev.rotor.common.event.ManifestProposed;
import dev.rotor.common.event.Reasons;
import dev.rotor.common.event.RotationApproved;
import dev.rotor.common.event.RotationFailed;
import dev.rotor.common.event.Sources;
import dev.rotor.common.event.Topics;
import dev.rotor.common.plan.ManifestFormat;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.ReviewProvider;
import dev.rotor.manifest.config.ManifestServiceConfig;
import dev.rotor.manifest.support.Events;
import dev.rotor.manifest.support.GitRemote;
import dev.rotor.manifest.support.GitServerResource;
import dev.rotor.manifest.support.Leaks;
import dev.rotor.manifest.support.Rotations;
import dev.rotor.manifest.support.SealingController;
import dev.rotor.testsupport.CapturedLogs;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.PostgresResource;
import dev.rotor.testsupport.git.SshGitServer;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rotations against repositories reached over SSH ({@code ssh://git@host:port/...}): the same
 * running service as {@link RotationFlowTest} (same test resources), with a real Git server over
 * SSH, its host key in the service's known_hosts file, and a second SSH server whose host key is
 * not.
 */
@QuarkusTest
@WithTestResource(
    value = KafkaResource.class,
    scope = TestResourceScope.MATCHING_RESOURCES,
    initArgs =
        @ResourceArg(
            name = KafkaResource.TOPICS,
            value =
                "rotor.keys,rotor.manifests,rotor.rollouts,rotor.verifications,rotor.approvals,"
                    + "rotor.dlq"))
@WithTestResource(value = PostgresResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
@WithTestResource(value = GitServerResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class SshRepositoryFlowTest {
  private static final String KEY_GENERATOR = Sources.of("key-generator");
  private static final String CLI = "/rotor/cli";
  private static CapturedLogs logs;
  private static SealingController controller;
  private static AgeIdentity manifestServiceIdentity;

  @GitServerResource.InjectGitRemote GitRemote remote;
  @Inject ManifestServiceConfig config;

  private final Events events = new Events();
  private final List<Rotations.Generated> keys = new ArrayList<>();

  @BeforeAll
  static void captureLogs() {
    logs = CapturedLogs.install();
    controller = SealingController.generate();
    manifestServiceIdentity =
        AgeIdentity.parseIdentityFile(GitServerResource.AGE_IDENTITY_FILE).get(0);
  }

  @AfterEach
  void close() {
    events.close();
    keys.forEach(k -> k.key().close());
  }

  @Test
  void aRotationOverSshIsProposedAndMergedWithLocalApprovalAndItsCommitsAreOnTheServer() {
    SshGitServer server = remote.ssh();
    String name = "gitops-" + UUID.randomUUID().toString().substring(0, 8) + ".git";
    String url = seed(server, name);
    String base = branch(server, name, "main").orElseThrow();
    Plan plan =
        Rotations.plan(
            url, ManifestFormat.SEALED_SECRET, controller, ReviewProvider.LOCAL, 1, List.of(), 2);
    KeyGenerated key = key(plan).event();

    send(key, KEY_GENERATOR);
    ManifestProposed proposed =
        (ManifestProposed) events.await(key.rotationId(), EventType.MANIFEST_PROPOSED).data();
    assertThat(branch(server, name, proposed.branch())).contains(proposed.promoteCommit());

    send(new RotationApproved(key.rotationId(), key.targetId(), "bob", false, "ok"), CLI);
    ManifestApproved approved =
        (ManifestApproved) events.await(key.rotationId(), EventType.MANIFEST_APPROVED).data();

    assertThat(approved.mergeCommit()).isNotBlank();
    assertThat(branch(server, name, "main")).contains(approved.mergeCommit());
    List<RevCommit> history = history(server, name, "main");
    assertThat(history.get(0).getFullMessage()).contains("Rotor-Phase: promote");
    assertThat(history.get(1).getFullMessage()).contains("Rotor-Phase: distribute");
    assertThat(history.get(2).name()).isEqualTo(base);
    assertThat(server.pushes(name)).isGreaterThanOrEqualTo(2);
    assertNoSshSecretAnywhere();
  }

  @Test
  void aServerWhoseHostKeyIsNotInKnownHostsIsRefusedWithItsReasonAndNothingIsPushed() {
    SshGitServer untrusted = remote.untrustedSsh();
    String name = "gitops-" + UUID.randomUUID().toString().substring(0, 8) + ".git";
    String url = seed(untrusted, name);
    KeyGenerated key = key(plan(url)).event();

    send(key, KEY_GENERATOR);
    RotationFailed failed =
        (RotationFailed) events.await(key.rotationId(), EventType.ROTATION_FAILED).data();

    assertThat(failed.reason()).isEqualTo(Reasons.RotationFailure.GIT_REFUSED);
    assertThat(failed.message())
        .startsWith("Git over SSH to " + url.replace("git@", "") + " refused (fetch)")
        .contains("host key is not in the configured known_hosts file")
        .endsWith("rotor.manifest-service.git.ssh.known-hosts-file");
    assertThat(untrusted.pushes(name)).isZero();
    assertThat(untrusted.servedRepositories()).doesNotContain(name);
    assertThat(branches(untrusted, name)).containsExactly("refs/heads/main");
    assertNoSshSecretAnywhere();
  }

  @Test
  void aKeyTheServerDoesNotAcceptIsRefusedWithItsReasonAndNothingIsPushed() {
    SshGitServer server = remote.ssh();
    String name = "locked/gitops-" + UUID.randomUUID().toString().substring(0, 8) + ".git";
    String url = seed(server, name);
    KeyGenerated key = key(plan(url)).event();

    send(key, KEY_GENERATOR);
    RotationFailed failed =
        (RotationFailed) events.await(key.rotationId(), EventType.ROTATION_FAILED).data();

    assertThat(failed.reason()).isEqualTo(Reasons.RotationFailure.GIT_REFUSED);
    assertThat(failed.message())
        .startsWith("Git over SSH to " + url.replace("git@", "") + " refused (fetch)")
        .contains("the server refused the SSH key");
    assertThat(server.pushes(name)).isZero();
    assertThat(branches(server, name)).containsExactly("refs/heads/main");
    assertNoSshSecretAnywhere();
  }

  // ---- helpers

  private Plan plan(String url) {
    return Rotations.plan(
        url, ManifestFormat.SEALED_SECRET, controller, ReviewProvider.LOCAL, 1, List.of(), 2);
  }

  private String seed(SshGitServer server, String name) {
    String url = server.createRepository(name);
    server.commit(
        name,
        "main",
        Map.of(PATH, Rotations.sealedManifest(controller, "aaaaaaaa"), "README.md", "GitOps\n"),
        "Add manifests");
    return url;
  }

  private Rotations.Generated key(Plan plan) {
    Rotations.Generated g =
        Rotations.generate(plan, "rot-" + UUID.randomUUID(), "alice", manifestServiceIdentity);
    keys.add(g);
    return g;
  }

  private EventEnvelope send(Object data, String source) {
    return events.send(Events.envelope((dev.rotor.common.event.RotorEvent) data, source));
  }

  private static Optional<String> branch(SshGitServer server, String name, String branch) {
    try (Repository repository = server.open(name)) {
      Ref ref = repository.exactRef("refs/heads/" + branch);
      return Optional.ofNullable(ref).map(r -> r.getObjectId().name());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> branches(SshGitServer server, String name) {
    try (Repository repository = server.open(name)) {
      return repository.getRefDatabase().getRefsByPrefix("refs/heads/").stream()
          .map(Ref::getName)
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<RevCommit> history(SshGitServer server, String name, String branch) {
    try (Repository repository = server.open(name);
        RevWalk walk = new RevWalk(repository)) {
      walk.markStart(walk.parseCommit(repository.resolve("refs/heads/" + branch)));
      List<RevCommit> commits = new ArrayList<>();
      walk.forEach(commits::add);
      return commits;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** No line of a private key file, and no passphrase, in the logs or on any topic. */
  private void assertNoSshSecretAnywhere() {
    List<String> forms = new ArrayList<>();
    forms.add(GitServerResource.STRANGER_PASSPHRASE);
    List<Path> keyFiles = new ArrayList<>();
    config.git().defaultCredentials().sshKeyFile().ifPresent(keyFiles::add);
    config
        .git()
        .repositories()
        .orElse(List.of())
        .forEach(r -> r.sshKeyFile().ifPresent(keyFiles::add));
    assertThat(keyFiles).hasSize(3);
    for (Path file : keyFiles) {
      forms.addAll(
          SshGitServer.privateKeyLines(file).stream().filter(l -> l.length() >= 20).toList());
    }
    assertThat(Leaks.in(logs.text(), forms)).as("log lines").isEmpty();
    for (String topic :
        List.of(Topics.KEYS, Topics.MANIFESTS, Topics.APPROVALS, Topics.ROLLOUTS, Topics.DLQ)) {
      for (ConsumerRecord<byte[], byte[]> record : events.kafka().readAll(topic)) {
        assertThat(Leaks.in(record.value(), forms)).as("record on " + topic).isEmpty();
      }
    }
  }
}
