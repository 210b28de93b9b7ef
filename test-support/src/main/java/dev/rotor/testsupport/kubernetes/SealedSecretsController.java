package dev.rotor.testsupport.kubernetes;

import dev.rotor.common.crypto.CryptoException;
import dev.rotor.common.crypto.SealedSecretSealer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Plays Bitnami's sealed-secrets controller against the mock API server: for every SealedSecret
 * that is new or changed ({@code metadata.generation} ahead of {@code status.observedGeneration}),
 * it unseals each {@code spec.encryptedData} value with the controller's private key (strict scope:
 * the SealedSecret's namespace and name) and writes the Secret, owned by the SealedSecret, with the
 * template's type, labels and annotations; then it reports {@code status.observedGeneration} and a
 * {@code Synced} condition, as the real controller does. A value it cannot unseal leaves the Secret
 * as it was and sets {@code Synced=False}; so does a Secret of the same name that another owner
 * keeps.
 *
 * <p>{@link #silent(boolean)} makes it ignore SealedSecrets, as a controller that is down or
 * misconfigured would; {@link #resume()} brings it back, catching up on what it ignored.
 */
public final class SealedSecretsController implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(SealedSecretsController.class);

  /** The SealedSecret resource: {@code bitnami.com/v1alpha1}, plural {@code sealedsecrets}. */
  public static final ResourceDefinitionContext SEALED_SECRETS =
      new ResourceDefinitionContext.Builder()
          .withGroup("bitnami.com")
          .withVersion("v1alpha1")
          .withPlural("sealedsecrets")
          .withKind("SealedSecret")
          .withNamespaced(true)
          .build();

  private final KubernetesClient client;
  private final SealingKeyPair keys;
  private final ExecutorService executor;
  private final SharedIndexInformer<GenericKubernetesResource> informer;
  private final Map<String, AtomicInteger> unsealed = new ConcurrentHashMap<>();
  private volatile boolean silent;

  SealedSecretsController(KubernetesClient client, SealingKeyPair keys) {
    this.client = client;
    this.keys = keys;
    this.executor =
        Executors.newSingleThreadExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "rotor-sealed-secrets-controller");
              thread.setDaemon(true);
              return thread;
            });
    if (client
            .apiextensions()
            .v1()
            .customResourceDefinitions()
            .withName(crd().getMetadata().getName())
            .get()
        == null) {
      client.apiextensions().v1().customResourceDefinitions().resource(crd()).create();
    }
    this.informer =
        client
            .genericKubernetesResources(SEALED_SECRETS)
            .inAnyNamespace()
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(GenericKubernetesResource sealed) {
                    executor.execute(() -> reconcile(sealed));
                  }

                  @Override
                  public void onUpdate(
                      GenericKubernetesResource before, GenericKubernetesResource after) {
                    executor.execute(() -> reconcile(after));
                  }

                  @Override
                  public void onDelete(GenericKubernetesResource sealed, boolean unknown) {}
                });
  }

  /** The custom resource definition the real controller's chart installs (schema left open). */
  public static CustomResourceDefinition crd() {
    return new CustomResourceDefinitionBuilder()
        .withNewMetadata()
        .withName("sealedsecrets.bitnami.com")
        .endMetadata()
        .withNewSpec()
        .withGroup("bitnami.com")
        .withScope("Namespaced")
        .withNewNames()
        .withKind("SealedSecret")
        .withListKind("SealedSecretList")
        .withPlural("sealedsecrets")
        .withSingular("sealedsecret")
        .endNames()
        .addNewVersion()
        .withName("v1alpha1")
        .withServed(true)
        .withStorage(true)
        .withNewSchema()
        .withNewOpenAPIV3Schema()
        .withType("object")
        .withXKubernetesPreserveUnknownFields(true)
        .endOpenAPIV3Schema()
        .endSchema()
        .withNewSubresources()
        .withNewStatus()
        .endStatus()
        .endSubresources()
        .endVersion()
        .endSpec()
        .build();
  }

  /** While silent, the controller ignores SealedSecrets (no Secret, no status). */
  public void silent(boolean silent) {
    this.silent = silent;
  }

  /**
   * Stops being {@link #silent(boolean) silent} and unseals every SealedSecret it ignored
   * meanwhile, as a controller that starts again does.
   */
  public void resume() {
    silent = false;
    for (GenericKubernetesResource sealed : informer.getStore().list()) {
      executor.execute(() -> reconcile(sealed));
    }
  }

  /** How many times the Secret {@code namespace/name} was written from its SealedSecret. */
  public int unsealCount(String namespace, String name) {
    AtomicInteger count = unsealed.get(namespace + "/" + name);
    return count == null ? 0 : count.get();
  }

  /** The certificate of the key pair it unseals with. */
  public String certificatePem() {
    return keys.certificatePem();
  }

  @Override
  public void close() {
    informer.close();
    executor.shutdownNow();
  }

  private void reconcile(GenericKubernetesResource observed) {
    if (silent) {
      return;
    }
    String namespace = observed.getMetadata().getNamespace();
    String name = observed.getMetadata().getName();
    GenericKubernetesResource sealed =
        client
            .genericKubernetesResources(SEALED_SECRETS)
            .inNamespace(namespace)
            .withName(name)
            .get();
    if (sealed == null) {
      return;
    }
    long generation =
        sealed.getMetadata().getGeneration() == null ? 1L : sealed.getMetadata().getGeneration();
    Object observedGeneration =
        nested(sealed.getAdditionalProperties(), "status", "observedGeneration");
    if (observedGeneration instanceof Number number && number.longValue() >= generation) {
      return;
    }
    Map<String, Object> spec = map(sealed.getAdditionalProperties().get("spec"));
    Map<String, Object> encrypted = map(spec.get("encryptedData"));
    Map<String, Object> template = map(spec.get("template"));
    Map<String, Object> templateMetadata = map(template.get("metadata"));
    String secretName = Objects.toString(templateMetadata.get("name"), name);

    Map<String, String> data = new LinkedHashMap<>();
    for (Map.Entry<String, Object> entry : encrypted.entrySet()) {
      byte[] value;
      try {
        value =
            SealedSecretSealer.unseal(
                keys.privateKey(), namespace, name, String.valueOf(entry.getValue()));
      } catch (CryptoException e) {
        // All or nothing, as the real controller: SealedSecret.Unseal collects every entry's error
        // and returns no Secret if there is one (sealed-secrets
        // pkg/apis/sealedsecrets/v1alpha1/sealedsecret_expansion.go), and Controller.unseal then
        // leaves the Secret untouched (pkg/controller/controller.go).
        reportStatus(
            sealed, generation, false, "no key could decrypt secret (" + entry.getKey() + ")");
        return;
      }
      data.put(entry.getKey(), Base64.getEncoder().encodeToString(value));
      Arrays.fill(value, (byte) 0);
    }

    Secret existing = client.secrets().inNamespace(namespace).withName(secretName).get();
    if (existing != null && !ownedBy(existing, sealed)) {
      reportStatus(
          sealed,
          generation,
          false,
          "Resource \"" + secretName + "\" already exists and is not managed by SealedSecret");
      return;
    }
    Secret secret =
        new SecretBuilder()
            .withNewMetadata()
            .withName(secretName)
            .withNamespace(namespace)
            .withLabels(strings(templateMetadata.get("labels")))
            .withAnnotations(strings(templateMetadata.get("annotations")))
            .withOwnerReferences(owner(sealed))
            .endMetadata()
            .withType(Objects.toString(template.get("type"), "Opaque"))
            .withData(data)
            .build();
    client.secrets().inNamespace(namespace).resource(secret).createOr(NonDeletingOperation::update);
    unsealed
        .computeIfAbsent(namespace + "/" + secretName, k -> new AtomicInteger())
        .incrementAndGet();
    reportStatus(sealed, generation, true, null);
    LOG.debugf("unsealed %s/%s generation %d", namespace, name, generation);
  }

  private void reportStatus(
      GenericKubernetesResource sealed, long generation, boolean synced, String message) {
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    Map<String, Object> condition = new LinkedHashMap<>();
    condition.put("type", "Synced");
    condition.put("status", synced ? "True" : "False");
    condition.put("lastUpdateTime", now);
    condition.put("lastTransitionTime", now);
    if (message != null) {
      condition.put("message", message);
    }
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("observedGeneration", generation);
    status.put("conditions", List.of(condition));
    client
        .genericKubernetesResources(SEALED_SECRETS)
        .inNamespace(sealed.getMetadata().getNamespace())
        .withName(sealed.getMetadata().getName())
        .subresource("status")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(Map.of("status", status)));
  }

  private static boolean ownedBy(Secret secret, GenericKubernetesResource sealed) {
    return secret.getMetadata().getOwnerReferences() != null
        && secret.getMetadata().getOwnerReferences().stream()
            .anyMatch(ref -> Objects.equals(ref.getUid(), sealed.getMetadata().getUid()));
  }

  private static OwnerReference owner(GenericKubernetesResource sealed) {
    return new OwnerReferenceBuilder()
        .withApiVersion("bitnami.com/v1alpha1")
        .withKind("SealedSecret")
        .withName(sealed.getMetadata().getName())
        .withUid(sealed.getMetadata().getUid())
        .withController(true)
        .build();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    return value instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
  }

  private static Map<String, String> strings(Object value) {
    Map<String, String> result = new LinkedHashMap<>();
    map(value).forEach((key, v) -> result.put(key, String.valueOf(v)));
    return result;
  }

  private static Object nested(Map<String, Object> root, String... path) {
    Object current = root;
    for (String key : path) {
      current = map(current).get(key);
    }
    return current;
  }
}
