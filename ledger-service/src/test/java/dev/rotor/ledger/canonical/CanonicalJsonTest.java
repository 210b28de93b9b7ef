package dev.rotor.ledger.canonical;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/** RFC 8785 canonical JSON: member order, string escaping and ECMAScript number formatting. */
class CanonicalJsonTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void writesNumbersAsEcmaScriptDoesForEveryReferenceVector() throws Exception {
    int checked = 0;
    try (BufferedReader vectors =
        new BufferedReader(
            new InputStreamReader(
                Objects.requireNonNull(getClass().getResourceAsStream("/es6-number-vectors.txt")),
                StandardCharsets.US_ASCII))) {
      for (String line = vectors.readLine(); line != null; line = vectors.readLine()) {
        if (line.startsWith("#") || line.isBlank()) {
          continue;
        }
        String[] parts = line.split(" ");
        double value = Double.longBitsToDouble(HexFormat.fromHexDigitsToLong(parts[0]));
        assertThat(CanonicalJson.number(value, "$")).as("bits %s", parts[0]).isEqualTo(parts[1]);
        checked++;
      }
    }
    assertThat(checked).isGreaterThan(400);
  }

  @Test
  void sortsMembersByUtf16CodeUnitsAtEveryDepthAndDropsWhitespace() throws Exception {
    JsonNode value =
        JSON.readTree(
            "{ \"b\": [ 3, {\"z\": 1, \"a\": 2} ], \"a\": true, \"\u20ac\": 1, \"\ud83d\ude00\": 2,"
                + " \"\ufb33\": 3, \"A\": null, \"aa\": \"x\" }");
    assertThat(new String(CanonicalJson.bytes(value), StandardCharsets.UTF_8))
        .isEqualTo(
            "{\"A\":null,\"a\":true,\"aa\":\"x\",\"b\":[3,{\"a\":2,\"z\":1}],\"\u20ac\":1,"
                + "\"\ud83d\ude00\":2,\"\ufb33\":3}");
  }

  @Test
  void escapesStringsAsJsonStringifyDoes() {
    JsonNode value =
        JsonNodeFactory.instance.textNode(
            "quote\" backslash\\ tab\t nl\n cr\r bs\b ff\f nul\u0000 us\u001f del\u007f"
                + " slash/ euro\u20ac line-sep\u2028");
    assertThat(new String(CanonicalJson.bytes(value), StandardCharsets.UTF_8))
        .isEqualTo(
            "\"quote\\\" backslash\\\\ tab\\t nl\\n cr\\r bs\\b ff\\f nul\\u0000 us\\u001f"
                + " del\u007f slash/ euro\u20ac line-sep\u2028\"");
  }

  @Test
  void refusesWhatHasNoCanonicalForm() {
    JsonNodeFactory nodes = JsonNodeFactory.instance;
    assertThatThrownBy(() -> CanonicalJson.bytes(nodes.numberNode(Double.NaN)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CanonicalJson.bytes(nodes.numberNode((1L << 53) + 1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> CanonicalJson.bytes(nodes.objectNode().put("s", "lone \ud800 surrogate")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("$.s");
  }

  @Test
  void integersUpToTwoToTheFiftyThirdAreWrittenExactly() {
    assertThat(CanonicalJson.bytes(JsonNodeFactory.instance.numberNode(1L << 53)))
        .asString(StandardCharsets.UTF_8)
        .isEqualTo("9007199254740992");
    assertThat(CanonicalJson.bytes(JsonNodeFactory.instance.numberNode(-42)))
        .asString(StandardCharsets.UTF_8)
        .isEqualTo("-42");
  }
}
