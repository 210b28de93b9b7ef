package dev.rotor.notifier.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChannelLockKeyTest {

  @Test
  void channelsWhoseJavaHashCodesCollideGetDifferentLockKeys() {
    assertThat("#Aa".hashCode()).isEqualTo("#BB".hashCode());

    assertThat(ChannelSettings.lockKey("#Aa")).isNotEqualTo(ChannelSettings.lockKey("#BB"));
    assertThat(ChannelSettings.lockKey("#security-ops"))
        .isEqualTo(ChannelSettings.lockKey("#security-ops"));
  }

  @Test
  void twoChannelsWithTheSameLockKeyAreRefusedAtStart() {
    // A collision of the 32-bit keys, found the way the birthday paradox says (~80k names).
    Map<Integer, String> seen = new HashMap<>();
    String first = null;
    String second = null;
    for (int i = 0; second == null; i++) {
      String name = "#c-" + i;
      String other = seen.putIfAbsent(ChannelSettings.lockKey(name), name);
      if (other != null) {
        first = other;
        second = name;
      }
    }
    List<String> problems = new ArrayList<>();

    NotifierSettings.checkLockKeys(
        channel("b", second), List.of(channel("a", first), channel("c", "#other")), problems);

    assertThat(problems)
        .containsExactly(
            "rotor.notifier.channels.b.slack-channel: "
                + second
                + " has the same lock key as "
                + first
                + " (channel a); one of them needs another name or its id (C0…)");
  }

  private static ChannelSettings channel(String name, String slackChannel) {
    return new ChannelSettings(
        name, slackChannel, Set.of(), Optional.empty(), Set.of(), List.of(), Optional.empty());
  }
}
