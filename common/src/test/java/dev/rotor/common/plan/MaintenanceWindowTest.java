package dev.rotor.common.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** When a stage may start. 2026-03-02 is a Monday. */
class MaintenanceWindowTest {
  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

  private static final MaintenanceWindow OFFICE_HOURS_UTC =
      new MaintenanceWindow(
          EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.THURSDAY),
          LocalTime.of(9, 0),
          LocalTime.of(16, 0),
          ZoneOffset.UTC);

  /** Friday night into Saturday morning. */
  private static final MaintenanceWindow FRIDAY_NIGHT =
      new MaintenanceWindow(
          Set.of(DayOfWeek.FRIDAY), LocalTime.of(22, 0), LocalTime.of(2, 0), ZoneOffset.UTC);

  private static final MaintenanceWindow OFFICE_HOURS_BERLIN =
      new MaintenanceWindow(
          EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.THURSDAY),
          LocalTime.of(9, 0),
          LocalTime.of(16, 0),
          BERLIN);

  private static Instant at(String utc) {
    return Instant.parse(utc);
  }

  @Test
  void isOpenFromStartInclusiveToEndExclusiveOnAllowedDays() {
    assertThat(OFFICE_HOURS_UTC.isOpen(at("2026-03-02T08:59:59Z"))).isFalse();
    assertThat(OFFICE_HOURS_UTC.isOpen(at("2026-03-02T09:00:00Z"))).isTrue();
    assertThat(OFFICE_HOURS_UTC.isOpen(at("2026-03-02T15:59:59Z"))).isTrue();
    assertThat(OFFICE_HOURS_UTC.isOpen(at("2026-03-02T16:00:00Z"))).isFalse();
    assertThat(OFFICE_HOURS_UTC.isOpen(at("2026-03-06T10:00:00Z"))).as("Friday").isFalse();
  }

  @Test
  void nextOpeningIsNowWhenOpenAndTheNextAllowedStartOtherwise() {
    Instant open = at("2026-03-03T10:00:00Z");
    assertThat(OFFICE_HOURS_UTC.nextOpening(open)).isEqualTo(open);
    assertThat(OFFICE_HOURS_UTC.nextOpening(at("2026-03-03T07:00:00Z")))
        .isEqualTo(at("2026-03-03T09:00:00Z"));
    assertThat(OFFICE_HOURS_UTC.nextOpening(at("2026-03-05T16:00:00Z")))
        .as("Thursday after closing: next Monday")
        .isEqualTo(at("2026-03-09T09:00:00Z"));
  }

  @Test
  void aWindowAcrossMidnightIsOpenOnTheMorningAfterItsDay() {
    assertThat(FRIDAY_NIGHT.isOpen(at("2026-03-06T21:59:00Z"))).isFalse();
    assertThat(FRIDAY_NIGHT.isOpen(at("2026-03-06T23:30:00Z"))).isTrue();
    assertThat(FRIDAY_NIGHT.isOpen(at("2026-03-07T01:59:00Z"))).as("Saturday morning").isTrue();
    assertThat(FRIDAY_NIGHT.isOpen(at("2026-03-07T02:00:00Z"))).isFalse();
    assertThat(FRIDAY_NIGHT.isOpen(at("2026-03-07T23:00:00Z"))).as("Saturday night").isFalse();
    assertThat(FRIDAY_NIGHT.isOpen(at("2026-03-06T01:00:00Z"))).as("Friday morning").isFalse();
  }

  @Test
  void aWindowAcrossMidnightNextOpensOnItsDaysEvening() {
    Instant saturdayMorning = at("2026-03-07T01:00:00Z");
    assertThat(FRIDAY_NIGHT.nextOpening(saturdayMorning)).isEqualTo(saturdayMorning);
    assertThat(FRIDAY_NIGHT.nextOpening(at("2026-03-07T03:00:00Z")))
        .isEqualTo(at("2026-03-13T22:00:00Z"));
    assertThat(FRIDAY_NIGHT.nextOpening(at("2026-03-06T12:00:00Z")))
        .isEqualTo(at("2026-03-06T22:00:00Z"));
  }

  @Test
  void theWindowFollowsItsTimeZoneAcrossDaylightSavingTime() {
    // Winter: Berlin is UTC+1, so 09:00 there is 08:00 UTC.
    assertThat(OFFICE_HOURS_BERLIN.isOpen(at("2026-03-02T07:30:00Z"))).isFalse();
    assertThat(OFFICE_HOURS_BERLIN.isOpen(at("2026-03-02T08:00:00Z"))).isTrue();
    assertThat(OFFICE_HOURS_BERLIN.isOpen(at("2026-03-02T14:59:00Z"))).isTrue();
    assertThat(OFFICE_HOURS_BERLIN.isOpen(at("2026-03-02T15:00:00Z"))).isFalse();
    // Summer: UTC+2, so 09:00 there is 07:00 UTC.
    assertThat(OFFICE_HOURS_BERLIN.isOpen(at("2026-06-01T07:30:00Z"))).isTrue();
    assertThat(OFFICE_HOURS_BERLIN.isOpen(at("2026-06-01T14:30:00Z"))).isFalse();
  }

  @Test
  void theDayIsTheDayInTheWindowsZoneNotInUtc() {
    // Tokyo is UTC+9: Thursday 22:00-01:00 there is Thursday 13:00-16:00 UTC, and Thursday
    // 23:30 UTC is already Friday morning there.
    MaintenanceWindow tokyoNights =
        new MaintenanceWindow(
            Set.of(DayOfWeek.THURSDAY),
            LocalTime.of(22, 0),
            LocalTime.of(1, 0),
            ZoneId.of("Asia/Tokyo"));
    assertThat(tokyoNights.isOpen(at("2026-03-05T13:00:00Z"))).isTrue();
    assertThat(tokyoNights.isOpen(at("2026-03-05T15:59:00Z"))).isTrue();
    assertThat(tokyoNights.isOpen(at("2026-03-05T23:30:00Z"))).isFalse();
    assertThat(tokyoNights.nextOpening(at("2026-03-05T17:00:00Z")))
        .isEqualTo(at("2026-03-12T13:00:00Z"));
  }

  @Test
  void nextOpeningAfterTheWeekendIsMondayMorningInTheWindowsZone() {
    assertThat(OFFICE_HOURS_BERLIN.nextOpening(at("2026-03-05T15:00:00Z")))
        .isEqualTo(at("2026-03-09T08:00:00Z"));
    // The clocks go forward on 2026-03-29: Monday 30 March opens at 07:00 UTC.
    assertThat(OFFICE_HOURS_BERLIN.nextOpening(at("2026-03-26T15:00:00Z")))
        .isEqualTo(at("2026-03-30T07:00:00Z"));
  }

  @Test
  void aStartSkippedByTheClockChangeOpensWhenTheClockJumps() {
    // On Sunday 2026-03-29 Berlin's clocks jump from 02:00 to 03:00 (01:00 UTC).
    MaintenanceWindow sundayNight =
        new MaintenanceWindow(
            Set.of(DayOfWeek.SUNDAY), LocalTime.of(2, 30), LocalTime.of(4, 0), BERLIN);
    Instant opening = sundayNight.nextOpening(at("2026-03-28T12:00:00Z"));
    assertThat(opening).isEqualTo(at("2026-03-29T01:00:00Z"));
    assertThat(sundayNight.isOpen(opening)).isTrue();
  }

  @Test
  void aWindowWhollyInsideTheSkippedHourWaitsForTheNextWeek() {
    MaintenanceWindow skipped =
        new MaintenanceWindow(
            Set.of(DayOfWeek.SUNDAY), LocalTime.of(2, 0), LocalTime.of(2, 45), BERLIN);
    Instant opening = skipped.nextOpening(at("2026-03-28T12:00:00Z"));
    assertThat(opening).isEqualTo(at("2026-04-05T00:00:00Z"));
    assertThat(skipped.isOpen(opening)).isTrue();
  }

  @Test
  void aWindowWithoutDaysOrWithoutLengthIsRejected() {
    assertThatThrownBy(
            () ->
                new MaintenanceWindow(
                    Set.of(), LocalTime.of(9, 0), LocalTime.of(10, 0), ZoneOffset.UTC))
        .hasMessage("maintenanceWindow.days: must name at least one day");
    assertThatThrownBy(
            () ->
                new MaintenanceWindow(
                    Set.of(DayOfWeek.MONDAY), LocalTime.of(9, 0), LocalTime.of(9, 0), BERLIN))
        .hasMessageStartingWith("maintenanceWindow.end: must differ from start");
  }
}
