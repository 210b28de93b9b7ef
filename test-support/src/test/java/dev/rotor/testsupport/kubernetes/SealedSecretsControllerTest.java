package dev.rotor.testsupport.kubernetes;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SealedSecretsControllerTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  static KubernetesApiServer api;
  static KubernetesClient client;
  static SealingKeyPair keys;

  @BeforeAll
  static void start() {
    api = KubernetesApiServer.start();
    client = api.client();
    keys = SealingKeyPair.shared();
    api.sealedSecrets(keys);
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  @AfterEach
  void speak() {
    api.sealedSecrets().silent(false);
  }

  @Test
  void aSealedSecretBecomesTheSecretItSeals() {
    apply(sealedSecret("unseal", "app-key", Map.of("keyring.primary", "99f59ac9")));

    await()
        .atMost(TIMEOUT)
        .until(() -> client.secrets().inNamespace("unseal").withName("app-key").get() != null);
    Secret secret = client.secrets().inNamespace("unseal").withName("app-key").get();
    assertThat(
            new String(
                Base64.getDecoder().decode(secret.getData().get("keyring.primary")), US_ASCII))
        .isEqualTo("99f59ac9");
    assertThat(secret.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(owner -> assertThat(owner.getKind()).isEqualTo("SealedSecret"));
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(
                        Serialization.asJson(
                            client
                                .genericKubernetesResources(SealedSecretsController.SEALED_SECRETS)
                                .inNamespace("unseal")
                                .withName("app-key")
                                .get()
                                .getAdditionalProperties()
                                .get("status")))
                    .contains("\"observedGeneration\":1")
                    .contains("\"Synced\""));
  }

  @Test
  void aChangedSealedSecretUpdatesTheSecret() {
    apply(sealedSecret("update", "app-key", Map.of("keyring.primary", "99f59ac9")));
    await().atMost(TIMEOUT).until(() -> api.sealedSecrets().unsealCount("update", "app-key") == 1);

    apply(sealedSecret("update", "app-key", Map.of("keyring.primary", "76960b5f")));

    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                "NzY5NjBiNWY="
                    .equals(
                        client
                            .secrets()
                            .inNamespace("update")
                            .withName("app-key")
                            .get()
                            .getData()
                            .get("keyring.primary")));
  }

  @Test
  void aSilentControllerWritesNoSecret() {
    api.sealedSecrets().silent(true);

    apply(sealedSecret("silent", "app-key", Map.of("keyring.primary", "99f59ac9")));

    await()
        .pollDelay(Duration.ofMillis(500))
        .atMost(TIMEOUT)
        .until(() -> client.secrets().inNamespace("silent").withName("app-key").get() == null);
    assertThat(api.sealedSecrets().unsealCount("silent", "app-key")).isZero();
  }

  @Test
  void aValueSealedForAnotherSecretIsNotUnsealed() {
    GenericKubernetesResource wrongScope = sealedSecret("scope", "app-key", Map.of());
    ((Map<String, Object>) wrongScope.getAdditionalProperties().get("spec"))
        .put(
            "encryptedData",
            Map.of("keyring.primary", keys.seal("scope", "other-secret", "x".getBytes(US_ASCII))));

    apply(wrongScope);

    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(
                        Serialization.asJson(
                            client
                                .genericKubernetesResources(SealedSecretsController.SEALED_SECRETS)
                                .inNamespace("scope")
                                .withName("app-key")
                                .get()
                                .getAdditionalProperties()
                                .get("status")))
                    .contains("\"status\":\"False\"")
                    .contains("no key could decrypt secret"));
    assertThat(client.secrets().inNamespace("scope").withName("app-key").get()).isNull();
  }

  private static GenericKubernetesResource sealedSecret(
      String namespace, String name, Map<String, String> values) {
    Map<String, Object> encrypted = new java.util.LinkedHashMap<>();
    values.forEach((k, v) -> encrypted.put(k, keys.seal(namespace, name, v.getBytes(US_ASCII))));
    Map<String, Object> spec = new java.util.LinkedHashMap<>();
    spec.put("encryptedData", encrypted);
    spec.put("template", Map.of("metadata", Map.of("name", name, "namespace", namespace)));
    return new GenericKubernetesResourceBuilder()
        .withApiVersion("bitnami.com/v1alpha1")
        .withKind("SealedSecret")
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .endMetadata()
        .addToAdditionalProperties("spec", spec)
        .build();
  }

  private static void apply(GenericKubernetesResource sealed) {
    client
        .genericKubernetesResources(SealedSecretsController.SEALED_SECRETS)
        .inNamespace(sealed.getMetadata().getNamespace())
        .resource(sealed)
        .fieldManager("rotor")
        .serverSideApply();
  }
}
