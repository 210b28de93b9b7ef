package dev.rotor.common.plan;

import static dev.rotor.common.plan.Checks.present;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.EnumSet;
import java.util.Set;

/**
 * When a stage may start: on the given days, from {@code start} (inclusive) to {@code end}
 * (exclusive), in {@code zone}. A window whose end is before its start crosses midnight and
 * belongs to the day it opens on.
 */
public record MaintenanceWindow(Set<DayOfWeek> days, LocalTime start, LocalTime end, ZoneId zone) {

  public MaintenanceWindow {
    days = EnumSet.copyOf(present(days, "maintenanceWindow.days"));
    present(start, "maintenanceWindow.start");
    present(end, "maintenanceWindow.end");
    present(zone, "maintenanceWindow.zone");
    if (start.equals(end)) {
      throw new IllegalArgumentException(
          "maintenanceWindow.end: must differ from start (an empty window never opens)");
    }
  }

  /** Whether the window is open at {@code instant}. */
  public boolean isOpen(Instant instant) {
    ZonedDateTime t = instant.atZone(zone);
    LocalTime time = t.toLocalTime();
    if (start.isBefore(end)) {
      return days.contains(t.getDayOfWeek()) && !time.isBefore(start) && time.isBefore(end);
    }
    // Crosses midnight: open from start on an allowed day, or before end on the day after one.
    return (days.contains(t.getDayOfWeek()) && !time.isBefore(start))
        || (days.contains(t.getDayOfWeek().minus(1)) && time.isBefore(end));
  }

  /** The first instant at or after {@code from} at which the window is open. */
  public Instant nextOpening(Instant from) {
    if (isOpen(from)) {
      return from;
    }
    ZonedDateTime day = from.atZone(zone).toLocalDate().atStartOfDay(zone);
    for (int i = 0; i <= 7; i++) {
      ZonedDateTime candidate = day.plusDays(i).with(start);
      if (days.contains(candidate.getDayOfWeek()) && !candidate.toInstant().isBefore(from)) {
        return candidate.toInstant();
      }
    }
    throw new IllegalStateException("maintenance window never opens");
  }
}
