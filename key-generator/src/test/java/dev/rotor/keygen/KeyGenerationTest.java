package dev.rotor.keygen;

import static dev.rotor.keygen.support.RotorEvents.awaitEvent;
import static dev.rotor.keygen.support.RotorEvents.awaitKey;
import static dev.rotor.keygen.support.RotorEvents.causedId;
import static dev.rotor.keygen.support.RotorEvents.newRotationId;
import static dev.rotor.keygen.support.RotorEvents.publish;
import static dev.rotor.keygen.support.RotorEvents.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.common.crypto.Age;
import dev.rotor.common.crypto.CryptoException;
import dev.rotor.common.crypto.Fingerprints;
import dev.rotor.common.crypto.GeneratedKey;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.event.SealedKey;
import dev.rotor.common.event.Topics;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.PolicyLoader;
import dev.rotor.common.plan.Stage;
import dev.rotor.keygen.support.RotorEvents;
import dev.rotor.keygen.support.TestKeys;
import dev.rotor.keygen.support.TestPolicy;
import dev.rotor.keygen.support.TestPolicyResource;
import dev.rotor.keygen.support.Unsealing;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.KafkaTestClient;
import dev.rotor.testsupport.PostgresResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.interfaces.RSAPrivateKey;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A request in, {@code key.generated} out: the plan, the fingerprint, and sealed key material. */
@QuarkusTest
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = RotorEvents.ALL_TOPICS))
@WithTestResource(PostgresResource.class)
@WithTestResource(
    value = TestPolicyResource.class,
    initArgs = @ResourceArg(name = TestPolicyResource.VARIANT, value = TestPolicy.MAIN))
class KeyGenerationTest {
  private static KafkaTestClient kafka;

  @BeforeAll
  static void connect() {
    kafka = new KafkaTestClient();
  }

  @AfterAll
  static void disconnect() {
    kafka.close();
  }

  @Test
  void aRequestGetsAKeySealedForEachClusterThatUnsealsToThe32BytesOfItsFingerprint() {
    EventEnvelope request = request(newRotationId(), TestPolicy.KEYS_HAPPY);
    publish(kafka, request);

    KeyGenerated key = awaitKey(kafka, request);

    assertThat(key.rotationId()).isEqualTo(request.rotationId());
    assertThat(key.targetId()).isEqualTo(TestPolicy.KEYS_HAPPY);
    assertThat(key.requestedBy()).isEqualTo("alice");
    assertThat(key.plan()).isEqualTo(policyPlan(TestPolicy.KEYS_HAPPY));
    assertThat(key.keyId()).isEqualTo(key.fingerprint().substring(0, 8));
    assertThat(key.sealed())
        .extracting(SealedKey::kind, SealedKey::recipient)
        .containsExactly(
            Tuple.tuple(SealedKey.Kind.SEALED_SECRET, TestPolicy.STAGING),
            Tuple.tuple(SealedKey.Kind.SEALED_SECRET, TestPolicy.PRODUCTION));

    TestKeys keys = TestKeys.get();
    byte[] staging = Unsealing.sealedSecret(key, key.sealed().get(0), keys.stagingKey());
    byte[] production = Unsealing.sealedSecret(key, key.sealed().get(1), keys.productionKey());
    assertThat(staging).hasSize(32).isEqualTo(production);
    assertThat(Fingerprints.ofRawKey(staging)).isEqualTo(key.fingerprint());
    assertThatThrownBy(() -> Unsealing.sealedSecret(key, key.sealed().get(0), keys.productionKey()))
        .as("each cluster's value opens only with that cluster's controller key")
        .isInstanceOf(CryptoException.class);
    Arrays.fill(staging, (byte) 0);
    Arrays.fill(production, (byte) 0);
  }

  @Test
  void keyGeneratedIsACloudEventOfTheKeyGeneratorKeyedByTargetWithAnIdDerivedFromTheRequest() {
    EventEnvelope request = request(newRotationId(), TestPolicy.KEYS_HEADERS);
    publish(kafka, request);
    String expectedId = causedId(request, EventType.KEY_GENERATED);
    awaitEvent(kafka, Topics.KEYS, expectedId);

    ConsumerRecord<byte[], byte[]> record =
        kafka.readAll(Topics.KEYS).stream()
            .filter(r -> expectedId.equals(KafkaTestClient.headerValue(r, "ce_id")))
            .findFirst()
            .orElseThrow();
    assertThat(KafkaTestClient.key(record)).isEqualTo(TestPolicy.KEYS_HEADERS);
    assertThat(KafkaTestClient.headerValue(record, "ce_source")).isEqualTo("/rotor/key-generator");
    assertThat(KafkaTestClient.headerValue(record, "ce_type"))
        .isEqualTo("dev.rotor.key.generated.v1");
    assertThat(KafkaTestClient.headerValue(record, "ce_subject"))
        .isEqualTo(TestPolicy.KEYS_HEADERS);
    assertThat(KafkaTestClient.headerValue(record, "ce_partitionkey"))
        .isEqualTo(TestPolicy.KEYS_HEADERS);
    assertThat(KafkaTestClient.headerValue(record, "ce_rotationid"))
        .isEqualTo(request.rotationId());
  }

  @Test
  void theEscrowCopyOpensWithTheAgeCliAndPrintsTheKeyExactlyAsOpensslRandBase64Would()
      throws Exception {
    EventEnvelope request = request(newRotationId(), TestPolicy.KEYS_SUBSET);
    publish(kafka, request);
    KeyGenerated key = awaitKey(kafka, request);

    assertThat(key.escrow().recipients())
        .containsExactly(TestKeys.get().escrowIdentity().recipient().value());
    String printed = ageDecrypt(key.escrow().armored());

    assertThat(printed).hasSize(44).matches("[A-Za-z0-9+/]{43}=");
    assertThat(Fingerprints.ofBase64(printed)).isEqualTo(key.fingerprint());
    byte[] raw = Base64.getDecoder().decode(printed);
    byte[] sealed = Unsealing.sealedSecret(key, key.sealed().get(0), TestKeys.get().stagingKey());
    assertThat(raw).isEqualTo(sealed);
  }

  @Test
  void aRequestForSomeStagesGetsThePlanAndTheSealedValuesOfThoseStagesOnly() {
    EventEnvelope request =
        request(
            newRotationId(),
            TestPolicy.REJECT_STAGES,
            "alice",
            "canary first",
            List.of(TestPolicy.STAGING, TestPolicy.PRODUCTION));
    publish(kafka, request);

    KeyGenerated key = awaitKey(kafka, request);

    assertThat(key.plan().stages())
        .extracting(Stage::cluster)
        .containsExactly(TestPolicy.STAGING, TestPolicy.PRODUCTION);
    assertThat(key.sealed())
        .extracting(SealedKey::recipient)
        .containsExactly(TestPolicy.STAGING, TestPolicy.PRODUCTION);
    Plan full = policyPlan(TestPolicy.REJECT_STAGES);
    assertThat(key.plan().stages()).containsExactly(full.stages().get(0), full.stages().get(2));
  }

  @Test
  void clustersThatShareACertificateEachGetTheirOwnSealedValueOfTheSameKey() {
    EventEnvelope request = request(newRotationId(), TestPolicy.KEYS_SHARED_CERT);
    publish(kafka, request);
    KeyGenerated key = awaitKey(kafka, request);

    RSAPrivateKey controller = TestKeys.get().stagingKey();
    byte[] staging = Unsealing.sealedSecret(key, key.sealed().get(0), controller);
    byte[] production = Unsealing.sealedSecret(key, key.sealed().get(1), controller);

    assertThat(key.sealed()).hasSize(2);
    assertThat(key.sealed().get(0).ciphertext()).isNotEqualTo(key.sealed().get(1).ciphertext());
    assertThat(staging).isEqualTo(production);
    assertThat(Fingerprints.ofRawKey(staging)).isEqualTo(key.fingerprint());
  }

  @Test
  void aPlainSecretTargetGetsItsKeyAgeSealedToTheManifestServiceAndToNobodyElse() {
    EventEnvelope request = request(newRotationId(), TestPolicy.KEYS_PLAIN);
    publish(kafka, request);
    KeyGenerated key = awaitKey(kafka, request);

    assertThat(key.sealed()).hasSize(1);
    SealedKey sealed = key.sealed().get(0);
    assertThat(sealed.kind()).isEqualTo(SealedKey.Kind.AGE);
    assertThat(sealed.recipient())
        .isEqualTo(TestKeys.get().manifestServiceIdentity().recipient().value());
    byte[] base64 = Unsealing.forManifestService(sealed);
    assertThat(Fingerprints.ofBase64Ascii(base64)).isEqualTo(key.fingerprint());
    assertThatThrownBy(() -> Age.decrypt(sealed.ciphertext(), TestKeys.get().escrowIdentity()))
        .isInstanceOf(CryptoException.class)
        .hasMessageContaining("none of the given identities");
    try (GeneratedKey escrowed = Unsealing.fromEscrow(key)) {
      assertThat(escrowed.fingerprint()).isEqualTo(key.fingerprint());
    }
  }

  static Plan policyPlan(String target) {
    return PolicyLoader.load(TestKeys.get().directory().resolve("policy-main.yaml"))
        .target(target)
        .orElseThrow()
        .plan();
  }

  /**
   * Runs Debian's {@code age} CLI: {@code age -d -i <escrow identity>}, the armored file on stdin.
   */
  static String ageDecrypt(String armored) throws IOException, InterruptedException {
    Process age =
        new ProcessBuilder(
                "/usr/bin/age", "-d", "-i", TestKeys.get().escrowIdentityFile().toString())
            .redirectErrorStream(false)
            .start();
    try (OutputStream in = age.getOutputStream()) {
      in.write(armored.getBytes(StandardCharsets.US_ASCII));
    }
    boolean exited = age.waitFor(30, TimeUnit.SECONDS);
    if (!exited) {
      age.destroyForcibly();
    }
    String stderr = new String(age.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(exited).as("age exited in time").isTrue();
    assertThat(age.exitValue()).as("age -d exit code; stderr: %s", stderr).isZero();
    return new String(age.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
  }
}
