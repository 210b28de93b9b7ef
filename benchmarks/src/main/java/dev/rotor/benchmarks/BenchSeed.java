package dev.rotor.benchmarks;

import dev.rotor.common.crypto.AgeIdentity;
import dev.rotor.common.crypto.GeneratedKey;
import dev.rotor.common.keyring.KeyringLayout;
import dev.rotor.common.plan.PolicyLoader;
import dev.rotor.testsupport.kubernetes.SealingKeyPair;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * What a benchmark run starts from: {@code targets} Secrets in namespace {@value #NAMESPACE}, each
 * with its own Deployment and a one-key keyring sealed for the clusters' (shared) sealed-secrets
 * key pair, one manifest per target in the Git repository, and a policy that rotates every target
 * on every cluster with zero soak.
 *
 * <p>The policy's verification queries are constants ({@code vector(0)}) evaluated by a real
 * Prometheus: the benchmarks measure Rotor's orchestration, not a workload's health, and the
 * clusters' pods are the rollout simulator's (no processes). Everything else the verifier checks
 * (the Secret's fingerprint, pod start times, the required and forbidden log lines) is checked as
 * in production.
 */
final class BenchSeed {
  static final String NAMESPACE = "bench";
  static final String REPOSITORY = "bench/fleet-gitops.git";
  static final String REQUIRED_LOG_LINE = "encryption self-test passed";

  private final Path home;

  BenchSeed(Path home) {
    this.home = home;
  }

  static String deployment(int index) {
    return String.format("app-%04d", index);
  }

  static String secret(int index) {
    return deployment(index) + "-config";
  }

  static String targetId(int index) {
    return NAMESPACE + "/" + secret(index);
  }

  static String manifestPath(int index) {
    return "apps/" + deployment(index) + "/secret.yaml";
  }

  static List<String> clusters(int count) {
    List<String> clusters = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      clusters.add("bench-" + i);
    }
    return clusters;
  }

  /**
   * The clusters target {@code index} is rotated on, in order: every cluster in order when {@code
   * stages} is their number, else {@code stages} consecutive ones starting at cluster ((index - 1)
   * mod clusters) + 1, so that the targets are spread evenly.
   */
  static List<String> stagesOf(int index, List<String> clusters, int stages) {
    int first = stages >= clusters.size() ? 0 : index - 1;
    List<String> of = new ArrayList<>();
    for (int s = 0; s < stages; s++) {
      of.add(clusters.get((first + s) % clusters.size()));
    }
    return of;
  }

  /** The targets (1-based indices) that have a stage on {@code cluster}. */
  static List<Integer> targetsOn(String cluster, int targets, List<String> clusters, int stages) {
    List<Integer> on = new ArrayList<>();
    for (int i = 1; i <= targets; i++) {
      if (stagesOf(i, clusters, stages).contains(cluster)) {
        on.add(i);
      }
    }
    return on;
  }

  Path sealingDirectory() {
    return home.resolve("sealing");
  }

  Path policyDirectory() {
    return home.resolve("policy");
  }

  Path policy() {
    return policyDirectory().resolve("rotor-policy.yaml");
  }

  Path certificate() {
    return policyDirectory().resolve("certs/bench-sealing.pem");
  }

  Path repository() {
    return home.resolve("seed");
  }

  Path ledgerSigningKey() {
    return home.resolve("ledger/signing-key.pem");
  }

  /** The key pair every simulated sealed-secrets controller unseals with. */
  SealingKeyPair sealingKeys() {
    System.setProperty("rotor.test.tmpdir", sealingDirectory().toString());
    return SealingKeyPair.shared();
  }

  /**
   * Writes the repository's manifests, the certificate, the escrow identity and the ledger's key;
   * returns the escrow recipient for {@link #writePolicy}.
   */
  String make(int targets) {
    SealingKeyPair keys = sealingKeys();
    keys.writeCertificate(certificate());
    for (int i = 1; i <= targets; i++) {
      write(repository().resolve(manifestPath(i)), manifest(keys, i));
    }
    write(
        repository().resolve("README.md"),
        "# Benchmark fleet\n\n"
            + targets
            + " SealedSecrets, one per app, for Rotor's benchmarks.\n");
    ledgerSigningKey(ledgerSigningKey());
    try (AgeIdentity identity = AgeIdentity.generate()) {
      Path file = home.resolve("escrow/security-team.agekey");
      write(file, identity.revealIdentityFile());
      restrict(file);
      return identity.recipient().toString();
    }
  }

  /** A SealedSecret holding a fresh one-key keyring, sealed (strict scope) for the clusters. */
  static String manifest(SealingKeyPair keys, int index) {
    String name = secret(index);
    String keyId;
    String sealedKey;
    String sealedPrimary;
    try (GeneratedKey key = GeneratedKey.generate()) {
      keyId = key.keyId();
      byte[] raw = key.copyRaw();
      try {
        sealedKey = keys.seal(NAMESPACE, name, raw);
      } finally {
        Arrays.fill(raw, (byte) 0);
      }
      sealedPrimary = keys.seal(NAMESPACE, name, keyId.getBytes(StandardCharsets.US_ASCII));
    }
    return String.join(
        "\n",
        "# Benchmark fleet: the keyring of " + deployment(index) + ", sealed for the clusters.",
        "apiVersion: bitnami.com/v1alpha1",
        "kind: SealedSecret",
        "metadata:",
        "  name: " + name,
        "  namespace: " + NAMESPACE,
        "spec:",
        "  encryptedData:",
        "    " + KeyringLayout.PRIMARY_DATA_KEY + ": " + sealedPrimary,
        "    " + KeyringLayout.dataKeyOf(keyId) + ": " + sealedKey,
        "  template:",
        "    metadata:",
        "      name: " + name,
        "      namespace: " + NAMESPACE,
        "    type: Opaque",
        "");
  }

  /**
   * The policy: every target rotated on its {@code stages} clusters ({@link #stagesOf}) in order,
   * zero soak, one local approval by the {@code security} team, constant verification queries (see
   * the class comment).
   */
  void writePolicy(
      String gitUrl,
      String recipient,
      int targets,
      List<String> clusters,
      int stages,
      Duration interval) {
    StringBuilder s = new StringBuilder();
    s.append("# Generated by Rotor's benchmarks (benchmarks/, docs/scaling.md).\n");
    s.append("apiVersion: rotor.dev/v1\nkind: RotationPolicy\n");
    s.append("defaults:\n");
    s.append("  keyring:\n    previousKeys: 2\n");
    s.append("  manifest:\n    repository: ").append(gitUrl).append('\n');
    s.append("    branch: main\n    format: sealed-secret\n");
    s.append("  approvals:\n    provider: local\n    required: 1\n    teams: [security]\n");
    s.append("  escrow:\n    recipients: [").append(recipient).append("]\n");
    s.append("  thresholds:\n    interval: ").append(interval).append('\n');
    s.append("  verification:\n");
    s.append("    errorRateQuery: \"vector(0)\"\n");
    s.append("    latencyQuery: \"vector(0.001)\"\n");
    s.append("    decryptFailuresQuery: \"vector(0)\"\n");
    s.append("    baselineWindow: PT1M\n");
    s.append("    requiredLogPatterns: [\"").append(REQUIRED_LOG_LINE).append("\"]\n");
    s.append("    forbiddenLogPatterns: [\"decrypt(ion)? fail\"]\n");
    s.append("targets:\n");
    for (int i = 1; i <= targets; i++) {
      s.append("  - id: ").append(targetId(i)).append('\n');
      s.append("    deployments: [").append(deployment(i)).append("]\n");
      s.append("    manifest:\n      path: ").append(manifestPath(i)).append('\n');
      s.append("    stages:\n");
      for (String cluster : stagesOf(i, clusters, stages)) {
        s.append("      - cluster: ").append(cluster).append('\n');
        s.append("        soak: PT0S\n");
        s.append("        sealingCertificateFile: certs/")
            .append(certificate().getFileName())
            .append('\n');
      }
    }
    write(policy(), s.toString());
    PolicyLoader.load(policy());
  }

  /** The ledger's Ed25519 checkpoint key, PKCS#8 PEM. */
  private static void ledgerSigningKey(Path file) {
    try {
      KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      String pem =
          "-----BEGIN PRIVATE KEY-----\n"
              + Base64.getMimeEncoder(64, new byte[] {'\n'})
                  .encodeToString(pair.getPrivate().getEncoded())
              + "\n-----END PRIVATE KEY-----\n";
      write(file, pem);
      restrict(file);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("cannot make the ledger's signing key", e);
    }
  }

  static void write(Path file, String content) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, content, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  private static void restrict(Path file) {
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException | IOException e) {
      // Not a POSIX file system: the folder's own permissions apply.
    }
  }
}
