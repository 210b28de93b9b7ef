package dev.rotor.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.benchmarks.Hops.Breakdown;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HopsTest {

  @Test
  void segmentsOfRotationsOnDifferentClustersAreEachCountedOverTheRotationsThatHaveThem() {
    Breakdown one =
        breakdown("r1", Map.of("key-generator", 10L), "cluster-agent bench-1: distribute", 100L);
    Breakdown two =
        breakdown("r2", Map.of("key-generator", 20L), "cluster-agent bench-2: distribute", 200L);
    Breakdown three =
        breakdown("r3", Map.of("key-generator", 30L), "cluster-agent bench-1: distribute", 300L);

    Map<String, List<Double>> by = Hops.bySegment(List.of(one, two, three));

    assertThat(by.keySet())
        .containsExactly(
            "key-generator",
            "cluster-agent bench-1: distribute",
            "cluster-agent bench-2: distribute");
    assertThat(by.get("key-generator")).containsExactly(10.0, 20.0, 30.0);
    assertThat(by.get("cluster-agent bench-1: distribute")).containsExactly(100.0, 300.0);
    assertThat(by.get("cluster-agent bench-2: distribute")).containsExactly(200.0);
  }

  private static Breakdown breakdown(
      String id, Map<String, Long> first, String clusterSegment, long clusterMillis) {
    Map<String, Long> segments = new LinkedHashMap<>(first);
    segments.put(clusterSegment, clusterMillis);
    long total = segments.values().stream().mapToLong(Long::longValue).sum();
    return new Breakdown(id, segments, total, 0, total);
  }
}
