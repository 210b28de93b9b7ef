package dev.rotor.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FootprintTest {

  @Test
  void readsVmRssInKibibytes() {
    String status = "Name:\tjava\nVmPeak:\t 4000000 kB\nVmRSS:\t  123456 kB\nThreads:\t42\n";
    assertThat(Footprint.parseVmRss(status)).isEqualTo(123456);
  }

  @Test
  void thisJvmHasAResidentSet() {
    long kb = Footprint.rssKb(ProcessHandle.current().pid());
    // A running JVM holds at least a few MB resident, and /proc says so.
    assertThat(kb).isGreaterThan(1024);
  }

  @Test
  void aGoneProcessHasNone() {
    assertThat(Footprint.rssKb(Long.MAX_VALUE)).isEqualTo(-1);
  }

  @Test
  void anUnexpectedUnitIsAnError() {
    assertThatThrownBy(() -> Footprint.parseVmRss("VmRSS:\t 12 MB\n"))
        .hasMessageContaining("VmRSS is not in kB");
  }
}
