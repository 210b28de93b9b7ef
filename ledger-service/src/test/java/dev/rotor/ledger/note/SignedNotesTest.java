package dev.rotor.ledger.note;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signed notes interoperate with the reference implementation (Go's golang.org/x/mod/sumdb/note):
 * its published key and note are reproduced byte for byte, since Ed25519 is deterministic.
 */
class SignedNotesTest {
  /** The example of golang.org/x/mod/sumdb/note. */
  static final String GO_VERIFIER_KEY =
      "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

  static final String GO_SIGNER_KEY =
      "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
  static final String GO_TEXT =
      "If you think cryptography is the answer to your problem,\n"
          + "then you don't know what your problem is.\n";
  static final String GO_NOTE =
      GO_TEXT
          + "\n"
          + "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

  @TempDir Path directory;

  @Test
  void signsTheReferenceNoteByteForByteWithTheReferenceKey() throws Exception {
    NoteSigner signer = SigningKeys.load(pemOfGoKey(), "PeterNeumann");

    assertThat(signer.verifier().verifierKey()).isEqualTo(GO_VERIFIER_KEY);
    assertThat(signer.verifier().keyIdHex()).isEqualTo("c74f20a3");
    assertThat(signer.sign(GO_TEXT).encode()).isEqualTo(GO_NOTE);
  }

  @Test
  void theCheckpointOfTheDocumentationIsReproducedByteForByte() throws Exception {
    NoteSigner signer = SigningKeys.load(pemOfGoKey(), "example.com/rotor-ledger");
    Checkpoint checkpoint =
        new Checkpoint(
            "example.com/rotor-ledger",
            8,
            HexFormat.of()
                .parseHex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
            Instant.parse("2026-11-26T06:00:00Z"));

    assertThat(signer.sign(checkpoint.body()).encode())
        .isEqualTo(
            "example.com/rotor-ledger\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n"
                + "time 2026-11-26T06:00:00Z\n\n"
                + "\u2014 example.com/rotor-ledger 6YOcXL9ujoxGZM2yFBf+2OGsgXX7PHVeOYY9v1lPofZ89zhcKYn"
                + "52VPqzNU0AtUKrC/GeOD4gYNnclZ886O2gZvPSwM=\n");
    assertThat(signer.verifier().verifierKey())
        .isEqualTo(
            "example.com/rotor-ledger+e9839c5c+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
  }

  @Test
  void opensTheReferenceNoteWithTheReferenceVerifierKey() {
    assertThat(NoteVerifier.open(GO_NOTE, List.of(NoteVerifier.parse(GO_VERIFIER_KEY))))
        .isEqualTo(GO_TEXT);
  }

  @Test
  void refusesANoteWhoseTextWasChangedOrWhoseKeyIsUnknown() throws Exception {
    NoteVerifier peter = NoteVerifier.parse(GO_VERIFIER_KEY);
    String changed = GO_NOTE.replace("cryptography", "cryptographY");
    assertThatThrownBy(() -> NoteVerifier.open(changed, List.of(peter)))
        .isInstanceOf(NoteException.class)
        .hasMessageContaining("invalid");

    NoteVerifier other = freshSigner("PeterNeumann").verifier();
    assertThatThrownBy(() -> NoteVerifier.open(GO_NOTE, List.of(other)))
        .isInstanceOf(NoteException.class)
        .hasMessageContaining("not signed by a known key");
  }

  @Test
  void ignoresSignaturesOfUnknownKeysWhenAKnownKeySigned() throws Exception {
    NoteSigner witness = freshSigner("witness.example/w1");
    String cosigned = GO_NOTE + witness.sign(GO_TEXT).encode().substring(GO_TEXT.length() + 1);
    assertThat(NoteVerifier.open(cosigned, List.of(NoteVerifier.parse(GO_VERIFIER_KEY))))
        .isEqualTo(GO_TEXT);
  }

  @Test
  void refusesMalformedVerifierKeys() {
    for (String bad :
        List.of(
            "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
            "PeterNeumann+c74f20a3+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "PeterNeumann+c74f20a3",
            "PeterNeumann+c74f20a3+!!!!")) {
      assertThatThrownBy(() -> NoteVerifier.parse(bad)).as(bad).isInstanceOf(NoteException.class);
    }
  }

  @Test
  void refusesMalformedNotes() {
    for (String bad :
        List.of(
            GO_TEXT,
            GO_TEXT + "\n",
            GO_NOTE.substring(0, GO_NOTE.length() - 1),
            GO_NOTE.replace("\u2014 ", "- "),
            GO_NOTE.replace("PeterNeumann x08", "Peter Neumann x08"),
            GO_NOTE.replace("x08go", "x08g\u0001o"),
            GO_TEXT + "\n\u2014 PeterNeumann AAAA\n")) {
      assertThatThrownBy(() -> NoteVerifier.open(bad, List.of(NoteVerifier.parse(GO_VERIFIER_KEY))))
          .as(bad)
          .isInstanceOf(NoteException.class);
    }
  }

  @Test
  void aCheckpointBodyIsOriginSizeRootAndTimeAndReadsBack() {
    byte[] root =
        HexFormat.of().parseHex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");
    Checkpoint checkpoint =
        new Checkpoint(
            "rotor.example.com/ledger", 8, root, Instant.parse("2026-11-26T06:00:00.750Z"));

    assertThat(checkpoint.body())
        .isEqualTo(
            "rotor.example.com/ledger\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n"
                + "time 2026-11-26T06:00:00Z\n");
    assertThat(Checkpoint.parse(checkpoint.body()))
        .usingRecursiveComparison()
        .isEqualTo(checkpoint);
  }

  @Test
  void refusesMalformedCheckpointBodies() {
    String root = "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=";
    for (String bad :
        List.of(
            "origin\n8\n" + root + "\n",
            "origin\n08\n" + root + "\ntime 2026-11-26T06:00:00Z\n",
            "origin\n-1\n" + root + "\ntime 2026-11-26T06:00:00Z\n",
            "origin\n8\nnot base64!\ntime 2026-11-26T06:00:00Z\n",
            "origin\n8\nAAAA\ntime 2026-11-26T06:00:00Z\n",
            "origin\n8\n" + root + "\ntime yesterday\n",
            "origin\n8\n" + root + "\n\ntime 2026-11-26T06:00:00Z\n",
            "two words\n8\n" + root + "\ntime 2026-11-26T06:00:00Z\n",
            "origin\n8\n" + root + "\ntime 2026-11-26T06:00:00Z")) {
      assertThatThrownBy(() -> Checkpoint.parse(bad)).as(bad).isInstanceOf(NoteException.class);
    }
  }

  @Test
  void loadingAKeyFileThatIsMissingNotPemOrNotEd25519SaysWhatIsWrongWithoutItsContent()
      throws Exception {
    Path missing = directory.resolve("missing.pem");
    assertThatThrownBy(() -> SigningKeys.load(missing, "k"))
        .isInstanceOf(NoteException.class)
        .hasMessageContaining("does not exist");

    Path garbage = write("garbage.pem", "this is not a key at all");
    assertThatThrownBy(() -> SigningKeys.load(garbage, "k"))
        .isInstanceOf(NoteException.class)
        .hasMessageNotContaining("this is not a key");

    KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
    Path ecKey =
        write("ec.pem", pem("PRIVATE KEY", ec.generateKeyPair().getPrivate().getEncoded()));
    assertThatThrownBy(() -> SigningKeys.load(ecKey, "k"))
        .isInstanceOf(NoteException.class)
        .hasMessageContaining("not an Ed25519 private key");

    Path encrypted = write("enc.pem", pem("ENCRYPTED PRIVATE KEY", new byte[48]));
    assertThatThrownBy(() -> SigningKeys.load(encrypted, "k"))
        .isInstanceOf(NoteException.class)
        .hasMessageContaining("encrypted");

    Path rsaHeader = write("rsa.pem", pem("RSA PRIVATE KEY", new byte[48]));
    assertThatThrownBy(() -> SigningKeys.load(rsaHeader, "k"))
        .isInstanceOf(NoteException.class)
        .hasMessageContaining("expected PRIVATE KEY");
  }

  @Test
  void theSignerNeverShowsItsPrivateKey() throws Exception {
    Path file = pemOfGoKey();
    NoteSigner signer = SigningKeys.load(file, "PeterNeumann");
    String seedBase64 = Base64.getEncoder().encodeToString(goSeed());
    assertThat(signer.toString()).doesNotContain(seedBase64).contains(GO_VERIFIER_KEY);
  }

  private NoteSigner freshSigner(String name) throws Exception {
    byte[] pkcs8 =
        KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPrivate().getEncoded();
    return SigningKeys.load(
        write(name.replace('/', '_') + ".pem", pem("PRIVATE KEY", pkcs8)), name);
  }

  static byte[] goSeed() {
    // PRIVATE+KEY+<name>+<id>+<base64(0x01 || seed)>; the base64 may itself contain '+'.
    byte[] typed = Base64.getDecoder().decode(GO_SIGNER_KEY.split("\\+", 5)[4]);
    return Arrays.copyOfRange(typed, 1, typed.length);
  }

  /** The reference key as openssl writes an Ed25519 key: PKCS#8 (RFC 8410) in PEM. */
  private Path pemOfGoKey() throws Exception {
    byte[] prefix = HexFormat.of().parseHex("302e020100300506032b657004220420");
    byte[] seed = goSeed();
    byte[] der = new byte[prefix.length + seed.length];
    System.arraycopy(prefix, 0, der, 0, prefix.length);
    System.arraycopy(seed, 0, der, prefix.length, seed.length);
    return write("go.pem", pem("PRIVATE KEY", der));
  }

  static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  private Path write(String name, String content) throws Exception {
    return Files.writeString(directory.resolve(name), content);
  }
}
