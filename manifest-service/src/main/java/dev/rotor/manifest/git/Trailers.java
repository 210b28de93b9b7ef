package dev.rotor.manifest.git;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.eclipse.jgit.revwalk.FooterLine;
import org.eclipse.jgit.revwalk.RevCommit;

/**
 * The trailers on Rotor's commits. Git is the source of truth for what Rotor already wrote: a
 * replayed event finds its commits by these, and creates nothing twice.
 */
public final class Trailers {
  /** The target id, {@code <namespace>/<secret name>}. */
  public static final String TARGET = "Rotor-Target";

  /** The rotation the commit belongs to. */
  public static final String ROTATION_ID = "Rotor-Rotation-Id";

  /** {@code distribute}, {@code promote} or {@code rollback}. */
  public static final String PHASE = "Rotor-Phase";

  /** The fingerprint of the rotation's new key. */
  public static final String KEY_FINGERPRINT = "Rotor-Key-Fingerprint";

  /**
   * The primary key id of the keyring in the commit's manifest: how Rotor knows the primary of a
   * sealed keyring, whose {@code keyring.primary} it cannot read.
   */
  public static final String KEYRING_PRIMARY = "Rotor-Keyring-Primary";

  /** The phases Rotor writes. */
  public enum Phase {
    DISTRIBUTE("distribute"),
    PROMOTE("promote"),
    ROLLBACK("rollback");

    private final String value;

    Phase(String value) {
      this.value = value;
    }

    public String value() {
      return value;
    }

    static Optional<Phase> of(String value) {
      for (Phase p : values()) {
        if (p.value.equals(value)) {
          return Optional.of(p);
        }
      }
      return Optional.empty();
    }
  }

  private Trailers() {}

  /**
   * The trailers of a commit (the last paragraph's {@code Key: value} lines), keys compared without
   * case as Git does; the first value wins.
   */
  public static Map<String, String> of(RevCommit commit) {
    Map<String, String> trailers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (FooterLine line : commit.getFooterLines()) {
      trailers.putIfAbsent(line.getKey(), line.getValue().strip());
    }
    return trailers;
  }

  /** The phase of a Rotor commit of {@code rotationId}, if the commit is one. */
  public static Optional<Phase> phaseOf(RevCommit commit, String rotationId) {
    Map<String, String> trailers = of(commit);
    if (!rotationId.equals(trailers.get(ROTATION_ID))) {
      return Optional.empty();
    }
    return Phase.of(trailers.getOrDefault(PHASE, ""));
  }
}
