package dev.rotor.benchmarks;

import dev.rotor.devstack.process.ManagedProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The CPU time each process of the stack used between two moments, and what the whole machine used
 * meanwhile: on a machine whose cores are all busy, this says which process a rotation's time goes
 * to. A process's figure is the kernel's user plus system time of it and its descendants (for
 * PostgreSQL, the postmaster and its backends), as {@link ProcessHandle.Info#totalCpuDuration()}
 * reads it; the machine's comes from the first line of {@code /proc/stat}.
 */
final class CpuUse {
  /** The CPU time of each named process tree, and the machine's busy and total jiffies. */
  record Snapshot(Map<String, Duration> byProcess, long machineBusy, long machineTotal) {}

  /** One process's CPU time between two snapshots. */
  record Used(String name, Duration cpu) {}

  /** What was used between two snapshots, over a window of {@code windowSeconds} (wall clock). */
  record Report(List<Used> byProcess, double machineBusySeconds, double windowSeconds) {
    /** The CPU seconds {@code name} used; 0 when it is not in the report. */
    double secondsOf(String name) {
      return byProcess.stream()
          .filter(u -> u.name().equals(name))
          .mapToDouble(u -> u.cpu().toMillis() / 1000.0)
          .findFirst()
          .orElse(0);
    }
  }

  private CpuUse() {}

  /** The CPU time of each process (with its tree) and of the machine now. */
  static Snapshot take(Map<String, ManagedProcess> processes) {
    Map<String, Duration> byProcess = new LinkedHashMap<>();
    processes.forEach((name, process) -> byProcess.put(name, treeCpu(process)));
    byProcess.put(
        "benchmark driver (this JVM)",
        ProcessHandle.current().info().totalCpuDuration().orElse(Duration.ZERO));
    long[] machine = machine();
    return new Snapshot(byProcess, machine[0], machine[1]);
  }

  /** What each process and the machine used from {@code before} to {@code after}. */
  static Report between(Snapshot before, Snapshot after) {
    List<Used> used = new ArrayList<>();
    after
        .byProcess()
        .forEach(
            (name, cpu) ->
                used.add(
                    new Used(
                        name, cpu.minus(before.byProcess().getOrDefault(name, Duration.ZERO)))));
    used.sort((a, b) -> b.cpu().compareTo(a.cpu()));
    long busy = after.machineBusy() - before.machineBusy();
    long total = after.machineTotal() - before.machineTotal();
    int cores = Runtime.getRuntime().availableProcessors();
    // /proc/stat counts in USER_HZ, 100 per second on Linux.
    return new Report(used, busy / 100.0, total <= 0 ? 0 : total / 100.0 / cores);
  }

  private static Duration treeCpu(ManagedProcess process) {
    Set<ProcessHandle> handles = new LinkedHashSet<>();
    handles.add(process.process().toHandle());
    for (ProcessHandle h : process.tree()) {
      handles.add(h);
      h.descendants().forEach(handles::add);
    }
    Duration sum = Duration.ZERO;
    for (ProcessHandle h : handles) {
      sum = sum.plus(h.info().totalCpuDuration().orElse(Duration.ZERO));
    }
    return sum;
  }

  /** The machine's busy and total jiffies since boot: {@code [busy, total]}. */
  private static long[] machine() {
    try {
      return parseProcStat(Files.readString(Path.of("/proc/stat"), StandardCharsets.US_ASCII));
    } catch (IOException e) {
      return new long[] {0, 0};
    }
  }

  /**
   * The aggregate {@code cpu} line of {@code /proc/stat}: user nice system idle iowait irq softirq
   * steal (guest time is already in user). Busy is everything but idle and iowait.
   */
  static long[] parseProcStat(String stat) {
    for (String line : stat.split("\n")) {
      if (line.startsWith("cpu ")) {
        String[] f = line.trim().split("\\s+");
        long total = 0;
        for (int i = 1; i <= Math.min(8, f.length - 1); i++) {
          total += Long.parseLong(f[i]);
        }
        long idle = Long.parseLong(f[4]) + (f.length > 5 ? Long.parseLong(f[5]) : 0);
        return new long[] {total - idle, total};
      }
    }
    throw new IllegalArgumentException("/proc/stat has no aggregate cpu line");
  }
}
