package dev.rotor.keygen.sealing;

import dev.rotor.common.crypto.Age;
import dev.rotor.common.crypto.AgeRecipient;
import dev.rotor.common.crypto.CryptoException;
import dev.rotor.common.crypto.GeneratedKey;
import dev.rotor.common.crypto.SealedSecretSealer;
import dev.rotor.common.crypto.SealingKeys;
import dev.rotor.common.event.Escrow;
import dev.rotor.common.event.SealedKey;
import dev.rotor.common.plan.ManifestFormat;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.Policy;
import dev.rotor.common.plan.PolicyTarget;
import dev.rotor.common.plan.Stage;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Seals a new key for everyone who may open it, and for no one else:
 *
 * <ul>
 *   <li>manifest format {@code sealed-secret}: the raw 32 bytes as a SealedSecret value for each
 *       stage's cluster, with that cluster's sealing certificate and strict scope {@code
 *       namespace/name} (the value a {@code keyring.key.<id>} entry holds);
 *   <li>manifest format {@code secret}: the base64 text age-sealed to the manifest-service (the
 *       text a plain Secret's {@code data} holds);
 *   <li>always: the escrow copy, the base64 text age-sealed to the policy's escrow recipients, so
 *       that {@code age -d -i <identity>} prints exactly what {@code openssl rand -base64 32} would
 *       have.
 * </ul>
 *
 * Certificates are parsed once, when the policy is loaded. Every buffer that held the key is zeroed
 * before {@link #seal} returns.
 */
public final class KeySealer {

  /** What {@code key.generated} carries instead of the key. */
  public record SealedMaterial(List<SealedKey> sealed, Escrow escrow) {
    public SealedMaterial {
      sealed = List.copyOf(sealed);
    }
  }

  private final Map<String, X509Certificate> certificates;
  private final AgeRecipient manifestService;

  private KeySealer(Map<String, X509Certificate> certificates, AgeRecipient manifestService) {
    this.certificates = Map.copyOf(certificates);
    this.manifestService = manifestService;
  }

  /**
   * A sealer for every target of {@code policy}.
   *
   * @param manifestService the manifest-service's recipient; required when a target uses format
   *     {@code secret}
   * @throws IllegalArgumentException naming the target and stage whose certificate is unusable, or
   *     the targets that need the missing manifest-service recipient
   */
  public static KeySealer forPolicy(Policy policy, Optional<AgeRecipient> manifestService) {
    Map<String, X509Certificate> certificates = new HashMap<>();
    List<String> plainSecretTargets = new ArrayList<>();
    for (PolicyTarget target : policy.targets()) {
      Plan plan = target.plan();
      if (plan.manifest().format() == ManifestFormat.SECRET) {
        plainSecretTargets.add(target.id());
        continue;
      }
      for (Stage stage : plan.stages()) {
        String pem = stage.sealingCertificate();
        if (pem == null) {
          throw new IllegalArgumentException(
              "target "
                  + target.id()
                  + ", stage "
                  + stage.cluster()
                  + ": manifest format sealed-secret needs a sealing certificate");
        }
        if (!certificates.containsKey(pem)) {
          try {
            certificates.put(pem, SealingKeys.parseCertificate(pem));
          } catch (CryptoException e) {
            throw new IllegalArgumentException(
                "target " + target.id() + ", stage " + stage.cluster() + ": " + e.getMessage());
          }
        }
      }
    }
    if (!plainSecretTargets.isEmpty() && manifestService.isEmpty()) {
      throw new IllegalArgumentException(
          "the manifest-service's age recipient is required: target(s) "
              + String.join(", ", plainSecretTargets)
              + " use manifest format 'secret', whose key is age-sealed to the manifest-service");
    }
    return new KeySealer(certificates, manifestService.orElse(null));
  }

  /**
   * Seals {@code key} for {@code plan}: one SealedSecret value per stage, or one age file for the
   * manifest-service, and the escrow copy. The key stays open; the caller closes it.
   */
  public SealedMaterial seal(GeneratedKey key, Plan plan) {
    List<SealedKey> sealed = new ArrayList<>();
    if (plan.manifest().format() == ManifestFormat.SEALED_SECRET) {
      byte[] raw = key.copyRaw();
      try {
        for (Stage stage : plan.stages()) {
          X509Certificate certificate = certificates.get(stage.sealingCertificate());
          if (certificate == null) {
            throw new IllegalStateException(
                "target "
                    + plan.targetId()
                    + ", stage "
                    + stage.cluster()
                    + ": no sealing certificate was loaded for it");
          }
          sealed.add(
              new SealedKey(
                  SealedKey.Kind.SEALED_SECRET,
                  stage.cluster(),
                  SealedSecretSealer.seal(certificate, plan.namespace(), plan.secretName(), raw)));
        }
      } finally {
        Arrays.fill(raw, (byte) 0);
      }
    }
    byte[] base64 = key.copyBase64();
    try {
      if (plan.manifest().format() == ManifestFormat.SECRET) {
        if (manifestService == null) {
          throw new IllegalStateException(
              "target " + plan.targetId() + ": no manifest-service recipient is configured");
        }
        sealed.add(
            new SealedKey(
                SealedKey.Kind.AGE,
                manifestService.value(),
                Age.encrypt(base64, List.of(manifestService))));
      }
      List<AgeRecipient> escrowRecipients =
          plan.escrowRecipients().stream().map(AgeRecipient::parse).toList();
      Escrow escrow = new Escrow(plan.escrowRecipients(), Age.encrypt(base64, escrowRecipients));
      return new SealedMaterial(sealed, escrow);
    } finally {
      Arrays.fill(base64, (byte) 0);
    }
  }
}
