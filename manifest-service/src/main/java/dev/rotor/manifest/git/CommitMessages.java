package dev.rotor.manifest.git;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The messages of Rotor's commits: a subject a person understands, a short body, and the trailers
 * that make the commit findable. Text that comes from events (a cause, a requester) is flattened to
 * one line so it cannot forge a trailer.
 */
final class CommitMessages {
  private static final Pattern CONTROL = Pattern.compile("[\\p{Cntrl}\\u2028\\u2029\\u0085]+");

  private CommitMessages() {}

  record Trailer(String key, String value) {}

  static String distribute(
      String target,
      String rotationId,
      String requestedBy,
      String keyId,
      String fingerprint,
      String previousPrimary) {
    String body =
        previousPrimary == null
            ? "Starts the keyring of "
                + target
                + " with key "
                + keyId
                + " as its primary: the Secret had no keyring, so no reader depends on an older"
                + " key."
            : "Adds key "
                + keyId
                + " to the keyring of "
                + target
                + " as decrypt-only; the primary stays "
                + previousPrimary
                + ". Each stage rolls this out first, so every pod can read the new key before any"
                + " pod writes with it.";
    String primary = previousPrimary == null ? keyId : previousPrimary;
    return message(
        "Rotor: distribute key " + keyId + " for " + target,
        body,
        "Rotation " + flat(rotationId) + ", requested by " + flat(requestedBy) + ".",
        List.of(
            new Trailer(Trailers.TARGET, target),
            new Trailer(Trailers.ROTATION_ID, rotationId),
            new Trailer(Trailers.PHASE, Trailers.Phase.DISTRIBUTE.value()),
            new Trailer(Trailers.KEY_FINGERPRINT, fingerprint),
            new Trailer(Trailers.KEYRING_PRIMARY, primary)));
  }

  static String promote(
      String target,
      String rotationId,
      String requestedBy,
      String keyId,
      String fingerprint,
      String previousPrimary,
      List<String> droppedKeyIds,
      int previousKeys) {
    String body;
    if (previousPrimary == null) {
      body =
          "Key "
              + keyId
              + " is the primary since the keyring started with it; this step changes nothing"
              + " and keeps the rollout's two phases.";
    } else {
      body =
          "Key "
              + keyId
              + " becomes the primary of "
              + target
              + "; "
              + previousPrimary
              + " stays decrypt-only."
              + (droppedKeyIds.isEmpty()
                  ? ""
                  : " Keys "
                      + droppedKeyIds
                      + " drop out (the policy keeps "
                      + previousKeys
                      + " decrypt-only keys).");
    }
    return message(
        "Rotor: promote key " + keyId + " to primary for " + target,
        body,
        "Rotation " + flat(rotationId) + ", requested by " + flat(requestedBy) + ".",
        List.of(
            new Trailer(Trailers.TARGET, target),
            new Trailer(Trailers.ROTATION_ID, rotationId),
            new Trailer(Trailers.PHASE, Trailers.Phase.PROMOTE.value()),
            new Trailer(Trailers.KEY_FINGERPRINT, fingerprint),
            new Trailer(Trailers.KEYRING_PRIMARY, keyId)));
  }

  static String rollback(
      String target,
      String rotationId,
      String keyId,
      String fingerprint,
      String oldPrimary,
      String cause,
      boolean withdrawn) {
    return message(
        "Rotor: roll back " + target + " to key " + oldPrimary,
        "Key "
            + oldPrimary
            + " is the primary again; "
            + keyId
            + (withdrawn
                ? " is removed: the sealed-secrets controller did not unseal it where it was"
                    + " distributed, so it never reached a Secret and nothing was encrypted with"
                    + " it, and an entry the controller cannot unseal keeps the whole"
                    + " SealedSecret from being unsealed."
                : " stays decrypt-only so what was written with it stays readable."),
        "Rotation " + flat(rotationId) + ". Cause: " + flat(cause),
        List.of(
            new Trailer(Trailers.TARGET, target),
            new Trailer(Trailers.ROTATION_ID, rotationId),
            new Trailer(Trailers.PHASE, Trailers.Phase.ROLLBACK.value()),
            new Trailer(Trailers.KEY_FINGERPRINT, fingerprint),
            new Trailer(Trailers.KEYRING_PRIMARY, oldPrimary)));
  }

  private static String message(
      String subject, String body, String context, List<Trailer> trailers) {
    StringBuilder out = new StringBuilder();
    out.append(subject).append("\n\n").append(wrap(body)).append("\n\n").append(wrap(context));
    out.append("\n\n");
    for (Trailer t : trailers) {
      out.append(t.key()).append(": ").append(flat(t.value())).append('\n');
    }
    return out.toString();
  }

  /** One line, no control characters, at most 300 characters. */
  static String flat(String text) {
    if (text == null) {
      return "";
    }
    String one = CONTROL.matcher(text).replaceAll(" ").strip();
    return one.length() > 300 ? one.substring(0, 300) + "…" : one;
  }

  private static String wrap(String text) {
    StringBuilder out = new StringBuilder();
    int column = 0;
    for (String word : text.split(" ")) {
      if (column > 0 && column + 1 + word.length() > 72) {
        out.append('\n');
        column = 0;
      } else if (column > 0) {
        out.append(' ');
        column++;
      }
      out.append(word);
      column += word.length();
    }
    return out.toString();
  }

  /** An e-mail local part from a free-form name: lowercase letters, digits, '.', '_', '-'. */
  static String localPart(String name) {
    String local =
        flat(name)
            .toLowerCase(Locale.ROOT)
            .replaceAll("[^a-z0-9._-]+", ".")
            .replaceAll("^\\.+|\\.+$", "");
    return local.isEmpty() ? "unknown" : local;
  }
}
