package dev.rotor.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CpuUseTest {

  @Test
  void busyIsEverythingButIdleAndIowait() {
    String stat = "cpu  100 5 50 1000 20 3 2 0 0 0\ncpu0 50 2 25 500 10 1 1 0 0 0\nintr 12345\n";
    // user+nice+system+irq+softirq+steal = 160; total adds idle and iowait.
    assertThat(CpuUse.parseProcStat(stat)).containsExactly(160, 1180);
  }

  @Test
  void aStatWithoutTheAggregateLineIsAnError() {
    assertThatThrownBy(() -> CpuUse.parseProcStat("cpu0 1 2 3 4\n"))
        .hasMessageContaining("/proc/stat");
  }

  @Test
  void eachProcessIsChargedWhatItUsedInBetweenBiggestFirst() {
    Map<String, Duration> before = new LinkedHashMap<>();
    before.put("kafka", Duration.ofSeconds(10));
    before.put("manifest-service", Duration.ofSeconds(4));
    Map<String, Duration> after = new LinkedHashMap<>();
    after.put("kafka", Duration.ofSeconds(12));
    after.put("manifest-service", Duration.ofSeconds(9));
    after.put("cluster-c1", Duration.ofSeconds(1));
    CpuUse.Report report =
        CpuUse.between(
            new CpuUse.Snapshot(before, 1_000, 10_000), new CpuUse.Snapshot(after, 1_900, 12_000));
    assertThat(report.byProcess())
        .containsExactly(
            new CpuUse.Used("manifest-service", Duration.ofSeconds(5)),
            new CpuUse.Used("kafka", Duration.ofSeconds(2)),
            new CpuUse.Used("cluster-c1", Duration.ofSeconds(1)));
    assertThat(report.machineBusySeconds()).isEqualTo(9.0);
    // 2,000 jiffies of all cores together, at 100 per second.
    assertThat(report.windowSeconds()).isEqualTo(20.0 / Runtime.getRuntime().availableProcessors());
    assertThat(report.secondsOf("kafka")).isEqualTo(2.0);
    assertThat(report.secondsOf("not-started")).isZero();
  }

  @Test
  void thisJvmHasUsedSomeCpu() {
    CpuUse.Snapshot now = CpuUse.take(Map.of());
    assertThat(now.byProcess().get("benchmark driver (this JVM)")).isPositive();
    assertThat(now.machineTotal()).isGreaterThan(now.machineBusy()).isPositive();
  }
}
