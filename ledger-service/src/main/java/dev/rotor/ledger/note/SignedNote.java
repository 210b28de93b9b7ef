package dev.rotor.ledger.note;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A signed note in the C2SP signed-note format: a text ending in a newline, a blank line, then one
 * line per signature: em dash (U+2014), space, key name, space, base64 of the 4-byte big-endian key
 * id followed by the signature, newline.
 *
 * @param text the signed text, including its final newline
 * @param signatures the signature lines, in order
 */
public record SignedNote(String text, List<Signature> signatures) {
  /** The most signature lines a note may carry here (the spec asks verifiers to accept 16). */
  public static final int MAX_SIGNATURES = 100;

  private static final String DASH = "\u2014 ";

  public SignedNote {
    requireText(text);
    signatures = List.copyOf(signatures);
  }

  /**
   * One signature line.
   *
   * @param keyName the signer's key name
   * @param keyId the 32-bit key id (first 4 bytes of the base64 blob)
   * @param signature the signature bytes
   */
  public record Signature(String keyName, int keyId, byte[] signature) {
    public Signature {
      requireKeyName(keyName);
      signature = signature.clone();
    }

    @Override
    public byte[] signature() {
      return signature.clone();
    }

    String line() {
      byte[] blob = new byte[4 + signature.length];
      blob[0] = (byte) (keyId >>> 24);
      blob[1] = (byte) (keyId >>> 16);
      blob[2] = (byte) (keyId >>> 8);
      blob[3] = (byte) keyId;
      System.arraycopy(signature, 0, blob, 4, signature.length);
      return DASH + keyName + " " + Base64.getEncoder().encodeToString(blob) + "\n";
    }
  }

  /** The note as text: the text, a blank line, the signature lines. */
  public String encode() {
    StringBuilder out = new StringBuilder(text).append('\n');
    for (Signature signature : signatures) {
      out.append(signature.line());
    }
    return out.toString();
  }

  /**
   * Reads a signed note.
   *
   * @throws NoteException when it is not one: not UTF-8-clean text, a control character, no blank
   *     line before the signatures, a malformed signature line, too many signatures
   */
  public static SignedNote parse(String note) {
    if (note == null || !note.endsWith("\n")) {
      throw new NoteException("note: must end with a newline");
    }
    for (int i = 0; i < note.length(); i++) {
      char c = note.charAt(i);
      if (c < 0x20 && c != '\n') {
        throw new NoteException("note: contains a control character");
      }
    }
    if (!StandardCharsets.UTF_8.newEncoder().canEncode(note)) {
      throw new NoteException("note: is not valid Unicode text");
    }
    int split = note.lastIndexOf("\n\n");
    if (split < 0) {
      throw new NoteException("note: has no blank line before its signatures");
    }
    String text = note.substring(0, split + 1);
    String[] lines = note.substring(split + 2).split("\n", -1);
    List<Signature> signatures = new ArrayList<>();
    // The last element is the empty string after the final newline.
    for (int i = 0; i < lines.length - 1; i++) {
      signatures.add(parseSignature(lines[i]));
      if (signatures.size() > MAX_SIGNATURES) {
        throw new NoteException("note: has more than " + MAX_SIGNATURES + " signatures");
      }
    }
    if (signatures.isEmpty()) {
      throw new NoteException("note: has no signature");
    }
    return new SignedNote(text, signatures);
  }

  private static Signature parseSignature(String line) {
    if (!line.startsWith(DASH)) {
      throw new NoteException("note: a signature line must start with an em dash and a space");
    }
    String rest = line.substring(DASH.length());
    int space = rest.indexOf(' ');
    if (space <= 0 || rest.indexOf(' ', space + 1) >= 0) {
      throw new NoteException("note: a signature line is: dash, key name, base64 signature");
    }
    String name = rest.substring(0, space);
    byte[] blob;
    try {
      blob = Base64.getDecoder().decode(rest.substring(space + 1));
    } catch (IllegalArgumentException e) {
      throw new NoteException("note: a signature is not base64");
    }
    if (blob.length < 5) {
      throw new NoteException("note: a signature is shorter than its key id");
    }
    int keyId =
        ((blob[0] & 0xff) << 24)
            | ((blob[1] & 0xff) << 16)
            | ((blob[2] & 0xff) << 8)
            | blob[3] & 0xff;
    byte[] signature = new byte[blob.length - 4];
    System.arraycopy(blob, 4, signature, 0, signature.length);
    try {
      return new Signature(name, keyId, signature);
    } catch (IllegalArgumentException e) {
      throw new NoteException("note: " + e.getMessage());
    }
  }

  private static void requireText(String text) {
    if (text == null || text.isEmpty() || !text.endsWith("\n")) {
      throw new NoteException("text: must be non-empty and end with a newline");
    }
    if (text.startsWith("\u2014") || text.contains("\n\u2014")) {
      // A text line that looks like a signature would make the note ambiguous to read.
      throw new NoteException("text: a line must not start with an em dash");
    }
  }

  /** Key names are non-empty and hold no Unicode space and no plus sign. */
  public static void requireKeyName(String name) {
    if (name == null || name.isEmpty()) {
      throw new NoteException("key name: must not be empty");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '+' || Character.isWhitespace(c) || Character.isSpaceChar(c) || c < 0x20) {
        throw new NoteException("key name: must not contain spaces or '+'");
      }
    }
  }
}
