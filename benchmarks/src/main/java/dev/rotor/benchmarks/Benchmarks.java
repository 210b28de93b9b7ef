package dev.rotor.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.benchmarks.Bench.Report;
import dev.rotor.benchmarks.EventLog.Seen;
import dev.rotor.benchmarks.Hops.Breakdown;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.RotationApproved;
import dev.rotor.common.event.RotationRequested;
import dev.rotor.common.event.Topics;
import dev.rotor.common.messaging.KafkaEvents;
import dev.rotor.devstack.process.ManagedProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** The three benchmarks, on a started {@link BenchStack}. */
final class Benchmarks {
  private static final String SOURCE = "/rotor/benchmark";
  private static final Set<EventType> ENDS =
      Set.of(
          EventType.ROTATION_COMPLETED,
          EventType.ROTATION_FAILED,
          EventType.ROTATION_REJECTED,
          EventType.ROTATION_ROLLED_BACK,
          EventType.VERIFICATION_FAILED,
          EventType.VERIFICATION_INCONCLUSIVE);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final int WARM_UP = 3;
  private static final int IDLE_SECONDS = 20;

  private final BenchStack stack;
  private final BenchOptions options;
  private final Report report;

  Benchmarks(BenchStack stack, BenchOptions options, Report report) {
    this.stack = stack;
    this.options = options;
    this.report = report;
  }

  // ------------------------------------------------------------------------------ overhead

  int overhead() {
    Stats rttBefore = kafkaRoundTrip(200);
    List<Breakdown> measured = new ArrayList<>();
    CpuUse.Snapshot cpuBefore;
    CpuUse.Report cpu;
    CpuUse.Report idle;
    List<Double> ledgerLags = new ArrayList<>();
    try (Driver driver = new Driver()) {
      report.line("Warm-up: %d rotations (not counted)", WARM_UP);
      for (int i = 0; i < WARM_UP; i++) {
        String id = "bench-warm-" + i;
        if (!driver.rotate(id, 1 + i % options.targets())) {
          return 1;
        }
      }
      report.line(
          "Measuring %d rotations, one after the other, round-robin over %d targets",
          options.rotations(), options.targets());
      report.line("Idle for %d s, to tell each process's CPU at rest from its work", IDLE_SECONDS);
      CpuUse.Snapshot idleStart = CpuUse.take(stack.processes());
      sleep(IDLE_SECONDS * 1000L);
      idle = CpuUse.between(idleStart, CpuUse.take(stack.processes()));
      Instant began = Instant.now();
      cpuBefore = CpuUse.take(stack.processes());
      for (int i = 0; i < options.rotations(); i++) {
        String id = "bench-o-" + i;
        if (!driver.rotate(id, 1 + i % options.targets())) {
          return 1;
        }
        Breakdown b =
            Hops.of(id, driver.log.of(id), stack.stagesOf(1 + i % options.targets()))
                .orElseThrow(() -> new IllegalStateException(id + ": events missing"));
        measured.add(b);
        ledgerLags.add((double) ledgerLag(id, b.endMillis()));
        if ((i + 1) % 10 == 0) {
          report.line(
              "  %3d/%d done (last %d ms, load %s)",
              i + 1, options.rotations(), b.totalMillis(), Report.loadAverage());
        }
      }
      report.line(
          "  %d rotations in %.1f s",
          measured.size(), Duration.between(began, Instant.now()).toMillis() / 1000.0);
      cpu = CpuUse.between(cpuBefore, CpuUse.take(stack.processes()));
    }
    Stats rttAfter = kafkaRoundTrip(200);
    Stats total = Stats.of(measured.stream().map(b -> (double) b.totalMillis()).toList());
    report.line("");
    report.line(
        "== Orchestration overhead: request to rotation.completed (%d clusters, zero soak,",
        stack.clusters().size());
    report.line("   local approval by the benchmark at once, rollout simulator with zero delay)");
    report.line("%-44s %8s %8s %8s %8s", "", "p50 ms", "p90 ms", "p99 ms", "max ms");
    row("request -> rotation.completed", total);
    row("Kafka produce->consume round trip (before)", rttBefore);
    row("Kafka produce->consume round trip (after)", rttAfter);
    int hops = measured.get(0).segments().size();
    double rtt = (rttBefore.p50() + rttAfter.p50()) / 2;
    report.line(
        "ratio p50 rotation / p50 round trip: %.0f  (%d hand-overs on the critical path; %.0f x %.1f ms"
            + " of pure Kafka = %.0f ms)",
        total.p50() / rtt, hops, (double) hops, rtt, hops * rtt);
    report.line("target p50 < 1000 ms: %s", total.p50() < 1000 ? "MET" : "MISSED");
    report.line("");
    segments(measured);
    row("ledger lag (rotation.completed -> ledger record COMPLETED)", Stats.of(ledgerLags));
    cpu(cpu, idle, measured.size());
    rss("after the rotations");
    timers();
    return 0;
  }

  // --------------------------------------------------------------------------------- fleet

  int fleet() {
    Stats rtt = kafkaRoundTrip(100);
    int n = options.targets();
    List<Breakdown> done = new ArrayList<>();
    long firstRequest;
    long lastEnd;
    Map<String, EnvelopeEnd> ends;
    try (Driver driver = new Driver()) {
      report.line("Requesting %d rotations at once (one per target)", n);
      List<String> ids = new ArrayList<>();
      CpuUse.Snapshot cpuBefore = CpuUse.take(stack.processes());
      long sendStart = System.currentTimeMillis();
      for (int i = 1; i <= n; i++) {
        String id = "bench-f-" + i;
        ids.add(id);
        driver.request(id, i);
      }
      driver.producer.flush();
      report.line("  %d requests sent in %d ms", n, System.currentTimeMillis() - sendStart);
      long deadline = System.nanoTime() + options.timeout().toNanos();
      int reported = 0;
      while (driver.ended() < n && System.nanoTime() < deadline) {
        sleep(1000);
        int ended = driver.ended();
        if (ended / 100 > reported / 100 || ended == n) {
          report.line(
              "  %4d/%d ended after %5.1f s (load %s)",
              ended, n, (System.currentTimeMillis() - sendStart) / 1000.0, Report.loadAverage());
        }
        reported = ended;
      }
      CpuUse.Report cpu = CpuUse.between(cpuBefore, CpuUse.take(stack.processes()));
      ends = new LinkedHashMap<>(driver.ends);
      int completed = 0;
      for (int i = 1; i <= n; i++) {
        String id = ids.get(i - 1);
        EnvelopeEnd end = ends.get(id);
        if (end != null && end.type() == EventType.ROTATION_COMPLETED) {
          completed++;
          Hops.of(id, driver.log.of(id), stack.stagesOf(i)).ifPresent(done::add);
        }
      }
      firstRequest = done.stream().mapToLong(Breakdown::startMillis).min().orElse(sendStart);
      lastEnd =
          done.stream().mapToLong(Breakdown::endMillis).max().orElse(System.currentTimeMillis());
      report.line("");
      report.line(
          "== Fleet: %d targets rotated at once on %d cluster(s), %d stage(s) each, zero soak",
          n, stack.clusters().size(), options.stages());
      report.line("completed: %d of %d; other ends: %s", completed, n, otherEnds(ends));
      double wall = (lastEnd - firstRequest) / 1000.0;
      report.line(
          "wall time (first request to last rotation.completed): %.1f s; %.1f rotations/s",
          wall, completed / wall);
      report.line("target < 60 s: %s", completed == n && wall < 60 ? "MET" : "MISSED");
      report.line(
          "Kafka produce->consume round trip in this run: p50 %.1f ms, p99 %.1f ms",
          rtt.p50(), rtt.p99());
      report.line("");
      report.line("Per rotation (queueing included):");
      report.line("%-44s %8s %8s %8s %8s", "", "p50 ms", "p90 ms", "p99 ms", "max ms");
      row(
          "request -> rotation.completed",
          Stats.of(done.stream().map(b -> (double) b.totalMillis()).toList()));
      segments(done);
      report.line("");
      windows(driver.log.all(), firstRequest);
      if (!done.isEmpty()) {
        Breakdown last =
            done.stream().max((a, b) -> Long.compare(a.endMillis(), b.endMillis())).get();
        report.line(
            "ledger: the last rotation was recorded COMPLETED %d ms after its rotation.completed",
            ledgerLag(last.rotationId(), last.endMillis()));
        long recorded =
            done.stream().filter(b -> "COMPLETED".equals(ledgerStatus(b.rotationId()))).count();
        report.line(
            "ledger: %d of %d completed rotations recorded COMPLETED", recorded, done.size());
      }
      cpu(cpu, null, completed);
      rss("after the fleet run");
      timers();
      return completed == n ? 0 : 1;
    }
  }

  private static String otherEnds(Map<String, EnvelopeEnd> ends) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    ends.values().stream()
        .filter(e -> e.type() != EventType.ROTATION_COMPLETED)
        .forEach(
            e ->
                counts.merge(
                    e.type().eventName() + (e.detail() == null ? "" : " (" + e.detail() + ")"),
                    1,
                    Integer::sum));
    return counts.isEmpty() ? "none" : counts.toString();
  }

  /** When each kind of event was sent: the first and the last, relative to the first request. */
  private void windows(List<Seen> events, long start) {
    report.line("When each service sent its events (s after the first request):");
    report.line(
        "%-26s %-30s %6s %8s %8s %8s", "event", "sent by", "count", "first", "last", "per s");
    Map<String, List<Long>> byKind = new LinkedHashMap<>();
    for (EventType type :
        List.of(
            EventType.ROTATION_REQUESTED,
            EventType.KEY_GENERATED,
            EventType.MANIFEST_PROPOSED,
            EventType.ROTATION_APPROVED,
            EventType.MANIFEST_APPROVED,
            EventType.ROLLOUT_STARTED,
            EventType.ROLLOUT_COMPLETED,
            EventType.VERIFICATION_STARTED,
            EventType.VERIFICATION_PASSED,
            EventType.ROTATION_COMPLETED,
            EventType.LEDGER_CHECKPOINT)) {
      byKind.put(type.eventName(), new ArrayList<>());
    }
    Map<String, String> senders = new LinkedHashMap<>();
    for (Seen seen : events) {
      if (seen.recordMillis() < start) {
        continue;
      }
      List<Long> times = byKind.get(seen.event().type().eventName());
      if (times != null) {
        times.add(seen.recordMillis());
        senders.putIfAbsent(seen.event().type().eventName(), seen.event().source());
      }
    }
    byKind.forEach(
        (kind, times) -> {
          if (times.isEmpty()) {
            return;
          }
          long first = times.stream().mapToLong(Long::longValue).min().getAsLong();
          long last = times.stream().mapToLong(Long::longValue).max().getAsLong();
          double span = (last - first) / 1000.0;
          report.line(
              "%-26s %-30s %6d %8.1f %8.1f %8s",
              kind,
              senders.get(kind),
              times.size(),
              (first - start) / 1000.0,
              (last - start) / 1000.0,
              span > 0 ? String.format("%.1f", times.size() / span) : "-");
        });
  }

  // ----------------------------------------------------------------------------- footprint

  int footprint() {
    report.line("");
    report.line("== Footprint: each service started alone, process start to /q/health/ready");
    report.line("%-30s %10s %10s", "service", "ready s", "RSS MB");
    stack
        .startups()
        .values()
        .forEach(
            s ->
                report.line(
                    "%-30s %10.1f %10d",
                    s.service(), s.toReady().toMillis() / 1000.0, s.rssKb() / 1024));
    long total = stack.startups().values().stream().mapToLong(BenchStack.Startup::rssKb).sum();
    report.line("%-30s %10s %10d", "all services", "", total / 1024);
    sleep(10_000);
    rss("10 s later, idle");
    return 0;
  }

  // -------------------------------------------------------------------------------- common

  private void segments(List<Breakdown> breakdowns) {
    if (breakdowns.isEmpty()) {
      return;
    }
    report.line("Where the time went (between the record timestamps of each hand-over):");
    report.line("%-44s %8s %8s %8s %8s", "", "p50 ms", "p90 ms", "p99 ms", "max ms");
    Map<String, List<Double>> bySegment = Hops.bySegment(breakdowns);
    bySegment.forEach(
        (segment, millis) ->
            row(
                millis.size() == breakdowns.size()
                    ? segment
                    : segment + " (" + millis.size() + " rotations)",
                Stats.of(millis)));
  }

  private void row(String name, Stats stats) {
    report.line(
        "%-44s %8.1f %8.1f %8.1f %8.1f", name, stats.p50(), stats.p90(), stats.p99(), stats.max());
  }

  /**
   * Where the CPU went while the rotations ran: each process's CPU seconds, per rotation, and its
   * share of what the machine's cores did. With {@code idle} (the same processes at rest), also
   * what each process uses when nothing happens (polling, scrapes, health checks) and what a
   * rotation costs beyond that. What no process of the stack used is the machine's other work (a
   * build, another benchmark), which makes every figure of the run slower than on a quiet machine.
   */
  private void cpu(CpuUse.Report cpu, CpuUse.Report idle, int rotations) {
    report.line("");
    report.line(
        "CPU used while the rotations ran (%.1f s on %d cores; each process with its children,"
            + " user + system):",
        cpu.windowSeconds(), Runtime.getRuntime().availableProcessors());
    report.line(
        "%-36s %9s %13s %7s %13s %17s",
        "process", "CPU s", "per rotation", "share", "at rest", "beyond rest");
    double machine = cpu.machineBusySeconds();
    double accounted = 0;
    double idleAccounted = 0;
    for (CpuUse.Used used : cpu.byProcess()) {
      double seconds = used.cpu().toMillis() / 1000.0;
      if (seconds <= 0) {
        continue;
      }
      accounted += seconds;
      double atRest =
          idle == null ? Double.NaN : idle.secondsOf(used.name()) / idle.windowSeconds();
      idleAccounted += Double.isNaN(atRest) ? 0 : atRest;
      cpuRow(used.name(), seconds, rotations, machine, atRest, cpu.windowSeconds());
    }
    cpuRow(
        "other work on the machine",
        Math.max(0, machine - accounted),
        rotations,
        machine,
        idle == null
            ? Double.NaN
            : Math.max(0, idle.machineBusySeconds() / idle.windowSeconds() - idleAccounted),
        cpu.windowSeconds());
    cpuRow(
        "machine, all cores (/proc/stat)",
        machine,
        rotations,
        machine,
        idle == null ? Double.NaN : idle.machineBusySeconds() / idle.windowSeconds(),
        cpu.windowSeconds());
    if (idle != null) {
      report.line(
          "  (at rest: CPU ms per second over %.0f s with no rotation; beyond rest: per rotation,"
              + " after taking off that rate over the run)",
          idle.windowSeconds());
    }
  }

  private void cpuRow(
      String name, double seconds, int rotations, double machine, double atRest, double window) {
    String beyond =
        Double.isNaN(atRest) || rotations == 0
            ? "-"
            : String.format("%.1f ms", (seconds - atRest * window) * 1000 / rotations);
    report.line(
        "%-36s %9.1f %10s ms %6.1f%% %8s ms/s %17s",
        name,
        seconds,
        rotations == 0 ? "-" : String.format("%.1f", seconds * 1000 / rotations),
        machine <= 0 ? 0 : seconds * 100 / machine,
        Double.isNaN(atRest) ? "-" : String.format("%.1f", atRest * 1000),
        beyond);
  }

  private void rss(String when) {
    report.line("");
    report.line("RSS of each service %s (/proc/<pid>/status VmRSS):", when);
    long total = 0;
    for (Map.Entry<String, ManagedProcess> e : stack.services().entrySet()) {
      long kb = Footprint.rssKb(e.getValue().pid());
      total += Math.max(0, kb);
      BenchStack.Startup startup = stack.startups().get(e.getKey());
      report.line(
          "  %-28s %6d MB  (at ready %d MB, ready in %.1f s)",
          e.getKey(),
          kb / 1024,
          startup == null ? -1 : startup.rssKb() / 1024,
          startup == null ? -1 : startup.toReady().toMillis() / 1000.0);
    }
    report.line("  %-28s %6d MB", "all services", total / 1024);
  }

  /** Each service's own timers (its /q/metrics): where it says its time went. */
  private void timers() {
    report.line("");
    report.line("The services' own timers over the whole run (/q/metrics, count and mean):");
    for (Map.Entry<String, Integer> e : stack.servicePorts().entrySet()) {
      try {
        HttpResponse<String> response =
            HTTP.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + e.getValue() + "/q/metrics"))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        for (ServiceTimers.Timer timer : ServiceTimers.parse(response.body())) {
          report.line(
              "  %-22s %-88s %7d %9.1f ms",
              e.getKey(), timer.series(), timer.count(), timer.meanMillis());
        }
      } catch (IOException ex) {
        report.line("  %-22s /q/metrics unreadable: %s", e.getKey(), ex.getMessage());
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Raw Kafka: one record produced, consumed by another client, {@code samples} times. */
  private Stats kafkaRoundTrip(int samples) {
    Map<String, Object> consumerConfig =
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            stack.kafka(),
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
            false,
            ConsumerConfig.CLIENT_ID_CONFIG,
            "rotor-bench-round-trip");
    List<Double> millis = new ArrayList<>();
    try (KafkaProducer<String, byte[]> producer = producer();
        KafkaConsumer<String, byte[]> consumer =
            new KafkaConsumer<>(
                consumerConfig, new StringDeserializer(), new ByteArrayDeserializer())) {
      TopicPartition partition = new TopicPartition(BenchStack.TOPIC_ROUND_TRIP, 0);
      consumer.assign(List.of(partition));
      consumer.seekToEnd(List.of(partition));
      consumer.position(partition, Duration.ofSeconds(10));
      byte[] payload = new byte[1024];
      for (int i = 0; i < samples + 20; i++) {
        long start = System.nanoTime();
        producer.send(new ProducerRecord<>(BenchStack.TOPIC_ROUND_TRIP, 0, "k", payload));
        boolean received = false;
        while (!received) {
          for (ConsumerRecord<String, byte[]> ignored : consumer.poll(Duration.ofMillis(100))) {
            received = true;
          }
          if (System.nanoTime() - start > TimeUnit.SECONDS.toNanos(30)) {
            throw new IllegalStateException("ROTOR-9011 a Kafka round trip took over 30 s");
          }
        }
        if (i >= 20) {
          millis.add((System.nanoTime() - start) / 1e6);
        }
      }
    }
    return Stats.of(millis);
  }

  private KafkaProducer<String, byte[]> producer() {
    // The Kafka client's defaults, as the services use them (acks=all, idempotence, linger 5 ms).
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            stack.kafka(),
            ProducerConfig.CLIENT_ID_CONFIG,
            "rotor-bench"),
        new StringSerializer(),
        new ByteArraySerializer());
  }

  /** Milliseconds from {@code completedMillis} until the ledger records the rotation COMPLETED. */
  private long ledgerLag(String rotationId, long completedMillis) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if ("COMPLETED".equals(ledgerStatus(rotationId))) {
        return System.currentTimeMillis() - completedMillis;
      }
      sleep(20);
    }
    throw new IllegalStateException(
        "ROTOR-9012 the ledger did not record " + rotationId + " as COMPLETED within 60 s");
  }

  private String ledgerStatus(String rotationId) {
    try {
      HttpResponse<String> response =
          HTTP.send(
              HttpRequest.newBuilder(
                      URI.create(stack.ledgerUrl() + "/ledger/rotations/" + rotationId))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        return null;
      }
      JsonNode record = JSON.readTree(response.body());
      return record.path("status").asText(null);
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted");
    }
  }

  /** How a rotation ended, as the benchmark saw it. */
  record EnvelopeEnd(EventType type, String detail, long recordMillis) {}

  /**
   * Sends requests as {@value Bench#REQUESTER}, approves every proposed change of its own rotations
   * at once as {@value Bench#APPROVER} (the policy's {@code security} team), and notes how each
   * ended.
   */
  private final class Driver implements AutoCloseable {
    final KafkaProducer<String, byte[]> producer = producer();
    final Map<String, String> targets = new ConcurrentHashMap<>();
    final Map<String, EnvelopeEnd> ends = new ConcurrentHashMap<>();
    final Map<String, CompletableFuture<EnvelopeEnd>> waiting = new ConcurrentHashMap<>();
    final EventLog log;

    Driver() {
      log = new EventLog(stack.kafka(), this::seen);
    }

    private void seen(Seen seen) {
      EventEnvelope event = seen.event();
      String id = event.rotationId();
      if (id == null || !targets.containsKey(id)) {
        return;
      }
      if (event.type() == EventType.MANIFEST_PROPOSED) {
        RotationApproved approval =
            new RotationApproved(id, targets.get(id), Bench.APPROVER, false, "benchmark");
        producer.send(
            KafkaEvents.toRecord(
                EventEnvelope.of(approval, SOURCE, Clock.systemUTC()), Topics.APPROVALS));
      } else if (ENDS.contains(event.type())) {
        String detail = null;
        if (event.type() != EventType.ROTATION_COMPLETED) {
          detail = String.valueOf(event.data()).replaceAll("plan=Plan\\[.*?\\]\\]", "plan=...");
          if (detail.length() > 300) {
            detail = detail.substring(0, 300) + "...";
          }
        }
        EnvelopeEnd end = new EnvelopeEnd(event.type(), detail, seen.recordMillis());
        if (ends.putIfAbsent(id, end) == null) {
          CompletableFuture<EnvelopeEnd> future = waiting.get(id);
          if (future != null) {
            future.complete(end);
          }
        }
      }
    }

    int ended() {
      return ends.size();
    }

    void request(String rotationId, int target) {
      String targetId = BenchSeed.targetId(target);
      targets.put(rotationId, targetId);
      waiting.put(rotationId, new CompletableFuture<>());
      RotationRequested request =
          new RotationRequested(
              rotationId, targetId, Bench.REQUESTER, "benchmark", List.of(), Instant.now());
      producer.send(
          KafkaEvents.toRecord(
              EventEnvelope.of(request, SOURCE, Clock.systemUTC()), Topics.REQUESTS));
    }

    /** Requests one rotation and waits for its end; false (reported) unless it completed. */
    boolean rotate(String rotationId, int target) {
      request(rotationId, target);
      producer.flush();
      try {
        EnvelopeEnd end =
            waiting.get(rotationId).get(options.timeout().toMillis(), TimeUnit.MILLISECONDS);
        if (end.type() != EventType.ROTATION_COMPLETED) {
          report.line(
              "ROTOR-9013 rotation %s ended with %s: %s",
              rotationId, end.type().eventName(), end.detail());
          return false;
        }
        return true;
      } catch (TimeoutException e) {
        report.line(
            "ROTOR-9014 rotation %s did not end within %s; its events: %s",
            rotationId,
            options.timeout(),
            log.of(rotationId).stream().map(s -> s.event().type().eventName()).toList());
        return false;
      } catch (ExecutionException e) {
        throw new IllegalStateException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }

    @Override
    public void close() {
      log.close();
      producer.close(Duration.ofSeconds(5));
    }
  }
}
