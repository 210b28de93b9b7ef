package dev.rotor.examples.secrets.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * Publishes {@code http_server_requests_seconds} as a histogram with buckets ({@code
 * _bucket{le=}}), so Prometheus can compute the p99 latency that Rotor's verifier compares across a
 * rotation.
 */
public class HttpHistograms {
  static final String HTTP_SERVER_REQUESTS = "http.server.requests";

  @Produces
  @Singleton
  MeterFilter httpServerRequestHistogram() {
    return new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(
          Meter.Id id, DistributionStatisticConfig config) {
        if (id.getName().equals(HTTP_SERVER_REQUESTS)) {
          return DistributionStatisticConfig.builder()
              .percentilesHistogram(true)
              .build()
              .merge(config);
        }
        return config;
      }
    };
  }
}
