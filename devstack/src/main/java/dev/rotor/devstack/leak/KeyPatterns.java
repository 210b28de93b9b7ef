package dev.rotor.devstack.leak;

import dev.rotor.common.crypto.Fingerprints;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every encoding of every key the scan looks for, and a search for all of them at once in a byte
 * array. Holds the key bytes only in memory; what it reports names a key by its key id (the first 8
 * hex characters of its fingerprint) and the encoding, never the bytes.
 */
final class KeyPatterns {
  /** One encoding of one key. */
  record Pattern(String keyId, String encoding, byte[] bytes) {}

  /** Where a pattern occurs in searched bytes. */
  record Match(Pattern pattern, int offset) {}

  private final List<Pattern> patterns = new ArrayList<>();
  private final Map<String, String> keyIds = new LinkedHashMap<>();
  private Map<Integer, List<Pattern>> byPrefix = new HashMap<>();
  private final boolean[] firstByte = new boolean[256];

  /**
   * Adds a key (32 raw bytes, or any length) with every encoding: raw bytes, standard and URL-safe
   * base64 with and without padding, lowercase and uppercase hex.
   *
   * @return its key id
   */
  String add(byte[] raw) {
    String keyId = Fingerprints.keyIdOf(Fingerprints.ofRawKey(raw));
    if (keyIds.containsKey(keyId)) {
      return keyId;
    }
    keyIds.put(keyId, keyId);
    Map<String, String> encodings = new LinkedHashMap<>();
    put(encodings, Base64.getEncoder().encodeToString(raw), "base64");
    put(encodings, Base64.getEncoder().withoutPadding().encodeToString(raw), "base64 unpadded");
    put(encodings, Base64.getUrlEncoder().encodeToString(raw), "base64url");
    put(
        encodings,
        Base64.getUrlEncoder().withoutPadding().encodeToString(raw),
        "base64url unpadded");
    put(encodings, HexFormat.of().formatHex(raw), "hex");
    put(encodings, HexFormat.of().withUpperCase().formatHex(raw), "HEX");
    patterns.add(new Pattern(keyId, "raw", raw.clone()));
    encodings.forEach(
        (text, name) ->
            patterns.add(new Pattern(keyId, name, text.getBytes(StandardCharsets.US_ASCII))));
    index();
    return keyId;
  }

  private static void put(Map<String, String> encodings, String text, String name) {
    // The same text under two names (a key whose base64 has no '+', '/' nor '=') is one pattern.
    encodings.merge(text, name, (a, b) -> a + " = " + b);
  }

  private void index() {
    Map<Integer, List<Pattern>> index = new HashMap<>();
    Arrays.fill(firstByte, false);
    for (Pattern pattern : patterns) {
      index.computeIfAbsent(prefix(pattern.bytes(), 0), k -> new ArrayList<>()).add(pattern);
      firstByte[pattern.bytes()[0] & 0xff] = true;
    }
    byPrefix = index;
  }

  private static int prefix(byte[] bytes, int at) {
    return (bytes[at] & 0xff) << 24
        | (bytes[at + 1] & 0xff) << 16
        | (bytes[at + 2] & 0xff) << 8
        | (bytes[at + 3] & 0xff);
  }

  boolean isEmpty() {
    return patterns.isEmpty();
  }

  /** The key ids of the keys searched for. */
  Collection<String> keyIds() {
    return keyIds.keySet();
  }

  int patternCount() {
    return patterns.size();
  }

  /**
   * Every occurrence in {@code data}; where several encodings match at one offset (an unpadded
   * base64 inside a padded one), only the longest.
   */
  List<Match> find(byte[] data) {
    List<Match> matches = new ArrayList<>();
    int last = data.length - 4;
    for (int i = 0; i <= last; i++) {
      if (!firstByte[data[i] & 0xff]) {
        continue;
      }
      List<Pattern> candidates = byPrefix.get(prefix(data, i));
      if (candidates == null) {
        continue;
      }
      Pattern best = null;
      for (Pattern pattern : candidates) {
        if (startsWith(data, i, pattern.bytes())
            && (best == null || pattern.bytes().length > best.bytes().length)) {
          best = pattern;
        }
      }
      if (best != null) {
        matches.add(new Match(best, i));
        // An unpadded pattern may also begin inside what matched (never for these lengths).
        i += best.bytes().length - 1;
      }
    }
    return matches;
  }

  private static boolean startsWith(byte[] data, int at, byte[] pattern) {
    if (at + pattern.length > data.length) {
      return false;
    }
    for (int j = 0; j < pattern.length; j++) {
      if (data[at + j] != pattern[j]) {
        return false;
      }
    }
    return true;
  }

  /** Forgets the keys (overwrites the bytes held). */
  void clear() {
    for (Pattern pattern : patterns) {
      Arrays.fill(pattern.bytes(), (byte) 0);
    }
    patterns.clear();
    byPrefix = new HashMap<>();
  }
}
