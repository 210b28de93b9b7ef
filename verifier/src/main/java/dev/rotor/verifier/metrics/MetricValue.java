package dev.rotor.verifier.metrics;

/**
 * What one metric read: a finite value, or no data with the reason (an empty result, NaN, a
 * rejected query, an unreachable source). No data is never zero.
 *
 * @param value the value; null when there was no data
 * @param note why there is no value, or a remark on the value (e.g. how many series were combined)
 */
public record MetricValue(Double value, String note) {

  public MetricValue {
    if (value != null && value.isNaN()) {
      throw new IllegalArgumentException("value: NaN is no data, not a value");
    }
  }

  public static MetricValue of(double value) {
    return Double.isNaN(value) ? noData("NaN") : new MetricValue(value, null);
  }

  public static MetricValue of(double value, String note) {
    return Double.isNaN(value) ? noData("NaN") : new MetricValue(value, note);
  }

  public static MetricValue noData(String why) {
    return new MetricValue(null, why);
  }

  public boolean hasData() {
    return value != null;
  }
}
