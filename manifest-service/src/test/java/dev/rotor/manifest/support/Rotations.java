package dev.rotor.manifest.support;

import dev.rotor.common.crypto.Age;
import dev.rotor.common.crypto.AgeIdentity;
import dev.rotor.common.crypto.GeneratedKey;
import dev.rotor.common.crypto.SealedSecretSealer;
import dev.rotor.common.event.Escrow;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.event.SealedKey;
import dev.rotor.common.plan.ApprovalSpec;
import dev.rotor.common.plan.KeyringSpec;
import dev.rotor.common.plan.ManifestFormat;
import dev.rotor.common.plan.ManifestSpec;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.ReviewProvider;
import dev.rotor.common.plan.Stage;
import dev.rotor.common.plan.Thresholds;
import dev.rotor.common.plan.VerificationSpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * Plays the key-generator for tests: plans like the runbook's and key.generated events whose key is
 * really sealed for the stages' controller and age-sealed to the manifest-service, so a test can
 * look for the plaintext everywhere.
 */
public final class Rotations {
  public static final String NAMESPACE = "aether-services";
  public static final String SECRET = "secrets-service-config";
  public static final String TARGET = NAMESPACE + "/" + SECRET;
  public static final String PATH =
      "deploy/k8s/base/aether-services/secret-secrets-service-config.yaml";
  public static final List<String> CLUSTERS = List.of("aether-staging", "aether-production");

  private Rotations() {}

  /** A new key and its key.generated event. Close the key when done. */
  public record Generated(GeneratedKey key, KeyGenerated event) {
    /** The forms in which the plaintext must never appear outside the target Secret. */
    public List<String> plaintextForms() {
      byte[] raw = key.copyRaw();
      try {
        return List.of(
            key.revealBase64(),
            HexFormat.of().formatHex(raw),
            new String(raw, StandardCharsets.ISO_8859_1),
            Base64.getUrlEncoder().withoutPadding().encodeToString(raw));
      } finally {
        java.util.Arrays.fill(raw, (byte) 0);
      }
    }
  }

  public static Plan plan(
      String repository,
      ManifestFormat format,
      SealingController controller,
      ReviewProvider provider,
      int required,
      List<String> teams,
      int previousKeys) {
    return plan(
        repository,
        NAMESPACE,
        SECRET,
        PATH,
        format,
        controller,
        provider,
        required,
        teams,
        previousKeys);
  }

  /**
   * A plan for the SealedSecret {@code namespace/secret} at {@code path}: one local approval, two
   * previous keys kept (the fleet-like rotations of the batch tests and benchmarks).
   */
  public static Plan sealedPlan(
      String repository,
      String namespace,
      String secret,
      String path,
      SealingController controller) {
    return plan(
        repository,
        namespace,
        secret,
        path,
        ManifestFormat.SEALED_SECRET,
        controller,
        ReviewProvider.LOCAL,
        1,
        List.of(),
        2);
  }

  /** A plan for Secret {@code namespace/secret}, whose manifest is {@code path}. */
  public static Plan plan(
      String repository,
      String namespace,
      String secret,
      String path,
      ManifestFormat format,
      SealingController controller,
      ReviewProvider provider,
      int required,
      List<String> teams,
      int previousKeys) {
    List<Stage> stages = new ArrayList<>();
    for (String cluster : CLUSTERS) {
      stages.add(
          new Stage(
              cluster,
              List.of("secrets-service"),
              cluster.endsWith("production") ? Duration.ofMinutes(30) : Duration.ofMinutes(10),
              Thresholds.DEFAULT,
              null,
              format == ManifestFormat.SEALED_SECRET ? controller.pem() : null));
    }
    return new Plan(
        namespace + "/" + secret,
        namespace,
        secret,
        new KeyringSpec(previousKeys),
        new ManifestSpec(repository, "main", path, format, format == ManifestFormat.SECRET),
        stages,
        new ApprovalSpec(provider, required, teams),
        VerificationSpec.DEFAULT,
        List.of(AgeIdentity.generate().recipient().value()));
  }

  /** A key sealed for the plan's stages (and to {@code manifestService}, for format secret). */
  public static Generated generate(
      Plan plan, String rotationId, String requestedBy, AgeIdentity manifestService) {
    GeneratedKey key = GeneratedKey.generate();
    byte[] raw = key.copyRaw();
    try {
      List<SealedKey> sealed = new ArrayList<>();
      for (Stage stage : plan.stages()) {
        if (stage.sealingCertificate() != null) {
          sealed.add(
              new SealedKey(
                  SealedKey.Kind.SEALED_SECRET,
                  stage.cluster(),
                  SealedSecretSealer.seal(
                      dev.rotor.common.crypto.SealingKeys.parseCertificate(
                          stage.sealingCertificate()),
                      plan.namespace(),
                      plan.secretName(),
                      raw)));
        }
      }
      if (manifestService != null) {
        sealed.add(
            new SealedKey(
                SealedKey.Kind.AGE,
                manifestService.recipient().value(),
                Age.encrypt(raw, List.of(manifestService.recipient()))));
      }
      AgeIdentity escrow = AgeIdentity.generate();
      KeyGenerated event =
          new KeyGenerated(
              rotationId,
              plan.targetId(),
              plan,
              requestedBy,
              key.keyId(),
              key.fingerprint(),
              sealed,
              new Escrow(
                  List.of(escrow.recipient().value()),
                  Age.encrypt(raw, List.of(escrow.recipient()))),
              Instant.now());
      return new Generated(key, event);
    } finally {
      java.util.Arrays.fill(raw, (byte) 0);
    }
  }

  /** A SealedSecret manifest with a one-key keyring whose key is {@code keyId}. */
  public static String sealedManifest(SealingController controller, String keyId) {
    return sealedManifest(controller, NAMESPACE, SECRET, keyId);
  }

  /** A SealedSecret manifest of {@code namespace/secret} with a one-key keyring. */
  public static String sealedManifest(
      SealingController controller, String namespace, String secret, String keyId) {
    String primary =
        SealedSecretSealer.seal(
            controller.certificate(), namespace, secret, keyId.getBytes(StandardCharsets.US_ASCII));
    String key = SealedSecretSealer.seal(controller.certificate(), namespace, secret, new byte[32]);
    return "# The Secrets Service's keyring, sealed for the Aether clusters.\n"
        + "apiVersion: bitnami.com/v1alpha1\n"
        + "kind: SealedSecret\n"
        + "metadata:\n"
        + "  name: "
        + secret
        + "\n"
        + "  namespace: "
        + namespace
        + "\n"
        + "  labels:\n"
        + "    app: secrets-service   # owned by the platform team\n"
        + "spec:\n"
        + "  encryptedData:\n"
        + "    LOG_FORMAT: AgBsb2dmb3JtYXQ=\n"
        + "    keyring.primary: "
        + primary
        + "\n"
        + "    keyring.key."
        + keyId
        + ": '"
        + key
        + "'\n"
        + "  template:\n"
        + "    metadata:\n"
        + "      name: "
        + secret
        + "\n"
        + "      namespace: "
        + namespace
        + "\n"
        + "    type: Opaque\n";
  }
}
