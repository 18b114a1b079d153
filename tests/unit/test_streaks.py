"""Check-in streaks and weekly summaries, counted in the member's local days."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.streaks import compute_streak, local_day, local_midnight_utc, week_bounds, week_summary
from bot.errors import InvalidInput

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def local(zone: ZoneInfo, *args: int) -> datetime:
    """An aware UTC instant from a wall-clock time in ``zone``."""
    return datetime(*args, tzinfo=zone).astimezone(UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_local_day_uses_member_zone():
    """23:30 UTC on the 9th is already the 10th in Berlin."""
    assert local_day(utc(2026, 2, 9, 23, 30), BERLIN) == date(2026, 2, 10)


def test_local_day_accepts_zone_name():
    """An IANA zone name works as well as a tzinfo."""
    assert local_day(utc(2026, 2, 10, 3, 0), "America/New_York") == date(2026, 2, 9)


def test_local_day_rejects_naive_instant():
    """A naive datetime is a programming error, not a guess."""
    with pytest.raises(ValueError):
        local_day(datetime(2026, 2, 10, 3, 0), BERLIN)  # noqa: DTZ001


def test_no_checkins_is_empty_streak():
    """No check-ins: nothing to count."""
    s = compute_streak([], tz=BERLIN, now=utc(2026, 2, 10, 12))
    assert (s.current, s.longest, s.checked_in_today, s.last_day) == (0, 0, False, None)


def test_late_evening_and_after_midnight_are_two_days():
    """23:30 and 00:30 local are two local days although they share a UTC date."""
    checkins = [local(BERLIN, 2026, 2, 9, 23, 30), local(BERLIN, 2026, 2, 10, 0, 30)]
    assert checkins[0].date() == checkins[1].date()
    s = compute_streak(checkins, tz=BERLIN, now=local(BERLIN, 2026, 2, 10, 12))
    assert (s.current, s.checked_in_today) == (2, True)


def test_two_checkins_same_local_day_count_once():
    """Several check-ins on one day are one day of streak."""
    checkins = [local(NEW_YORK, 2026, 2, 10, 8), local(NEW_YORK, 2026, 2, 10, 21)]
    assert compute_streak(checkins, tz=NEW_YORK, now=local(NEW_YORK, 2026, 2, 10, 22)).current == 1


def test_today_without_checkin_keeps_streak():
    """The day isn't over: yesterday's streak still stands this morning."""
    checkins = [local(BERLIN, 2026, 2, d, 20) for d in (7, 8, 9)]
    s = compute_streak(checkins, tz=BERLIN, now=local(BERLIN, 2026, 2, 10, 9))
    assert (s.current, s.checked_in_today, s.last_day) == (3, False, date(2026, 2, 9))


def test_missed_day_breaks_streak():
    """A whole local day without a check-in ends the streak."""
    checkins = [local(BERLIN, 2026, 2, d, 20) for d in (6, 7, 8)]
    s = compute_streak(checkins, tz=BERLIN, now=local(BERLIN, 2026, 2, 10, 9))
    assert (s.current, s.longest) == (0, 3)


def test_longest_is_best_past_run():
    """The longest run is kept after a break."""
    days = (1, 2, 3, 4, 6, 7)
    checkins = [local(BERLIN, 2026, 2, d, 20) for d in days]
    s = compute_streak(checkins, tz=BERLIN, now=local(BERLIN, 2026, 2, 7, 21))
    assert (s.current, s.longest) == (2, 4)


def test_away_days_bridge_without_extending():
    """Away days neither break the streak nor add to it."""
    checkins = [local(BERLIN, 2026, 2, d, 20) for d in (1, 2, 6, 7)]
    s = compute_streak(
        checkins, tz=BERLIN, now=local(BERLIN, 2026, 2, 7, 21), away_periods=[(date(2026, 2, 3), date(2026, 2, 5))]
    )
    assert s.current == 4


def test_away_period_must_cover_whole_gap():
    """An away period that leaves one day uncovered does not save the streak."""
    checkins = [local(BERLIN, 2026, 2, d, 20) for d in (1, 2, 6)]
    s = compute_streak(
        checkins, tz=BERLIN, now=local(BERLIN, 2026, 2, 6, 21), away_periods=[(date(2026, 2, 3), date(2026, 2, 4))]
    )
    assert s.current == 1


def test_adjacent_away_periods_join():
    """Two back-to-back away periods cover the gap together."""
    checkins = [local(BERLIN, 2026, 2, d, 20) for d in (1, 6)]
    away = [(date(2026, 2, 4), date(2026, 2, 5)), (date(2026, 2, 2), date(2026, 2, 3))]
    s = compute_streak(checkins, tz=BERLIN, now=local(BERLIN, 2026, 2, 6, 21), away_periods=away)
    assert s.current == 2


def test_away_up_to_today_keeps_streak():
    """Being away since the last check-in keeps the streak alive."""
    checkins = [local(BERLIN, 2026, 2, d, 20) for d in (1, 2)]
    s = compute_streak(
        checkins, tz=BERLIN, now=local(BERLIN, 2026, 2, 9, 9), away_periods=[(date(2026, 2, 3), date(2026, 2, 12))]
    )
    assert s.current == 2


def test_future_checkins_ignored():
    """A check-in stamped after now does not count."""
    checkins = [local(BERLIN, 2026, 2, 9, 20), local(BERLIN, 2026, 2, 11, 20)]
    s = compute_streak(checkins, tz=BERLIN, now=local(BERLIN, 2026, 2, 10, 9))
    assert s.last_day == date(2026, 2, 9)


@pytest.mark.parametrize(
    ("zone", "days"),
    [
        # Berlin springs forward on 2026-03-29 and falls back on 2026-10-25.
        (BERLIN, [(3, 27), (3, 28), (3, 29), (3, 30), (3, 31)]),
        (BERLIN, [(10, 23), (10, 24), (10, 25), (10, 26), (10, 27)]),
        # New York springs forward on 2026-03-08 and falls back on 2026-11-01.
        (NEW_YORK, [(3, 6), (3, 7), (3, 8), (3, 9), (3, 10)]),
        (NEW_YORK, [(10, 30), (10, 31), (11, 1), (11, 2), (11, 3)]),
    ],
)
def test_streak_across_dst_change(zone, days):
    """Check-ins just after and just before local midnight around a DST change make five days."""
    times = [(0, 15), (23, 45), (0, 15), (23, 45), (0, 15)]
    checkins = [local(zone, 2026, m, d, *t) for (m, d), t in zip(days, times, strict=True)]
    m, d = days[-1]
    s = compute_streak(checkins, tz=zone, now=local(zone, 2026, m, d, 23, 50))
    assert (s.current, s.longest) == (5, 5)


def test_week_summary_counts_this_local_week():
    """Minutes and days count only inside the member's current week, Monday first."""
    now = local(BERLIN, 2026, 2, 11, 12)  # Wednesday
    checkins = [
        (30, local(BERLIN, 2026, 2, 8, 23, 30)),  # Sunday: last week
        (45, local(BERLIN, 2026, 2, 9, 0, 30)),  # Monday just after midnight (Sunday in UTC)
        (20, local(BERLIN, 2026, 2, 10, 19)),
        (25, local(BERLIN, 2026, 2, 10, 21)),
    ]
    w = week_summary(checkins, BERLIN, now, goal_minutes=300)
    assert (w.week_start, w.minutes, w.day_count) == (date(2026, 2, 9), 90, 2)
    assert (w.percent_of_goal, w.minutes_to_goal, w.days_left) == (30.0, 210, 4)


@pytest.mark.parametrize(
    ("zone", "monday", "before", "after"),
    [
        # Berlin: week of the spring change (Sunday 29 March is 23 hours long).
        (BERLIN, date(2026, 3, 23), (2026, 3, 22, 23, 59), (2026, 3, 30, 0, 1)),
        # Berlin: week of the autumn change (Sunday 25 October is 25 hours long).
        (BERLIN, date(2026, 10, 19), (2026, 10, 18, 23, 59), (2026, 10, 26, 0, 1)),
        # New York: the spring change falls on Sunday 8 March.
        (NEW_YORK, date(2026, 3, 2), (2026, 3, 1, 23, 59), (2026, 3, 9, 0, 1)),
        # New York: the autumn change falls on Sunday 1 November.
        (NEW_YORK, date(2026, 10, 26), (2026, 10, 25, 23, 59), (2026, 11, 2, 0, 1)),
    ],
)
def test_week_summary_across_dst_week(zone, monday, before, after):
    """A week containing a DST change runs from local Monday 00:00 to local Sunday 24:00."""
    sunday = date.fromordinal(monday.toordinal() + 6)
    now = local(zone, sunday.year, sunday.month, sunday.day, 23, 30)
    checkins = [
        (10, local(zone, *before)),  # a minute before the week starts
        (20, local(zone, monday.year, monday.month, monday.day, 0, 1)),
        (40, local(zone, sunday.year, sunday.month, sunday.day, 1, 30)),
        (60, local(zone, sunday.year, sunday.month, sunday.day, 23, 15)),
        (80, local(zone, *after)),  # after now, and next week anyway
    ]
    w = week_summary(checkins, zone, now)
    assert (w.week_start, w.week_end, w.minutes, w.days) == (monday, sunday, 120, (monday, sunday))


@pytest.mark.parametrize(
    ("start", "expected"), [(0, date(2026, 2, 9)), ("sunday", date(2026, 2, 8)), ("sat", date(2026, 2, 7))]
)
def test_week_start_setting(start, expected):
    """The week may start on any day the member prefers."""
    first, _ = week_bounds(local(BERLIN, 2026, 2, 11, 12), BERLIN, start)
    assert first == expected


@pytest.mark.parametrize("start", [7, -1, "someday"])
def test_bad_week_start_rejected(start):
    """An unknown week start is a member mistake with a kind message."""
    with pytest.raises(InvalidInput):
        week_bounds(utc(2026, 2, 11), BERLIN, start)


def test_week_summary_without_goal():
    """No goal: no percentage and nothing to catch up."""
    w = week_summary([(30, utc(2026, 2, 10, 12))], BERLIN, utc(2026, 2, 11, 12))
    assert (w.percent_of_goal, w.minutes_to_goal) == (None, None)


def test_local_midnight_utc_on_dst_day():
    """Local midnight on Berlin's spring-forward day is 23:00 UTC the day before."""
    assert local_midnight_utc(date(2026, 3, 29), BERLIN) == utc(2026, 3, 28, 23, 0)
