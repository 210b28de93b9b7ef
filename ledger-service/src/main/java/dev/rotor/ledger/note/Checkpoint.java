package dev.rotor.ledger.note;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Base64;

/**
 * The body of a checkpoint in the C2SP tlog-checkpoint format: the origin, the tree size in
 * decimal, the base64 root hash, each on its own line, and one extension line {@code time <RFC 3339
 * UTC time, seconds>} so that the signature also covers when the log made the claim.
 *
 * <pre>
 * rotor.example.com/ledger
 * 1042
 * 9lKZ0J7x...Zs=
 * time 2026-11-26T06:00:00Z
 * </pre>
 *
 * @param origin the log's name
 * @param treeSize the number of entries covered
 * @param rootHash the RFC 6962 root of those entries (32 bytes)
 * @param time when the checkpoint was issued, whole seconds
 */
public record Checkpoint(String origin, long treeSize, byte[] rootHash, Instant time) {
  private static final String TIME_PREFIX = "time ";

  public Checkpoint {
    requireOrigin(origin);
    if (treeSize < 0) {
      throw new NoteException("tree size: must not be negative");
    }
    if (rootHash == null || rootHash.length != 32) {
      throw new NoteException("root hash: must be 32 bytes");
    }
    rootHash = rootHash.clone();
    if (time == null) {
      throw new NoteException("time: is required");
    }
    time = time.truncatedTo(ChronoUnit.SECONDS);
  }

  @Override
  public byte[] rootHash() {
    return rootHash.clone();
  }

  /** The base64 root hash, as the third line shows it. */
  public String rootHashBase64() {
    return Base64.getEncoder().encodeToString(rootHash);
  }

  /** The note text the log signs. */
  public String body() {
    return origin
        + "\n"
        + treeSize
        + "\n"
        + rootHashBase64()
        + "\n"
        + TIME_PREFIX
        + DateTimeFormatter.ISO_INSTANT.format(time)
        + "\n";
  }

  /**
   * Reads a checkpoint body (the verified text of a signed note).
   *
   * @throws NoteException when a line is missing or malformed
   */
  public static Checkpoint parse(String body) {
    if (body == null || !body.endsWith("\n")) {
      throw new NoteException("checkpoint: must end with a newline");
    }
    String[] lines = body.substring(0, body.length() - 1).split("\n", -1);
    if (lines.length < 3) {
      throw new NoteException("checkpoint: needs origin, tree size and root hash lines");
    }
    if (!lines[1].matches("0|[1-9][0-9]{0,18}")) {
      throw new NoteException("checkpoint: the tree size is not a decimal without leading zeros");
    }
    long size;
    try {
      size = Long.parseLong(lines[1]);
    } catch (NumberFormatException e) {
      throw new NoteException("checkpoint: the tree size is out of range");
    }
    byte[] root;
    try {
      root = Base64.getDecoder().decode(lines[2]);
    } catch (IllegalArgumentException e) {
      throw new NoteException("checkpoint: the root hash is not base64");
    }
    Instant time = null;
    for (int i = 3; i < lines.length; i++) {
      if (lines[i].isEmpty()) {
        throw new NoteException("checkpoint: extension lines must not be empty");
      }
      if (lines[i].startsWith(TIME_PREFIX)) {
        try {
          time = Instant.parse(lines[i].substring(TIME_PREFIX.length()));
        } catch (DateTimeParseException e) {
          throw new NoteException("checkpoint: the time line is not an RFC 3339 UTC time");
        }
      }
    }
    if (time == null) {
      throw new NoteException("checkpoint: has no time line");
    }
    return new Checkpoint(lines[0], size, root, time);
  }

  /** Origins are non-empty, without spaces or '+', so they can also name the signing key. */
  public static void requireOrigin(String origin) {
    if (origin == null || origin.isBlank()) {
      throw new NoteException("origin: must not be empty");
    }
    SignedNote.requireKeyName(origin);
  }
}
