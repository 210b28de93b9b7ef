package dev.rotor.devstack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
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
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What the devstack makes before anything starts: the sealed-secrets controllers' key pair (shared
 * by both local clusters, as the policy allows), the first key of the workload's keyring sealed
 * into the example GitOps repository, the security team's age identity for the escrow copies, the
 * ledger's signing key, and the devstack's policy: the example policy with the local Git server,
 * the local controllers' certificate, the local escrow recipient and short soaks.
 */
final class Seed {
  static final String NAMESPACE = "aether-services";
  static final String SECRET = "secrets-service-config";
  static final String MANIFEST_PATH =
      "deploy/k8s/base/aether-services/secret-secrets-service-config.yaml";
  static final String REPOSITORY = "aether/aether-gitops.git";

  private static final Pattern SEALED_ENTRY =
      Pattern.compile("^(\\s+)(keyring\\.primary|keyring\\.key\\.[0-9a-f]{8}): .*$");

  private final Layout layout;
  private final List<Target> targets;
  private String recipient;
  private Integer previousKeys;

  /**
   * One target the devstack seeds: a Secret with its own keyring, sealed into its own manifest in
   * the GitOps repository, the Deployment that reads it, and its entry in the policy. The first is
   * the example's; the others ({@code --targets}) are copies of it under other names.
   *
   * @param index 1 for the example's target, 2... for the copies
   */
  record Target(int index, String namespace, String secret, String deployment, String path) {
    String id() {
      return namespace + "/" + secret;
    }
  }

  Seed(Layout layout) {
    this(layout, 1);
  }

  /** A seed of {@code targets} targets: the example's, then copies of it. */
  Seed(Layout layout, int targets) {
    if (targets < 1 || targets > 99) {
      throw new DevstackException("ROTOR-8000", "--targets must be 1 to 99, not " + targets);
    }
    this.layout = layout;
    List<Target> list = new ArrayList<>();
    list.add(new Target(1, NAMESPACE, SECRET, "secrets-service", MANIFEST_PATH));
    for (int i = 2; i <= targets; i++) {
      String name = String.format(Locale.ROOT, "secrets-service-%02d", i);
      list.add(
          new Target(
              i,
              NAMESPACE,
              name + "-config",
              name,
              "deploy/k8s/base/aether-services/secret-" + name + "-config.yaml"));
    }
    this.targets = List.copyOf(list);
  }

  /**
   * Keeps {@code previousKeys} decrypt-only keys instead of the example's (2): for runs that rotate
   * a target more often than that while the workload's clients still read what they wrote with
   * every earlier key (the example workload does not re-encrypt).
   */
  void previousKeys(int previousKeys) {
    this.previousKeys = previousKeys;
  }

  /** The targets, the example's first. */
  List<Target> targets() {
    return targets;
  }

  /** The sealed manifest of {@code target} in the seeded repository. */
  Path initialSecret(Target target) {
    return seedRepository().resolve(target.path());
  }

  Path sealingDirectory() {
    return layout.data("sealing");
  }

  Path certificate() {
    return layout.data("policy").resolve("certs/devstack-sealed-secrets.pem");
  }

  Path policy() {
    return layout.data("policy").resolve("rotor-policy.yaml");
  }

  Path seedRepository() {
    return layout.data("seed");
  }

  Path initialSecret() {
    return seedRepository().resolve(MANIFEST_PATH);
  }

  Path escrowIdentity() {
    return layout.data("escrow").resolve("security-team.agekey");
  }

  Path ledgerSigningKey() {
    return layout.data("ledger").resolve("signing-key.pem");
  }

  /** The key pair both simulated sealed-secrets controllers unseal with. */
  SealingKeyPair sealingKeys() {
    System.setProperty("rotor.test.tmpdir", sealingDirectory().toString());
    return SealingKeyPair.shared();
  }

  /**
   * Makes everything; returns the first key's id (the key itself is sealed into the manifest and
   * forgotten).
   */
  String make() {
    SealingKeyPair keys = sealingKeys();
    keys.writeCertificate(certificate());
    String keyId = seedRepository(keys);
    recipient = escrowIdentity(escrowIdentity());
    ledgerSigningKey(ledgerSigningKey());
    return keyId;
  }

  /** Writes the devstack's policy, once the Git server's URL is known. */
  void writePolicy(String gitUrl, Duration soak, Duration interval) {
    writePolicy(gitUrl, recipient, soak, interval);
  }

  /**
   * Copies the example repository, with the Secret's keyring sealed anew for the local controllers.
   */
  private String seedRepository(SealingKeyPair keys) {
    Path source = layout.gitopsExample();
    Path target = seedRepository();
    try (Stream<Path> files = Files.walk(source)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        Path copy = target.resolve(source.relativize(file).toString());
        Files.createDirectories(copy.getParent());
        Files.copy(file, copy);
      }
    } catch (IOException e) {
      throw new DevstackException(
          "ROTOR-8004", "cannot copy the example GitOps repository from " + source, e);
    }
    Path manifest = initialSecret();
    String text;
    try {
      text = Files.readString(manifest, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new DevstackException("ROTOR-8004", "cannot read " + manifest, e);
    }
    String keyId;
    String sealedPrimary;
    String sealedKey;
    try (GeneratedKey key = GeneratedKey.generate()) {
      keyId = key.keyId();
      byte[] raw = key.copyRaw();
      try {
        sealedKey = keys.seal(NAMESPACE, SECRET, raw);
      } finally {
        java.util.Arrays.fill(raw, (byte) 0);
      }
      sealedPrimary = keys.seal(NAMESPACE, SECRET, keyId.getBytes(StandardCharsets.US_ASCII));
    }
    StringBuilder replaced = new StringBuilder();
    boolean written = false;
    for (String line : text.split("\n", -1)) {
      Matcher entry = SEALED_ENTRY.matcher(line);
      if (entry.matches()) {
        if (!written) {
          String indent = entry.group(1);
          replaced.append(indent).append(KeyringLayout.PRIMARY_DATA_KEY).append(": ");
          replaced.append(sealedPrimary).append('\n');
          replaced.append(indent).append(KeyringLayout.dataKeyOf(keyId)).append(": ");
          replaced.append(sealedKey).append('\n');
          written = true;
        }
      } else if (line.startsWith("# This example holds the published example key")) {
        replaced.append("# Sealed by the Rotor devstack for its local controllers: a fresh key, ");
        replaced.append(keyId).append(".\n");
      } else {
        replaced.append(line).append('\n');
      }
    }
    if (!written) {
      throw new DevstackException(
          "ROTOR-8004", manifest + " has no keyring entries under spec.encryptedData");
    }
    replaced.setLength(replaced.length() - 1);
    try {
      Files.writeString(manifest, replaced.toString(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (Target copy : targets.subList(1, targets.size())) {
      String renamed =
          text.replace("name: " + SECRET + "\n", "name: " + copy.secret() + "\n")
              .replace(
                  "# This example holds the published example key",
                  "# (a copy of the example's target for the devstack's --targets)\n"
                      + "# This example holds the published example key");
      sealCopy(keys, copy, renamed);
    }
    return keyId;
  }

  /** Seals a fresh one-key keyring into the copy's manifest, as for the example's target. */
  private void sealCopy(SealingKeyPair keys, Target target, String text) {
    String sealedPrimary;
    String sealedKey;
    String keyId;
    try (GeneratedKey key = GeneratedKey.generate()) {
      keyId = key.keyId();
      byte[] raw = key.copyRaw();
      try {
        sealedKey = keys.seal(target.namespace(), target.secret(), raw);
      } finally {
        java.util.Arrays.fill(raw, (byte) 0);
      }
      sealedPrimary =
          keys.seal(target.namespace(), target.secret(), keyId.getBytes(StandardCharsets.US_ASCII));
    }
    StringBuilder replaced = new StringBuilder();
    boolean written = false;
    for (String line : text.split("\n", -1)) {
      Matcher entry = SEALED_ENTRY.matcher(line);
      if (entry.matches()) {
        if (!written) {
          String indent = entry.group(1);
          replaced.append(indent).append(KeyringLayout.PRIMARY_DATA_KEY).append(": ");
          replaced.append(sealedPrimary).append('\n');
          replaced.append(indent).append(KeyringLayout.dataKeyOf(keyId)).append(": ");
          replaced.append(sealedKey).append('\n');
          written = true;
        }
      } else if (line.startsWith("# This example holds the published example key")) {
        replaced.append("# Sealed by the Rotor devstack for its local controllers: a fresh key, ");
        replaced.append(keyId).append(".\n");
      } else {
        replaced.append(line).append('\n');
      }
    }
    replaced.setLength(replaced.length() - 1);
    Path file = initialSecret(target);
    try {
      Files.writeString(file, replaced.toString(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /** The security team's age identity (what {@code age-keygen} writes); returns its recipient. */
  private static String escrowIdentity(Path file) {
    try (AgeIdentity identity = AgeIdentity.generate()) {
      Files.createDirectories(file.getParent());
      Files.writeString(file, identity.revealIdentityFile(), StandardCharsets.US_ASCII);
      restrict(file);
      return identity.recipient().toString();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /** The ledger's Ed25519 checkpoint key, PKCS#8 PEM, as {@code openssl genpkey} writes it. */
  private static void ledgerSigningKey(Path file) {
    try {
      KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      String pem =
          "-----BEGIN PRIVATE KEY-----\n"
              + Base64.getMimeEncoder(64, new byte[] {'\n'})
                  .encodeToString(pair.getPrivate().getEncoded())
              + "\n-----END PRIVATE KEY-----\n";
      Files.createDirectories(file.getParent());
      Files.writeString(file, pem, StandardCharsets.US_ASCII);
      restrict(file);
    } catch (NoSuchAlgorithmException | IOException e) {
      throw new IllegalStateException("cannot make the ledger's signing key", e);
    }
  }

  /**
   * The example policy, pointed at the devstack: the local Git server, the local controllers'
   * certificate, the local escrow recipient, short soaks and checks. Everything else (target,
   * Deployments, approvals, keyring depth, thresholds, log patterns) stays as the example says.
   */
  private void writePolicy(String gitUrl, String recipient, Duration soak, Duration interval) {
    ObjectMapper yaml =
        new ObjectMapper(
            new YAMLFactory()
                .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));
    JsonNode root;
    try {
      root = yaml.readTree(layout.examplePolicy().toFile());
    } catch (IOException e) {
      throw new DevstackException("ROTOR-8004", "cannot read " + layout.examplePolicy(), e);
    }
    ObjectNode defaults = (ObjectNode) root.path("defaults");
    ((ObjectNode) defaults.path("manifest")).put("repository", gitUrl);
    ObjectNode thresholds = (ObjectNode) defaults.path("thresholds");
    thresholds.put("interval", interval.toString());
    ObjectNode verification = (ObjectNode) defaults.path("verification");
    verification.put("baselineWindow", "PT1M");
    if (previousKeys != null) {
      ((ObjectNode) defaults.path("keyring")).put("previousKeys", previousKeys);
    }
    ArrayNode targetNodes = (ArrayNode) root.path("targets");
    JsonNode example = targetNodes.get(0);
    for (Target copy : targets.subList(1, targets.size())) {
      ObjectNode node = example.deepCopy();
      node.put("id", copy.id());
      node.putArray("deployments").add(copy.deployment());
      ((ObjectNode) node.path("manifest")).put("path", copy.path());
      targetNodes.add(node);
    }
    for (JsonNode target : root.path("targets")) {
      ArrayNode recipients = ((ObjectNode) target.path("escrow")).putArray("recipients");
      recipients.add(recipient);
      for (JsonNode stage : target.path("stages")) {
        ObjectNode s = (ObjectNode) stage;
        s.put("soak", soak.toString());
        s.put("sealingCertificateFile", "certs/" + certificate().getFileName());
      }
    }
    Path file = policy();
    try {
      Files.createDirectories(file.getParent());
      String header =
          "# Generated by the Rotor devstack from deploy/policy/rotor-policy.yaml: the local Git\n"
              + "# server, the local sealed-secrets controllers, the devstack's escrow recipient\n"
              + "# and short soaks.\n"
              + "# Edit the example, not this file.\n";
      Files.writeString(file, header + yaml.writeValueAsString(root), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
    PolicyLoader.load(file);
  }

  private static void restrict(Path file) throws IOException {
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system: the folder's own permissions apply.
    }
  }
}
