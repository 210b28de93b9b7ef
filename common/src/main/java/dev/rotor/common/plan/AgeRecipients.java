package dev.rotor.common.plan;

import java.util.regex.Pattern;

/**
 * Checks age X25519 recipients ({@code age1...}, as {@code age-keygen} prints them): Bech32 with
 * human-readable part {@code age}, 32 bytes of public key, and a valid checksum, so that a typo is
 * caught when the policy is loaded rather than when a key is escrowed.
 */
final class AgeRecipients {
  private static final String CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
  private static final Pattern SHAPE = Pattern.compile("age1[" + CHARSET + "]{58}");
  private static final int[] GENERATOR = {
    0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3
  };

  private AgeRecipients() {}

  /** What is wrong with {@code recipient}, or {@code null} if it is a valid age recipient. */
  static String problem(String recipient) {
    if (!SHAPE.matcher(recipient).matches()) {
      return "not an age X25519 recipient: expected 'age1' and 58 lowercase Bech32 characters,"
          + " as printed by age-keygen";
    }
    String hrp = "age";
    String data = recipient.substring(hrp.length() + 1);
    int[] values = new int[hrp.length() * 2 + 1 + data.length()];
    int i = 0;
    for (char c : hrp.toCharArray()) {
      values[i++] = c >> 5;
    }
    values[i++] = 0;
    for (char c : hrp.toCharArray()) {
      values[i++] = c & 31;
    }
    for (char c : data.toCharArray()) {
      values[i++] = CHARSET.indexOf(c);
    }
    if (polymod(values) != 1) {
      return "not an age X25519 recipient: its Bech32 checksum does not match (a typo?)";
    }
    return null;
  }

  private static int polymod(int[] values) {
    int chk = 1;
    for (int v : values) {
      int top = chk >>> 25;
      chk = (chk & 0x1ffffff) << 5 ^ v;
      for (int i = 0; i < 5; i++) {
        if (((top >>> i) & 1) != 0) {
          chk ^= GENERATOR[i];
        }
      }
    }
    return chk;
  }
}
