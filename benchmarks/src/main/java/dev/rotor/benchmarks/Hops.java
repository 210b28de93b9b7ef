package dev.rotor.benchmarks;

import dev.rotor.benchmarks.EventLog.Seen;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.Phase;
import dev.rotor.common.event.RolloutCompleted;
import dev.rotor.common.event.RolloutStarted;
import dev.rotor.common.event.VerificationPassed;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Where one rotation's time went: contiguous segments between the record timestamps of the events
 * that mark each service's hand-over, which add up to the time from the request to {@code
 * rotation.completed}.
 *
 * <ul>
 *   <li>{@code key-generator}: {@code rotation.requested} to {@code key.generated}
 *   <li>{@code manifest-service: propose}: to {@code manifest.proposed} (branch and two commits
 *       pushed)
 *   <li>{@code approver}: to {@code rotation.approved} (the benchmark approves at once)
 *   <li>{@code manifest-service: merge}: to {@code manifest.approved} (merged and pushed)
 *   <li>per stage's cluster C: {@code cluster-agent C: pick-up} (to its {@code rollout.started}
 *       distribute), {@code ...: distribute} (to {@code rollout.completed} distribute), {@code ...:
 *       promote} (to {@code rollout.completed} promote), {@code verifier C} (to {@code
 *       verification.passed})
 *   <li>{@code verifier: complete}: to {@code rotation.completed}
 * </ul>
 */
final class Hops {
  private Hops() {}

  /** A rotation's segments in order (milliseconds) and the total. */
  record Breakdown(
      String rotationId,
      Map<String, Long> segments,
      long totalMillis,
      long startMillis,
      long endMillis) {}

  /**
   * Each segment's durations over {@code breakdowns}, segments in the order first seen: rotations
   * on different clusters ({@code --stages} fewer than the clusters) have different segments.
   */
  static Map<String, List<Double>> bySegment(List<Breakdown> breakdowns) {
    Map<String, List<Double>> by = new LinkedHashMap<>();
    for (Breakdown b : breakdowns) {
      b.segments()
          .forEach(
              (segment, millis) ->
                  by.computeIfAbsent(segment, k -> new java.util.ArrayList<>())
                      .add((double) millis));
    }
    return by;
  }

  /** The breakdown, or empty when the rotation has not completed (or misses a marking event). */
  static Optional<Breakdown> of(String rotationId, List<Seen> events, List<String> clusters) {
    Map<String, Long> segments = new LinkedHashMap<>();
    Long start = time(events, type(EventType.ROTATION_REQUESTED));
    if (start == null) {
      return Optional.empty();
    }
    long[] last = {start};
    if (!step(segments, last, "key-generator", time(events, type(EventType.KEY_GENERATED)))
        || !step(
            segments,
            last,
            "manifest-service: propose",
            time(events, type(EventType.MANIFEST_PROPOSED)))
        || !step(
            segments, last, "approver (benchmark)", time(events, type(EventType.ROTATION_APPROVED)))
        || !step(
            segments,
            last,
            "manifest-service: merge",
            time(events, type(EventType.MANIFEST_APPROVED)))) {
      return Optional.empty();
    }
    for (String cluster : clusters) {
      if (!step(
              segments,
              last,
              "cluster-agent " + cluster + ": pick-up",
              time(events, started(cluster, Phase.DISTRIBUTE)))
          || !step(
              segments,
              last,
              "cluster-agent " + cluster + ": distribute",
              time(events, completed(cluster, Phase.DISTRIBUTE)))
          || !step(
              segments,
              last,
              "cluster-agent " + cluster + ": promote",
              time(events, completed(cluster, Phase.PROMOTE)))
          || !step(segments, last, "verifier " + cluster, time(events, passed(cluster)))) {
        return Optional.empty();
      }
    }
    if (!step(
        segments, last, "verifier: complete", time(events, type(EventType.ROTATION_COMPLETED)))) {
      return Optional.empty();
    }
    return Optional.of(new Breakdown(rotationId, segments, last[0] - start, start, last[0]));
  }

  private static boolean step(Map<String, Long> segments, long[] last, String name, Long at) {
    if (at == null) {
      return false;
    }
    segments.put(name, at - last[0]);
    last[0] = at;
    return true;
  }

  private static Long time(List<Seen> events, Predicate<Seen> which) {
    return events.stream().filter(which).map(Seen::recordMillis).findFirst().orElse(null);
  }

  static Predicate<Seen> type(EventType type) {
    return s -> s.event().type() == type;
  }

  private static Predicate<Seen> started(String cluster, Phase phase) {
    return s ->
        s.event().data() instanceof RolloutStarted r
            && r.cluster().equals(cluster)
            && r.phase() == phase;
  }

  private static Predicate<Seen> completed(String cluster, Phase phase) {
    return s ->
        s.event().data() instanceof RolloutCompleted r
            && r.cluster().equals(cluster)
            && r.phase() == phase;
  }

  private static Predicate<Seen> passed(String cluster) {
    return s -> s.event().data() instanceof VerificationPassed v && v.cluster().equals(cluster);
  }
}
