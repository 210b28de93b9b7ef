package dev.rotor.notifier.message;

import java.util.Optional;

/**
 * What the notifier remembers of a rotation from its earlier events, so that later messages (a
 * failure in another channel) still show the fingerprint and link to the change request.
 *
 * @param fingerprint the new key's fingerprint, once an event carried it
 * @param changeRequestUrl the change request, once {@code manifest.proposed} carried it
 */
public record RotationContext(Optional<String> fingerprint, Optional<String> changeRequestUrl) {

  /** Nothing known yet. */
  public static final RotationContext NONE =
      new RotationContext(Optional.empty(), Optional.empty());
}
