package dev.rotor.clusteragent.apply;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.clusteragent.work.RolloutFailure;
import dev.rotor.common.crypto.Fingerprints;
import dev.rotor.common.event.Reasons;
import dev.rotor.common.event.SampleEvents;
import dev.rotor.common.plan.ManifestFormat;
import dev.rotor.common.plan.ManifestSpec;
import dev.rotor.common.plan.Plan;
import org.junit.jupiter.api.Test;

class ManifestDocumentTest {
  /** The published example keys of docs/keyring.md: never used for anything real. */
  private static final String KEY = "LlzooVug73TuGCjwJ1aZaV+CKO1EUe/Nps4F0BaT69Y=";

  private static final String PLAIN =
      """
      # other documents of the file are left alone
      apiVersion: v1
      kind: ConfigMap
      metadata:
        name: settings
        namespace: aether-services
      data:
        mode: strict
      ---
      apiVersion: v1
      kind: Secret
      metadata:
        name: secrets-service-config
        namespace: aether-services
        resourceVersion: "42"
        uid: 0b7e
      type: Opaque
      data:
        keyring.key.99f59ac9: %s
      stringData:
        keyring.primary: 99f59ac9
      """
          .formatted(KEY);

  @Test
  void theTargetsSecretIsChosenAmongTheFilesDocumentsAndMadeReadyToApply() {
    ManifestDocument document =
        ManifestDocument.select(PLAIN.getBytes(UTF_8), plain(), "secret.yaml");

    assertThat(document.format()).isEqualTo(ManifestFormat.SECRET);
    assertThat(document.name()).isEqualTo("secrets-service-config");
    assertThat(document.body().path("metadata").has("resourceVersion")).isFalse();
    assertThat(document.body().path("metadata").has("uid")).isFalse();
    assertThat(document.body().has("stringData")).isFalse();
    assertThat(document.body().path("data").path("keyring.primary").asText())
        .isEqualTo("OTlmNTlhYzk=");
    assertThat(document.keyringDigests())
        .containsEntry("keyring.key.99f59ac9", Fingerprints.ofBase64(KEY))
        .containsEntry("keyring.primary", Fingerprints.ofBase64("OTlmNTlhYzk="));
    assertThat(document.toString()).doesNotContain(KEY);
  }

  @Test
  void aFileWithoutTheTargetsSecretIsNotFound() {
    assertThatThrownBy(
            () ->
                ManifestDocument.select(
                    PLAIN.replace("secrets-service-config", "other").getBytes(UTF_8),
                    plain(),
                    "secret.yaml at commit abc"))
        .isInstanceOfSatisfying(
            RolloutFailure.class,
            f -> {
              assertThat(f.reason()).isEqualTo(Reasons.Rollout.NOT_FOUND);
              assertThat(f.getMessage())
                  .isEqualTo(
                      "secret.yaml at commit abc holds no Secret or SealedSecret"
                          + " aether-services/secrets-service-config (of its 2 documents)");
            });
  }

  @Test
  void aPlainSecretWhereThePlanSaysSealedSecretIsNotPermitted() {
    assertThatThrownBy(
            () ->
                ManifestDocument.select(PLAIN.getBytes(UTF_8), SampleEvents.plan(), "secret.yaml"))
        .isInstanceOfSatisfying(
            RolloutFailure.class,
            f -> {
              assertThat(f.reason()).isEqualTo(Reasons.Rollout.NOT_PERMITTED);
              assertThat(f.getMessage()).contains("as a plain Secret").contains("SEALED_SECRET");
            });
  }

  @Test
  void yamlThatDoesNotParseIsReportedByLineWithoutQuotingTheFile() {
    String broken = PLAIN.replace("type: Opaque", "type: [Opaque") + "\n  " + KEY;

    assertThatThrownBy(
            () -> ManifestDocument.select(broken.getBytes(UTF_8), plain(), "secret.yaml"))
        .isInstanceOfSatisfying(
            RolloutFailure.class,
            f -> {
              assertThat(f.reason()).isEqualTo(Reasons.Rollout.NOT_FOUND);
              assertThat(f.getMessage())
                  .startsWith("secret.yaml is not valid YAML")
                  .doesNotContain(KEY);
            });
  }

  private static Plan plain() {
    Plan sample = SampleEvents.plan();
    return new Plan(
        sample.targetId(),
        sample.namespace(),
        sample.secretName(),
        sample.keyring(),
        new ManifestSpec(
            sample.manifest().repository(),
            sample.manifest().branch(),
            sample.manifest().path(),
            ManifestFormat.SECRET,
            true),
        sample.stages(),
        sample.approvals(),
        sample.verification(),
        sample.escrowRecipients());
  }
}
