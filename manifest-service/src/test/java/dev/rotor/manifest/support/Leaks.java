package dev.rotor.manifest.support;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Looks for a secret's forms inside bytes or text. */
public final class Leaks {
  private Leaks() {}

  /** The forms of {@code forms} that occur in {@code haystack} (compared as ISO-8859-1 bytes). */
  public static List<String> in(byte[] haystack, List<String> forms) {
    String text = new String(haystack, StandardCharsets.ISO_8859_1);
    List<String> found = new ArrayList<>();
    for (String form : forms) {
      String needle =
          new String(form.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.ISO_8859_1);
      if (text.contains(needle)) {
        found.add(form.length() > 12 ? form.substring(0, 6) + "…" : "(short form)");
      }
    }
    return found;
  }

  public static List<String> in(String haystack, List<String> forms) {
    return in(haystack.getBytes(StandardCharsets.UTF_8), forms);
  }
}
