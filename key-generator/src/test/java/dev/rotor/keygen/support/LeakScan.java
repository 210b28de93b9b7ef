package dev.rotor.keygen.support;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.common.crypto.GeneratedKey;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.event.Topics;
import dev.rotor.testsupport.KafkaTestClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * Looks for plaintext keys where they must never be. The keys are learnt the way the security team
 * would: by opening the escrow copy of every {@code key.generated} on rotor.keys. Texts are read as
 * ISO-8859-1, so that raw key bytes survive as characters and can be searched like the rest.
 */
public final class LeakScan {

  /** A place the key must not be, and its content. */
  public record Haystack(String where, String text) {}

  private LeakScan() {}

  /** Every key on rotor.keys, by fingerprint: its raw bytes, hex, base64 and base64url. */
  public static Map<String, List<String>> keysOfTheRun(KafkaTestClient kafka) {
    Map<String, List<String>> keys = new LinkedHashMap<>();
    for (EventEnvelope event :
        RotorEvents.events(kafka, Topics.KEYS, e -> e.data() instanceof KeyGenerated)) {
      KeyGenerated key = (KeyGenerated) event.data();
      try (GeneratedKey opened = Unsealing.fromEscrow(key)) {
        assertThat(opened.fingerprint()).isEqualTo(key.fingerprint());
        keys.put(key.fingerprint(), forms(opened));
      }
    }
    return keys;
  }

  /** Every record of every rotor.* topic: key, value and every header, one haystack per topic. */
  public static List<Haystack> topics(KafkaTestClient kafka) {
    List<Haystack> haystacks = new ArrayList<>();
    for (String topic : RotorEvents.ALL_TOPICS.split(",")) {
      StringBuilder text = new StringBuilder();
      List<ConsumerRecord<byte[], byte[]>> records = kafka.readAll(topic);
      for (ConsumerRecord<byte[], byte[]> record : records) {
        append(text, record.key());
        append(text, record.value());
        for (Header header : record.headers()) {
          text.append(header.key()).append('=');
          append(text, header.value());
        }
      }
      haystacks.add(
          new Haystack("topic " + topic + " (" + records.size() + " records)", text.toString()));
    }
    return haystacks;
  }

  /** Every line every application of the run logged (quarkus.log.file of the test profile). */
  public static Haystack log() {
    Path directory = Paths.get(System.getProperty("rotor.test.tmpdir", "target"));
    StringBuilder text = new StringBuilder();
    List<Path> files;
    try (Stream<Path> list = Files.list(directory)) {
      files =
          list.filter(p -> p.getFileName().toString().startsWith("key-generator-test.log"))
              .sorted()
              .toList();
      for (Path file : files) {
        text.append(new String(Files.readAllBytes(file), ISO_8859_1));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    assertThat(files).as("the captured log in %s", directory).isNotEmpty();
    return new Haystack("log " + files, text.toString());
  }

  /** Fails naming the key (by its key id) and the place, if any key is in any haystack. */
  public static void assertNoKeyIn(Map<String, List<String>> keys, List<Haystack> haystacks) {
    for (Map.Entry<String, List<String>> key : keys.entrySet()) {
      for (Haystack haystack : haystacks) {
        for (String form : key.getValue()) {
          assertThat(haystack.text().contains(form))
              .as("key %s in %s", key.getKey().substring(0, 8), haystack.where())
              .isFalse();
        }
      }
    }
  }

  private static List<String> forms(GeneratedKey key) {
    byte[] raw = key.copyRaw();
    try {
      String hex = HexFormat.of().formatHex(raw);
      return List.of(
          new String(raw, ISO_8859_1),
          hex,
          hex.toUpperCase(Locale.ROOT),
          Base64.getEncoder().withoutPadding().encodeToString(raw),
          Base64.getUrlEncoder().withoutPadding().encodeToString(raw));
    } finally {
      Arrays.fill(raw, (byte) 0);
    }
  }

  private static void append(StringBuilder text, byte[] bytes) {
    if (bytes != null) {
      text.append(new String(bytes, ISO_8859_1)).append('\n');
    }
  }
}
