package dev.rotor.ledger.checkpoint;

import dev.rotor.ledger.config.LedgerConfig;
import dev.rotor.ledger.config.LedgerConfigurationException;
import dev.rotor.ledger.note.Checkpoint;
import dev.rotor.ledger.note.NoteException;
import dev.rotor.ledger.note.NoteSigner;
import dev.rotor.ledger.note.NoteVerifier;
import dev.rotor.ledger.note.SignedNote;
import dev.rotor.ledger.note.SigningKeys;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * The log's identity: its origin, the key that signs its checkpoints, and the verifiers it trusts
 * for checkpoints (this key and, after a key rotation, the earlier ones). Loaded once, at start-up.
 */
@ApplicationScoped
public class LedgerKeys {
  static final String SIGNING_KEY_FILE = "rotor.ledger.checkpoint.signing-key-file";
  static final String KEY_NAME = "rotor.ledger.checkpoint.key-name";
  static final String PREVIOUS_KEYS = "rotor.ledger.checkpoint.previous-verifier-keys";
  static final String ORIGIN = "rotor.ledger.origin";

  private static final Logger LOG = Logger.getLogger(LedgerKeys.class);

  @Inject LedgerConfig config;

  private volatile Loaded loaded;

  private record Loaded(String origin, NoteSigner signer, List<NoteVerifier> trusted) {}

  /**
   * Reads and checks the origin and keys.
   *
   * @throws LedgerConfigurationException naming the key that is missing or wrong
   */
  public synchronized void load() {
    if (loaded != null) {
      return;
    }
    String origin = config.origin();
    try {
      Checkpoint.requireOrigin(origin);
    } catch (NoteException e) {
      throw new LedgerConfigurationException(ORIGIN, e.getMessage());
    }
    String keyName = config.checkpoint().keyName().orElse(origin);
    try {
      SignedNote.requireKeyName(keyName);
    } catch (NoteException e) {
      throw new LedgerConfigurationException(KEY_NAME, e.getMessage());
    }
    NoteSigner signer;
    try {
      signer = SigningKeys.load(config.checkpoint().signingKeyFile(), keyName);
    } catch (NoteException e) {
      throw new LedgerConfigurationException(SIGNING_KEY_FILE, e.getMessage());
    }
    warnIfReadableByOthers();
    List<NoteVerifier> trusted = new ArrayList<>();
    trusted.add(signer.verifier());
    List<String> previous = config.checkpoint().previousVerifierKeys().orElse(List.of());
    for (int i = 0; i < previous.size(); i++) {
      try {
        trusted.add(NoteVerifier.parse(previous.get(i)));
      } catch (NoteException e) {
        throw new LedgerConfigurationException(PREVIOUS_KEYS + "[" + i + "]", e.getMessage());
      }
    }
    loaded = new Loaded(origin, signer, List.copyOf(trusted));
  }

  /** The origin line of the log's checkpoints. */
  public String origin() {
    return current().origin();
  }

  /** The signer of checkpoints. */
  public NoteSigner signer() {
    return current().signer();
  }

  /** The verifier of this service's own signatures. */
  public NoteVerifier verifier() {
    return current().signer().verifier();
  }

  /** Every verifier whose checkpoints this log accepts as its own. */
  public List<NoteVerifier> trusted() {
    return current().trusted();
  }

  private Loaded current() {
    if (loaded == null) {
      load();
    }
    return loaded;
  }

  private void warnIfReadableByOthers() {
    try {
      Set<PosixFilePermission> permissions =
          Files.getPosixFilePermissions(config.checkpoint().signingKeyFile());
      if (permissions.contains(PosixFilePermission.OTHERS_READ)
          || permissions.contains(PosixFilePermission.GROUP_READ)) {
        LOG.warnf(
            "ROTOR-5041 %s: the signing key file can be read by other users (mode %s); make it"
                + " readable by the service only",
            SIGNING_KEY_FILE, java.nio.file.attribute.PosixFilePermissions.toString(permissions));
      }
    } catch (IOException | UnsupportedOperationException e) {
      // Not a POSIX file system: nothing to check.
    }
  }
}
