package dev.rotor.ledger.canonical;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The JSON Canonicalization Scheme of RFC 8785: object members sorted by their names' UTF-16 code
 * units, no insignificant whitespace, strings escaped as ECMAScript's {@code JSON.stringify} does,
 * numbers written as ECMAScript's {@code Number.prototype.toString} writes an IEEE-754 double, all
 * in UTF-8. The same JSON value always gives the same bytes, whoever wrote it first.
 *
 * <p>Refused (an {@link IllegalArgumentException} naming the path): NaN and infinities, integers
 * beyond 2^53 (not exactly representable as a double), strings with an unpaired surrogate.
 */
public final class CanonicalJson {
  private static final long MAX_EXACT_INTEGER = 1L << 53;
  private static final BigInteger MAX_EXACT = BigInteger.valueOf(MAX_EXACT_INTEGER);
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private CanonicalJson() {}

  /** The canonical UTF-8 bytes of {@code value}. */
  public static byte[] bytes(JsonNode value) {
    StringBuilder out = new StringBuilder(256);
    write(value, out, "$");
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void write(JsonNode node, StringBuilder out, String path) {
    switch (node.getNodeType()) {
      case OBJECT -> writeObject(node, out, path);
      case ARRAY -> {
        out.append('[');
        for (int i = 0; i < node.size(); i++) {
          if (i > 0) {
            out.append(',');
          }
          write(node.get(i), out, path + "[" + i + "]");
        }
        out.append(']');
      }
      case STRING -> writeString(node.textValue(), out, path);
      case NUMBER -> out.append(number(node, path));
      case BOOLEAN -> out.append(node.booleanValue() ? "true" : "false");
      case NULL -> out.append("null");
      default ->
          throw new IllegalArgumentException(path + ": " + node.getNodeType() + " is not JSON");
    }
  }

  private static void writeObject(JsonNode node, StringBuilder out, String path) {
    List<Map.Entry<String, JsonNode>> members = new ArrayList<>(node.size());
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      members.add(it.next());
    }
    // String.compareTo compares UTF-16 code units, which is RFC 8785's order.
    members.sort(Map.Entry.comparingByKey());
    out.append('{');
    for (int i = 0; i < members.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      Map.Entry<String, JsonNode> member = members.get(i);
      String childPath = path + "." + member.getKey();
      writeString(member.getKey(), out, childPath);
      out.append(':');
      write(member.getValue(), out, childPath);
    }
    out.append('}');
  }

  private static void writeString(String value, StringBuilder out, String path) {
    out.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\b' -> out.append("\\b");
        case '\t' -> out.append("\\t");
        case '\n' -> out.append("\\n");
        case '\f' -> out.append("\\f");
        case '\r' -> out.append("\\r");
        default -> {
          if (c < 0x20) {
            out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
          } else if (Character.isHighSurrogate(c)) {
            if (i + 1 >= value.length() || !Character.isLowSurrogate(value.charAt(i + 1))) {
              throw new IllegalArgumentException(path + ": contains an unpaired surrogate");
            }
            out.append(c).append(value.charAt(++i));
          } else if (Character.isLowSurrogate(c)) {
            throw new IllegalArgumentException(path + ": contains an unpaired surrogate");
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  private static String number(JsonNode node, String path) {
    if (node.isIntegralNumber()) {
      BigInteger value = node.bigIntegerValue();
      if (value.abs().compareTo(MAX_EXACT) > 0) {
        throw new IllegalArgumentException(
            path + ": integer beyond 2^53 has no exact canonical form");
      }
      return value.toString();
    }
    return number(node.doubleValue(), path);
  }

  /**
   * ECMAScript's {@code Number.prototype.toString} of a finite double (RFC 8785 section 3.2.2.3).
   */
  static String number(double value, String path) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      throw new IllegalArgumentException(path + ": NaN and infinities are not JSON numbers");
    }
    if (value == 0) {
      return "0"; // also -0
    }
    if (value < 0) {
      return "-" + number(-value, path);
    }
    BigDecimal shortest = shortest(value);
    String digits = shortest.unscaledValue().toString();
    int k = digits.length();
    int n = k - shortest.scale();
    StringBuilder out = new StringBuilder(32);
    if (k <= n && n <= 21) {
      out.append(digits);
      out.append("0".repeat(n - k));
    } else if (0 < n && n <= 21) {
      out.append(digits, 0, n).append('.').append(digits, n, k);
    } else if (-6 < n && n <= 0) {
      out.append("0.").append("0".repeat(-n)).append(digits);
    } else {
      int exponent = n - 1;
      out.append(digits.charAt(0));
      if (k > 1) {
        out.append('.').append(digits, 1, k);
      }
      out.append('e').append(exponent < 0 ? '-' : '+').append(Math.abs(exponent));
    }
    return out.toString();
  }

  /**
   * The decimal with the fewest significant digits that reads back as {@code value}; of two such,
   * the closer, and of two equally close, the one with an even last digit (ECMAScript's rule). At
   * each precision the only candidates are {@code value} rounded down and rounded up.
   */
  private static BigDecimal shortest(double value) {
    BigDecimal exact = new BigDecimal(value);
    for (int precision = 1; precision <= 17; precision++) {
      BigDecimal down = exact.round(new MathContext(precision, RoundingMode.FLOOR));
      BigDecimal up = exact.round(new MathContext(precision, RoundingMode.CEILING));
      boolean downReads = down.doubleValue() == value;
      boolean upReads = up.doubleValue() == value;
      if (downReads || upReads) {
        BigDecimal pick;
        if (downReads && upReads && down.compareTo(up) != 0) {
          int closer = exact.subtract(down).compareTo(up.subtract(exact));
          if (closer != 0) {
            pick = closer < 0 ? down : up;
          } else {
            pick = down.unscaledValue().testBit(0) ? up : down;
          }
        } else {
          pick = downReads ? down : up;
        }
        return pick.stripTrailingZeros();
      }
    }
    throw new IllegalStateException("no decimal of 17 digits reads back as " + value);
  }
}
