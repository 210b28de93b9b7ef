package dev.rotor.keygen.policy;

import dev.rotor.common.crypto.AgeRecipient;
import dev.rotor.common.crypto.CryptoException;
import dev.rotor.common.crypto.GeneratedKey;
import dev.rotor.common.event.EventCodec;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.plan.ManifestFormat;
import dev.rotor.common.plan.Policy;
import dev.rotor.common.plan.PolicyException;
import dev.rotor.common.plan.PolicyLoader;
import dev.rotor.common.plan.PolicyTarget;
import dev.rotor.keygen.KeyGeneratorConfig;
import dev.rotor.keygen.sealing.KeySealer;
import dev.rotor.keygen.sealing.KeySealer.SealedMaterial;
import io.quarkus.runtime.Startup;
import io.quarkus.runtime.configuration.ConfigurationException;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * The rotation policy this instance runs with, loaded and checked once at start-up. The service
 * does not start when the policy file has any problem, when a target needs the manifest-service
 * recipient and none is configured, when a sealing certificate cannot be used, or when a target's
 * {@code key.generated} event would exceed the event size limit: the message names the
 * configuration key, and for the policy the file, the path in it and the line.
 */
@Startup
@Singleton
public class LoadedPolicy {
  static final String POLICY_FILE = KeyGeneratorConfig.PREFIX + "policy-file";
  static final String MANIFEST_RECIPIENT = KeyGeneratorConfig.PREFIX + "manifest-service-recipient";

  private static final Logger LOG = Logger.getLogger(LoadedPolicy.class);

  private final Path file;
  private final Policy policy;
  private final KeySealer sealer;

  @Inject
  public LoadedPolicy(KeyGeneratorConfig config) {
    ConfigChecks.check(config);
    file = policyPath(config.policyFile());
    policy = load(file);
    Optional<AgeRecipient> manifestService = manifestServiceRecipient(config, policy);
    try {
      sealer = KeySealer.forPolicy(policy, manifestService);
    } catch (IllegalArgumentException e) {
      throw new ConfigurationException(
          POLICY_FILE + ": " + file + ": " + e.getMessage(), Set.of(POLICY_FILE));
    }
    checkCadences();
    checkEventSizes(config.admission().maxRequesterLength());
    LOG.infof(
        "ROTOR-1000 rotation policy %s loaded: %d target(s), %d with a cadence",
        file, policy.targets().size(), cadenceTargets().size());
  }

  /** The policy as loaded. */
  public Policy policy() {
    return policy;
  }

  /** The policy file's name, for messages people read. */
  public String fileName() {
    Path name = file.getFileName();
    return name == null ? file.toString() : name.toString();
  }

  /** The target with {@code id}, if the policy has it. */
  public Optional<PolicyTarget> target(String id) {
    return policy.target(id);
  }

  /** The targets that declare a cadence, in file order. */
  public List<PolicyTarget> cadenceTargets() {
    return policy.targets().stream().filter(t -> t.cadence() != null).toList();
  }

  /** Seals keys for the targets of this policy. */
  public KeySealer sealer() {
    return sealer;
  }

  private static Path policyPath(String value) {
    if (value == null || value.isBlank()) {
      throw new ConfigurationException(
          POLICY_FILE + ": is empty; set it to the rotation policy file (docs/policy.md)",
          Set.of(POLICY_FILE));
    }
    try {
      return Path.of(value.strip());
    } catch (InvalidPathException e) {
      throw new ConfigurationException(
          POLICY_FILE + ": is not a file path (" + e.getReason() + ")", Set.of(POLICY_FILE));
    }
  }

  private static Policy load(Path file) {
    try {
      return PolicyLoader.load(file);
    } catch (PolicyException e) {
      throw new ConfigurationException(
          POLICY_FILE
              + ": the rotation policy cannot be used; fix every problem below:\n"
              + e.getMessage(),
          Set.of(POLICY_FILE));
    }
  }

  private static Optional<AgeRecipient> manifestServiceRecipient(
      KeyGeneratorConfig config, Policy policy) {
    Optional<String> configured =
        config.manifestServiceRecipient().map(String::strip).filter(s -> !s.isEmpty());
    List<String> plainSecretTargets =
        policy.targets().stream()
            .filter(t -> t.plan().manifest().format() == ManifestFormat.SECRET)
            .map(PolicyTarget::id)
            .toList();
    if (configured.isEmpty()) {
      if (!plainSecretTargets.isEmpty()) {
        throw new ConfigurationException(
            MANIFEST_RECIPIENT
                + ": is required, because target(s) "
                + String.join(", ", plainSecretTargets)
                + " use manifest format 'secret', whose key is age-sealed to the"
                + " manifest-service; set it to the manifest-service's age recipient (age1...,"
                + " as `age-keygen -y <its identity file>` prints it)",
            Set.of(MANIFEST_RECIPIENT));
      }
      return Optional.empty();
    }
    try {
      return Optional.of(AgeRecipient.parse(configured.get()));
    } catch (CryptoException e) {
      throw new ConfigurationException(
          MANIFEST_RECIPIENT + ": " + e.getMessage(), Set.of(MANIFEST_RECIPIENT));
    }
  }

  /** A time late enough that every cadence must still give a due date after it. */
  static final Instant CADENCE_CHECKED_FROM = Instant.parse("2100-01-01T00:00:00Z");

  /** The first due date a cadence may not reach: ids and messages write years with 4 digits. */
  static final Instant CADENCE_LIMIT = Instant.parse("+10000-01-01T00:00:00Z");

  /**
   * Refuses a cadence so long that the due date one cadence after a rotation cannot be computed, or
   * lies past the year 9999 (the scheduler would fail on it at every check, naming neither the file
   * nor the target).
   */
  private void checkCadences() {
    for (PolicyTarget target : cadenceTargets()) {
      Instant due;
      try {
        due = target.nextDueAfter(CADENCE_CHECKED_FROM);
      } catch (DateTimeException | ArithmeticException e) {
        due = null;
      }
      if (due == null || !due.isBefore(CADENCE_LIMIT)) {
        throw new ConfigurationException(
            POLICY_FILE
                + ": "
                + file
                + ": target "
                + target.id()
                + ": cadence: "
                + target.cadence()
                + " is too long; one cadence after a rotation in "
                + CADENCE_CHECKED_FROM.atZone(ZoneOffset.UTC).getYear()
                + " must fall due before the year 10000 (a cadence such as P90D or P1Y)",
            Set.of(POLICY_FILE));
      }
    }
  }

  /**
   * The longest time {@code generatedAt} can be written as: fractional seconds take up to 10
   * characters more than a whole second ({@code Instant.EPOCH}).
   */
  static final Instant LONGEST_TIME = Instant.parse("2999-12-31T23:59:59.999999999Z");

  /**
   * Seals a throw-away all-zero key for every full plan and measures the {@code key.generated} it
   * would make at its largest: the longest rotation id, a requester of {@code max-requester-length}
   * characters of 3 bytes each in UTF-8 (no character a requester may use takes more per {@code
   * char}), and a time with nanoseconds. This proves each certificate and recipient seals, and
   * refuses a plan whose event could exceed the size that every consumer accepts.
   */
  private void checkEventSizes(int maxRequesterLength) {
    String longestRotationId = "r".repeat(64);
    String longestRequester = "\u20ac".repeat(maxRequesterLength);
    try (GeneratedKey probe = GeneratedKey.fromRaw(new byte[GeneratedKey.RAW_LENGTH])) {
      for (PolicyTarget target : policy.targets()) {
        SealedMaterial material = sealer.seal(probe, target.plan());
        KeyGenerated event =
            new KeyGenerated(
                longestRotationId,
                target.id(),
                target.plan(),
                longestRequester,
                probe.keyId(),
                probe.fingerprint(),
                material.sealed(),
                material.escrow(),
                LONGEST_TIME);
        int size = EventCodec.encode(event).length;
        if (size > EventCodec.MAX_DATA_BYTES) {
          throw new ConfigurationException(
              POLICY_FILE
                  + ": "
                  + file
                  + ": target "
                  + target.id()
                  + ": its key.generated event would be "
                  + size
                  + " bytes, more than the "
                  + EventCodec.MAX_DATA_BYTES
                  + " bytes an event may carry; give the target fewer stages",
              Set.of(POLICY_FILE));
        }
      }
    } catch (CryptoException e) {
      throw new ConfigurationException(
          POLICY_FILE + ": " + file + ": sealing fails: " + e.getMessage(), Set.of(POLICY_FILE));
    }
  }
}
