package dev.rotor.ledger.merkle;

/**
 * The leaves {@code [begin, end)} of the log; {@code MTH(D[begin:end])} in RFC 9162's notation.
 *
 * @param begin the first leaf
 * @param end one past the last leaf
 */
public record Range(long begin, long end) {
  public Range {
    if (begin < 0 || end <= begin) {
      throw new IllegalArgumentException(
          "range: [" + begin + ", " + end + ") is empty or negative");
    }
  }
}
