package dev.rotor.verifier;

import java.util.List;

/**
 * Lists and text in verdict messages, evidence and notes, kept short: a verdict goes out as one
 * event, and an event over {@code EventCodec.MAX_DATA_BYTES} (64 KiB) is quarantined, not sent.
 */
public final class Texts {
  /** How many items a message lists before it says how many more there are. */
  public static final int LISTED = 10;

  private Texts() {}

  /**
   * The first {@link #LISTED} of {@code items} joined with {@code separator}, then, if there are
   * more, {@code "and <n> more <what>"}.
   */
  public static String listed(List<String> items, String separator, String what) {
    if (items.size() <= LISTED) {
      return String.join(separator, items);
    }
    return String.join(separator, items.subList(0, LISTED))
        + separator
        + "and "
        + (items.size() - LISTED)
        + " more "
        + what;
  }

  /** {@code text} cut to {@code max} characters, never within a surrogate pair, marked "...". */
  public static String cut(String text, int max) {
    if (text == null || text.length() <= max) {
      return text;
    }
    int end = max > 0 && Character.isHighSurrogate(text.charAt(max - 1)) ? max - 1 : max;
    return text.substring(0, end) + "...";
  }
}
