package dev.rotor.manifest.yaml;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.common.event.Reasons;
import dev.rotor.common.plan.ManifestFormat;
import dev.rotor.manifest.RotationFailedException;
import dev.rotor.manifest.support.LineDiff;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class SecretManifestTest {
  private static final String PATH = "deploy/k8s/base/aether-services/secret.yaml";
  private static final String NS = "aether-services";
  private static final String NAME = "secrets-service-config";

  private static String resource(String name) {
    try (InputStream in = SecretManifestTest.class.getResourceAsStream("/manifests/" + name)) {
      return new String(in.readAllBytes(), UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static SecretManifest sealed(String text) {
    return SecretManifest.parse(PATH, text.getBytes(UTF_8), ManifestFormat.SEALED_SECRET, NS, NAME);
  }

  private static SecretManifest secret(String text) {
    return SecretManifest.parse(PATH, text.getBytes(UTF_8), ManifestFormat.SECRET, NS, NAME);
  }

  private static String apply(SecretManifest manifest, DataChange... changes) {
    return new String(manifest.apply(List.of(changes)), UTF_8);
  }

  @Test
  void findsTheSealedSecretAmongSeveralDocumentsAndReadsItsEntriesInFileOrder() {
    SecretManifest manifest = sealed(resource("ugly-sealed-secret.yaml"));

    assertThat(manifest.documentNumber()).isEqualTo(2);
    assertThat(manifest.dataField()).isEqualTo("spec.encryptedData");
    assertThat(manifest.dataKeys())
        .containsExactly(
            "keyring.primary",
            "keyring.key.aaaaaaaa",
            "keyring.key.bbbbbbbb",
            "keyring.key.cccccccc",
            "OTHER_SETTING");
    assertThat(manifest.value("keyring.key.cccccccc")).contains("AgBrZXktY2NjY2NjY2M=");
  }

  @Test
  void addingAKeyInsertsExactlyOneLineBeforeTheNewestKeyAndKeepsEveryOtherByte() {
    String original = resource("ugly-sealed-secret.yaml");

    String edited = apply(sealed(original), new DataChange.Put("keyring.key.dddddddd", "AgBuZXc="));

    assertThat(edited)
        .isEqualTo(
            original.replace(
                "    keyring.key.aaaaaaaa:",
                "    keyring.key.dddddddd: AgBuZXc=\n    keyring.key.aaaaaaaa:"));
  }

  @Test
  void changingThePrimaryKeepsItsQuotingAndCommentAndRemovingKeysDeletesOnlyTheirLines() {
    String original = resource("ugly-sealed-secret.yaml");

    String edited =
        apply(
            sealed(original),
            new DataChange.Put("keyring.primary", "AgBuZXctcHJpbWFyeQ=="),
            new DataChange.Remove("keyring.key.bbbbbbbb"),
            new DataChange.Remove("keyring.key.cccccccc"));

    LineDiff diff = LineDiff.of(original, edited);
    assertThat(diff.removed())
        .containsExactly(
            "    keyring.primary: \"AgBpcmltYXJ5LW9sZA==\"   # sealed \"aaaaaaaa\"",
            "    keyring.key.bbbbbbbb: 'AgBrZXktYmJiYmJiYmI='",
            "    keyring.key.cccccccc:",
            "      AgBrZXktY2NjY2NjY2M=");
    assertThat(diff.added())
        .containsExactly("    keyring.primary: \"AgBuZXctcHJpbWFyeQ==\"   # sealed \"aaaaaaaa\"");
    assertThat(sealed(edited).dataKeys())
        .containsExactly("keyring.primary", "keyring.key.aaaaaaaa", "OTHER_SETTING");
  }

  @Test
  void aFileWithWindowsLineBreaksGetsWindowsLineBreaksInItsNewLines() {
    String original = resource("ugly-sealed-secret.yaml").replace("\n", "\r\n");

    String edited =
        apply(
            sealed(original),
            new DataChange.Put("keyring.key.dddddddd", "AgBuZXc="),
            new DataChange.Put("keyring.primary", "AgBuZXctcHJpbWFyeQ=="));

    assertThat(edited)
        .isEqualTo(
            original
                .replace(
                    "    keyring.key.aaaaaaaa:",
                    "    keyring.key.dddddddd: AgBuZXc=\r\n    keyring.key.aaaaaaaa:")
                .replace("\"AgBpcmltYXJ5LW9sZA==\"", "\"AgBuZXctcHJpbWFyeQ==\""));
    assertThat(edited.replace("\r\n", "")).doesNotContain("\n");
  }

  @Test
  void aPlainSecretKeepsItsLayoutWhenAKeyIsAddedAndThePrimaryChanges() {
    String original = resource("runbook-secret.yaml");

    String edited =
        apply(
            secret(original),
            new DataChange.Put(
                "keyring.key.76960b5f", "eI2FAOoSSWZV2mUxj1NCMlCIt2AI+bm7FngBdkYNmNA="),
            new DataChange.Put("keyring.primary", "NzY5NjBiNWY="));

    assertThat(edited)
        .isEqualTo(
            original
                .replace(
                    "  keyring.key.99f59ac9:",
                    "  keyring.key.76960b5f: eI2FAOoSSWZV2mUxj1NCMlCIt2AI+bm7FngBdkYNmNA=\n"
                        + "  keyring.key.99f59ac9:")
                .replace("OTlmNTlhYzk=", "NzY5NjBiNWY="));
  }

  @Test
  void anEmptyDataMappingBecomesABlockWithThePrimaryFirst() {
    String original =
        "apiVersion: v1\nkind: Secret\nmetadata:\n    name: secrets-service-config\n"
            + "data: {}   # filled by Rotor\ntype: Opaque\n";

    String edited =
        apply(
            secret(original),
            new DataChange.Put("keyring.primary", "NzY5NjBiNWY="),
            new DataChange.Put(
                "keyring.key.76960b5f", "eI2FAOoSSWZV2mUxj1NCMlCIt2AI+bm7FngBdkYNmNA="));

    assertThat(edited)
        .isEqualTo(
            "apiVersion: v1\nkind: Secret\nmetadata:\n    name: secrets-service-config\n"
                + "data:   # filled by Rotor\n"
                + "    keyring.primary: NzY5NjBiNWY=\n"
                + "    keyring.key.76960b5f: eI2FAOoSSWZV2mUxj1NCMlCIt2AI+bm7FngBdkYNmNA=\n"
                + "type: Opaque\n");
    assertThat(secret(edited).dataKeys())
        .containsExactly("keyring.primary", "keyring.key.76960b5f");
  }

  @Test
  void aMissingEncryptedDataIsAddedAtTheEndOfTheSpec() {
    String original =
        "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n"
            + "  name: secrets-service-config\n  namespace: aether-services\n"
            + "spec:\n  template:\n    type: Opaque\n---\nkind: Other\n";

    String edited =
        apply(
            sealed(original),
            new DataChange.Put("keyring.primary", "AgBw"),
            new DataChange.Put("keyring.key.76960b5f", "AgBr"));

    assertThat(edited)
        .isEqualTo(
            "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n"
                + "  name: secrets-service-config\n  namespace: aether-services\n"
                + "spec:\n  template:\n    type: Opaque\n"
                + "  encryptedData:\n    keyring.primary: AgBw\n    keyring.key.76960b5f: AgBr\n"
                + "---\nkind: Other\n");
  }

  @Test
  void aValueThatYamlWouldReadAsANumberIsQuoted() {
    String original = resource("runbook-secret.yaml");

    String edited = apply(secret(original), new DataChange.Put("keyring.key.12345678", "12345678"));

    assertThat(edited).contains("  keyring.key.12345678: \"12345678\"\n");
  }

  @Test
  void refusesAFileThatIsNotYamlNamingTheLineButNotItsContent() {
    String text = "apiVersion: v1\nkind: Secret\ndata:\n  keyring.primary: [unclosed\n";

    assertThatThrownBy(() -> secret(text))
        .isInstanceOfSatisfying(
            RotationFailedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reasons.RotationFailure.MANIFEST_INVALID))
        .hasMessageStartingWith(PATH + ": not YAML: ")
        .hasMessageContaining("(line ")
        .hasMessageNotContaining("unclosed");
  }

  @Test
  void refusesAManifestOfTheWrongKindSayingWhichFormatThePolicyNames() {
    assertThatThrownBy(() -> sealed(resource("runbook-secret.yaml")))
        .isInstanceOf(RotationFailedException.class)
        .hasMessage(
            PATH
                + ": wrong kind: the manifest holds a Secret but the policy's manifest.format is"
                + " sealed-secret, which edits a SealedSecret; fix manifest.format or convert the"
                + " file");
    assertThatThrownBy(() -> secret("apiVersion: v1\nkind: ConfigMap\n"))
        .hasMessage(PATH + ": wrong kind: no Secret document (found kinds [ConfigMap])");
  }

  @Test
  void refusesASecretWithAnotherNameOrNamespace() {
    String other =
        resource("runbook-secret.yaml").replace("name: secrets-service-config", "name: x");
    assertThatThrownBy(() -> secret(other))
        .hasMessage(
            PATH
                + ": document 1, line 1: Secret is aether-services/x, but the plan's Secret is"
                + " aether-services/secrets-service-config; the policy's manifest.path points at"
                + " another Secret's manifest");

    String otherNamespace =
        resource("runbook-secret.yaml")
            .replace("namespace: aether-services", "namespace: payments");
    assertThatThrownBy(() -> secret(otherNamespace)).hasMessageContaining("Secret is payments/");
  }

  @Test
  void refusesToChangeAnEntryThatIsAnAliasOrCarriesAnAnchor() {
    String text =
        resource("runbook-secret.yaml")
            .replace("keyring.primary: OTlmNTlhYzk=", "keyring.primary: &p OTlmNTlhYzk=");

    assertThatThrownBy(() -> apply(secret(text), new DataChange.Put("keyring.primary", "eA==")))
        .hasMessage(
            PATH
                + ": document 1, line 11: data.keyring.primary uses a YAML anchor or alias; Rotor"
                + " cannot change it without changing its other uses: write the value inline");
  }

  @Test
  void refusesFlowStyleDataMergeKeysAndWideSealingScopes() {
    String flow =
        "apiVersion: v1\nkind: Secret\nmetadata: {name: secrets-service-config}\n"
            + "data: {keyring.primary: eA==}\n";
    assertThatThrownBy(() -> secret(flow)).hasMessageContaining("data is a flow mapping");

    String merge =
        "base: &b {x: eA==}\napiVersion: v1\nkind: Secret\n"
            + "metadata: {name: secrets-service-config}\ndata:\n  <<: *b\n  y: eA==\n";
    assertThatThrownBy(() -> secret(merge)).hasMessageContaining("uses a YAML merge key");

    String wide =
        resource("ugly-sealed-secret.yaml")
            .replace(
                "    rotor.dev/owner:",
                "    sealedsecrets.bitnami.com/namespace-wide: \"true\"\n    rotor.dev/owner:");
    assertThatThrownBy(() -> sealed(wide))
        .hasMessageContaining("annotated sealedsecrets.bitnami.com/namespace-wide")
        .hasMessageContaining("strict scope");
  }

  @Test
  void refusesTwoDocumentsForTheSameSecretAndAFileThatIsNotUtf8() {
    String twice = resource("runbook-secret.yaml") + "---\n" + resource("runbook-secret.yaml");
    assertThatThrownBy(() -> secret(twice))
        .hasMessageContaining("documents 1 and 2 are both the Secret");

    byte[] latin1 =
        "apiVersion: v1\nkind: Secret # caf\u00e9\n"
            .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    assertThatThrownBy(() -> SecretManifest.parse(PATH, latin1, ManifestFormat.SECRET, NS, NAME))
        .hasMessage(PATH + ": not UTF-8 text; a Kubernetes manifest is UTF-8 YAML");
  }

  @Test
  void refusesKeyringEntriesInStringDataThatWouldOverrideData() {
    String text = resource("runbook-secret.yaml") + "stringData:\n  keyring.primary: 99f59ac9\n";

    assertThatThrownBy(() -> secret(text))
        .hasMessageContaining("stringData.keyring.primary would override the keyring in data");
  }
}
