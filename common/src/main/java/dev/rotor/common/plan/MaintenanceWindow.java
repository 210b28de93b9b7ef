package dev.rotor.common.plan;

import static dev.rotor.common.Checks.present;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.zone.ZoneOffsetTransition;
import java.util.EnumSet;
import java.util.Set;

/**
 * When a stage may start: on the given days, from {@code start} (inclusive) to {@code end}
 * (exclusive), in {@code zone}. A window whose end is before its start crosses midnight and belongs
 * to the day it opens on.
 */
public record MaintenanceWindow(Set<DayOfWeek> days, LocalTime start, LocalTime end, ZoneId zone) {

  public MaintenanceWindow {
    if (present(days, "maintenanceWindow.days").isEmpty()) {
      throw new IllegalArgumentException("maintenanceWindow.days: must name at least one day");
    }
    days = EnumSet.copyOf(days);
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

  /**
   * The first instant at or after {@code from} at which the window is open. Where a daylight saving
   * change skips the start time, the window opens when the clock jumps past it; a window that lies
   * wholly in the skipped hour does not open that day.
   */
  public Instant nextOpening(Instant from) {
    if (isOpen(from)) {
      return from;
    }
    LocalDate date = from.atZone(zone).toLocalDate();
    for (int i = 0; i <= 14; i++) {
      LocalDate day = date.plusDays(i);
      if (!days.contains(day.getDayOfWeek())) {
        continue;
      }
      Instant opening = earliestAtOrAfter(day.atTime(start));
      if (!opening.isBefore(from) && isOpen(opening)) {
        return opening;
      }
    }
    throw new IllegalStateException("maintenance window never opens");
  }

  /** The first instant whose local time in {@code zone} is {@code local} or, in a gap, after it. */
  private Instant earliestAtOrAfter(LocalDateTime local) {
    ZoneOffsetTransition gap = zone.getRules().getTransition(local);
    if (gap != null && gap.isGap()) {
      return gap.getInstant();
    }
    return local.atZone(zone).toInstant();
  }
}
