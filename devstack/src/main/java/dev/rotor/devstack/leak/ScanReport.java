package dev.rotor.devstack.leak;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a leak scan looked at and found: per source (Kafka, logs, PostgreSQL, Git, HTTP) how many
 * items and bytes it read, every hit with where it is, whose key and which encoding, and what could
 * not be scanned. Never holds a key.
 */
public final class ScanReport {
  /**
   * A key found where it must not be.
   *
   * @param source {@code kafka}, {@code logs}, {@code postgres}, {@code git} or {@code http}
   * @param where e.g. {@code rotor.keys/0@12 value}, {@code logs/verifier.log:118}, {@code
   *     ledger.public.ledger_entries row 3 column event}, {@code git/aether.git blob 1a2b...}, a
   *     URL
   * @param keyId the key's id (first 8 hex characters of its fingerprint)
   * @param rotation the rotation that generated it, or how the key is known
   * @param encoding {@code raw}, {@code base64}, {@code base64url unpadded}, {@code hex}, ...
   */
  public record Finding(
      String source, String where, String keyId, String rotation, String encoding) {}

  /** What one source read. */
  public static final class Counts {
    long items;
    long bytes;
    final Map<String, Long> detail = new TreeMap<>();

    void add(long itemBytes) {
      items++;
      bytes += itemBytes;
    }

    public long items() {
      return items;
    }

    public long bytes() {
      return bytes;
    }

    public Map<String, Long> detail() {
      return detail;
    }
  }

  private final Map<String, Counts> counts = new LinkedHashMap<>();
  private final List<Finding> findings = Collections.synchronizedList(new ArrayList<>());
  private final List<String> errors = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, String> rotations = new LinkedHashMap<>();
  private List<String> keyIds = List.of();
  private long millis;

  /** A scan that could not run at all. */
  public static ScanReport failed(String why) {
    ScanReport report = new ScanReport();
    report.error(why);
    return report;
  }

  Counts counts(String source) {
    return counts.computeIfAbsent(source, s -> new Counts());
  }

  void finding(String source, String where, KeyPatterns.Match match) {
    findings.add(
        new Finding(source, where, match.pattern().keyId(), null, match.pattern().encoding()));
  }

  void error(String what) {
    errors.add(what);
  }

  /** Names the rotation that generated a key (from its key.generated event). */
  void rotation(String keyId, String rotationId) {
    rotations.put(keyId, rotationId);
  }

  void keyIds(List<String> keyIds) {
    this.keyIds = List.copyOf(keyIds);
  }

  void millis(long millis) {
    this.millis = millis;
  }

  public Map<String, Counts> counts() {
    return counts;
  }

  /** Every hit, each with the rotation of its key. */
  public List<Finding> findings() {
    List<Finding> named = new ArrayList<>();
    synchronized (findings) {
      for (Finding f : findings) {
        named.add(
            new Finding(f.source(), f.where(), f.keyId(), rotationOf(f.keyId()), f.encoding()));
      }
    }
    return named;
  }

  private String rotationOf(String keyId) {
    String rotation = rotations.get(keyId);
    return rotation == null ? "no key.generated event (the seeded first key?)" : rotation;
  }

  public List<String> errors() {
    return List.copyOf(errors);
  }

  public List<String> keyIds() {
    return keyIds;
  }

  public long millis() {
    return millis;
  }

  /** 0: clean; 1: a key was found; 2: something could not be scanned (and nothing was found). */
  public int exitCode() {
    if (!findings.isEmpty()) {
      return 1;
    }
    return errors.isEmpty() ? 0 : 2;
  }

  public void print(PrintStream out) {
    out.printf(
        Locale.ROOT,
        "Leak scan: %d keys (%s) in every encoding, %.1f s%n",
        keyIds.size(),
        String.join(", ", keyIds.stream().map(k -> k + " " + rotationLabel(k)).toList()),
        millis / 1000.0);
    counts.forEach(
        (source, c) ->
            out.printf(
                Locale.ROOT,
                "  %-9s %7d %-9s %,14d bytes  %s%n",
                source,
                c.items,
                unit(source),
                c.bytes,
                c.detail.isEmpty() ? "" : c.detail));
    for (Finding f : findings()) {
      out.println(
          "  ROTOR-8131 LEAK "
              + f.source()
              + " "
              + f.where()
              + ": key "
              + f.keyId()
              + " (rotation "
              + f.rotation()
              + ") as "
              + f.encoding());
    }
    for (String error : errors()) {
      out.println("  ROTOR-8132 not scanned: " + error);
    }
    out.println(
        switch (exitCode()) {
          case 0 -> "  clean: no key in any of it";
          case 1 -> "  ROTOR-8131 " + findings.size() + " leaks";
          default -> "  ROTOR-8132 incomplete: " + errors.size() + " sources could not be scanned";
        });
  }

  private String rotationLabel(String keyId) {
    String rotation = rotations.get(keyId);
    return rotation == null ? "(seed)" : "(" + rotation + ")";
  }

  private static String unit(String source) {
    return switch (source) {
      case "kafka" -> "records";
      case "logs" -> "files";
      case "postgres" -> "rows";
      case "git" -> "objects";
      case "http" -> "responses";
      default -> "items";
    };
  }

  public void write(Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    new ObjectMapper()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(file.toFile(), toMap());
  }

  /** The report as JSON-ready maps (what {@link #write} writes). */
  public Map<String, Object> toMap() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("clean", exitCode() == 0);
    json.put("exitCode", exitCode());
    json.put("millis", millis);
    Map<String, String> keys = new LinkedHashMap<>();
    keyIds.forEach(k -> keys.put(k, rotations.get(k)));
    json.put("keys", keys);
    Map<String, Object> scanned = new LinkedHashMap<>();
    counts.forEach(
        (source, c) -> {
          Map<String, Object> s = new LinkedHashMap<>();
          s.put("items", c.items);
          s.put("bytes", c.bytes);
          s.put("detail", c.detail);
          scanned.put(source, s);
        });
    json.put("scanned", scanned);
    json.put("findings", findings());
    json.put("errors", errors());
    return json;
  }
}
