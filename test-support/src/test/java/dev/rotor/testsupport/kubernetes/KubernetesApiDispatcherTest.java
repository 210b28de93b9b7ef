package dev.rotor.testsupport.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class KubernetesApiDispatcherTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  static KubernetesApiServer api;
  static KubernetesClient client;

  @BeforeAll
  static void start() {
    api = KubernetesApiServer.start();
    client = api.client();
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  @Test
  void serverSideApplyCreatesAnAbsentObjectAndMergesIntoAPresentOne() {
    Secret created =
        apply("ssa-create", "app-key", Map.of("a", "MQ==", "b", "Mg=="), "rotor", false);
    assertThat(created.getMetadata().getUid()).isNotBlank();
    assertThat(created.getData()).containsOnly(Map.entry("a", "MQ=="), Map.entry("b", "Mg=="));

    Secret merged =
        apply("ssa-create", "app-key", Map.of("a", "MQ==", "c", "Mw=="), "rotor", false);

    assertThat(merged.getData())
        .as("b was applied by rotor before and is not any more: removed")
        .containsOnly(Map.entry("a", "MQ=="), Map.entry("c", "Mw=="));
    assertThat(merged.getMetadata().getUid()).isEqualTo(created.getMetadata().getUid());
  }

  @Test
  void aFieldAnotherManagerOwnsWithAnotherValueIsAConflictUnlessForced() {
    apply("ssa-conflict", "app-key", Map.of("primary", "YQ=="), "platform-team", false);

    assertThatThrownBy(
            () -> apply("ssa-conflict", "app-key", Map.of("primary", "Yg=="), "rotor", false))
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(409);
              assertThat(e.getStatus().getMessage())
                  .contains("conflict with \"platform-team\": .data.primary");
              assertThat(e.getStatus().getDetails().getCauses())
                  .singleElement()
                  .satisfies(
                      cause -> {
                        assertThat(cause.getReason()).isEqualTo("FieldManagerConflict");
                        assertThat(cause.getField()).isEqualTo(".data.primary");
                      });
            });
    assertThat(secret("ssa-conflict", "app-key").getData()).containsEntry("primary", "YQ==");

    Secret forced = apply("ssa-conflict", "app-key", Map.of("primary", "Yg=="), "rotor", true);

    assertThat(forced.getData()).containsEntry("primary", "Yg==");
    assertThat(api.dispatcher().fieldManagers(path("ssa-conflict", "app-key")))
        .containsEntry("rotor", java.util.Set.of(".data.primary"))
        .doesNotContainKey("platform-team");
  }

  @Test
  void applyingTheValueAnotherManagerHoldsIsNoConflict() {
    apply("ssa-shared", "app-key", Map.of("primary", "YQ=="), "platform-team", false);

    Secret shared = apply("ssa-shared", "app-key", Map.of("primary", "YQ=="), "rotor", false);

    assertThat(shared.getData()).containsEntry("primary", "YQ==");
  }

  @Test
  void writesOfAClientAreOwnedByItsUserAgentLikeKubectls() {
    api.clientAs("kubectl-edit")
        .secrets()
        .inNamespace("ua")
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("app-key")
                .endMetadata()
                .addToData("k", "YQ==")
                .build())
        .create();

    assertThatThrownBy(() -> apply("ua", "app-key", Map.of("k", "Yg=="), "rotor", false))
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e -> assertThat(e.getStatus().getMessage()).contains("\"kubectl-edit\""));
  }

  @Test
  void aMergePatchRemovesNullFieldsAndKeepsTheStatus() {
    client
        .configMaps()
        .inNamespace("merge")
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("cm")
                .addToAnnotations("keep", "1")
                .addToAnnotations("drop", "2")
                .endMetadata()
                .build())
        .create();

    ConfigMap patched =
        client
            .configMaps()
            .inNamespace("merge")
            .withName("cm")
            .patch(
                PatchContext.of(PatchType.STRATEGIC_MERGE),
                "{\"metadata\":{\"annotations\":{\"drop\":null,\"add\":\"3\"}}}");

    assertThat(patched.getMetadata().getAnnotations()).containsOnlyKeys("keep", "add");
  }

  @Test
  void aMergePatchWithAStaleResourceVersionIsRefused() {
    ConfigMap created =
        client
            .configMaps()
            .inNamespace("precondition")
            .resource(new ConfigMapBuilder().withNewMetadata().withName("cm").endMetadata().build())
            .create();
    client
        .configMaps()
        .inNamespace("precondition")
        .withName("cm")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"data\":{\"x\":\"1\"}}");

    assertThatThrownBy(
            () ->
                client
                    .configMaps()
                    .inNamespace("precondition")
                    .withName("cm")
                    .patch(
                        PatchContext.of(PatchType.JSON_MERGE),
                        "{\"metadata\":{\"resourceVersion\":\""
                            + created.getMetadata().getResourceVersion()
                            + "\"},\"data\":{\"x\":\"2\"}}"))
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
  }

  @Test
  void aConfigMapPastTheSizeLimitIsRefusedLikeTheRealServerAndChangesNothing() {
    String big = "x".repeat(KubernetesApiDispatcher.CONFIG_MAP_LIMIT / 2);
    createSized("cm", big);

    assertThatThrownBy(
            () ->
                client
                    .configMaps()
                    .inNamespace("size")
                    .withName("cm")
                    .patch(
                        PatchContext.of(PatchType.JSON_MERGE),
                        "{\"data\":{\"b\":\"" + big + "y\"}}"))
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(422);
              assertThat(e.getStatus().getMessage())
                  .isEqualTo(
                      "ConfigMap \"cm\" is invalid: []: Too long: must have at most 1048576"
                          + " bytes");
            });
    assertThatThrownBy(() -> createSized("other", big + big + "z"))
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422));
    assertThat(client.configMaps().inNamespace("size").withName("cm").get().getData())
        .containsOnlyKeys("a");
    assertThat(client.configMaps().inNamespace("size").withName("other").get()).isNull();

    // Exactly at the limit is taken; a lower limit (a policy engine's) refuses less.
    client
        .configMaps()
        .inNamespace("size")
        .withName("cm")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"data\":{\"b\":\"" + big + "\"}}");
    api.dispatcher().limitConfigMaps(100);
    try {
      assertThatThrownBy(() -> createSized("small", "x".repeat(101)))
          .isInstanceOfSatisfying(
              KubernetesClientException.class,
              e -> assertThat(e.getStatus().getMessage()).endsWith("at most 100 bytes"));
    } finally {
      api.dispatcher().limitConfigMaps(KubernetesApiDispatcher.CONFIG_MAP_LIMIT);
    }
  }

  /** Creates ConfigMap {@code name} in namespace {@code size} holding {@code value} under a. */
  private static ConfigMap createSized(String name, String value) {
    return client
        .configMaps()
        .inNamespace("size")
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .addToData("a", value)
                .build())
        .create();
  }

  @Test
  void anInjectedFaultAnswersMatchingRequestsAndThenStops() {
    client
        .configMaps()
        .inNamespace("faults")
        .resource(new ConfigMapBuilder().withNewMetadata().withName("cm").endMetadata().build())
        .create();
    var fault =
        api.dispatcher()
            .inject(
                "GET",
                "/api/v1/namespaces/faults/configmaps/cm",
                ApiFault.forbidden("configmaps \"cm\" is forbidden"),
                1);

    assertThatThrownBy(() -> client.configMaps().inNamespace("faults").withName("cm").get())
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
    assertThat(client.configMaps().inNamespace("faults").withName("cm").get()).isNotNull();
    assertThat(fault.hits()).isEqualTo(1);
  }

  @Test
  void aDroppedWatchIsClosedByTheServerAndTheClientWatchesAgain() {
    List<String> events = new CopyOnWriteArrayList<>();
    Watch watch =
        client
            .configMaps()
            .inNamespace("watch")
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, ConfigMap resource) {
                    events.add(action + " " + resource.getMetadata().getName());
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                });
    try {
      await().atMost(TIMEOUT).until(() -> api.dispatcher().openWatches() > 0);

      assertThat(api.dispatcher().dropWatches()).isPositive();
      await().atMost(TIMEOUT).until(() -> api.dispatcher().openWatches() > 0);
      client
          .configMaps()
          .inNamespace("watch")
          .resource(
              new ConfigMapBuilder().withNewMetadata().withName("after").endMetadata().build())
          .create();

      await().atMost(TIMEOUT).until(() -> events.contains("ADDED after"));
    } finally {
      watch.close();
    }
  }

  private static Secret apply(
      String namespace, String name, Map<String, String> data, String manager, boolean force) {
    Secret secret =
        new SecretBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(namespace)
            .endMetadata()
            .withData(data)
            .build();
    var apply = client.secrets().inNamespace(namespace).resource(secret).fieldManager(manager);
    return force ? apply.forceConflicts().serverSideApply() : apply.serverSideApply();
  }

  private static Secret secret(String namespace, String name) {
    return client.secrets().inNamespace(namespace).withName(name).get();
  }

  private static String path(String namespace, String name) {
    return "/api/v1/namespaces/" + namespace + "/secrets/" + name;
  }
}
