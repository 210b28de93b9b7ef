package dev.rotor.keygen.cadence;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.UUID;

/**
 * Ids of what the cadence sends, derived from the target and the due date: every instance, before
 * and after a restart, names the rotation of one due date and its events the same way, so a
 * duplicate is recognisable everywhere downstream.
 */
public final class CadenceIds {
  /** Prefix of the rotation ids the cadence requests. */
  public static final String ROTATION_PREFIX = "cadence-";

  private static final DateTimeFormatter DUE =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);

  private CadenceIds() {}

  /**
   * The rotation id of the rotation requested for {@code targetId} due at {@code dueAt}: {@code
   * cadence-<due date, UTC>-<12 hex of SHA-256 of the target id>}, 40 characters.
   */
  public static String rotationId(String targetId, Instant dueAt) {
    return ROTATION_PREFIX + DUE.format(dueAt) + "-" + sha256Hex(targetId).substring(0, 12);
  }

  /** The event id of the reminder or the request ({@code kind}) of one due date. */
  public static String eventId(String kind, String targetId, Instant dueAt) {
    String name = "/rotor/key-generator|cadence|" + kind + "|" + targetId + "|" + dueAt;
    return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
  }

  private static String sha256Hex(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }
}
