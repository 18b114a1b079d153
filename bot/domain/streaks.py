"""Check-in streaks and the weekly study summary, counted in the member's own time zone.

A check-in is an aware UTC instant. Days are the member's *local* calendar days, so a check-in at
23:30 and another at 00:30 the next local day make two days even when both fall on one UTC date,
and a day is still one day when a DST change makes it 23 or 25 hours long.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from bot.errors import InvalidInput

DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

TimeZoneLike = tzinfo | str


def as_zone(tz: TimeZoneLike) -> tzinfo:
    """A tzinfo from an IANA name ('Europe/Berlin') or a tzinfo passed through."""
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def _require_aware(instant: datetime, what: str) -> None:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime, got a naive one")


def local_day(instant: datetime, tz: TimeZoneLike) -> date:
    """The calendar date of ``instant`` on the member's wall clock."""
    _require_aware(instant, "instant")
    return instant.astimezone(as_zone(tz)).date()


@dataclass(frozen=True)
class Streak:
    current: int
    longest: int
    checked_in_today: bool
    last_day: date | None


def _merge_periods(periods: Iterable[tuple[date, date]]) -> tuple[list[date], list[date]]:
    """Sorted, merged, inclusive away periods as parallel start/end lists (adjacent periods join)."""
    cleaned = sorted((min(a, b), max(a, b)) for a, b in periods)
    starts: list[date] = []
    ends: list[date] = []
    for start, end in cleaned:
        if ends and start <= ends[-1] + timedelta(days=1):
            if end > ends[-1]:
                ends[-1] = end
        else:
            starts.append(start)
            ends.append(end)
    return starts, ends


def _gap_is_away(after: date, before: date, starts: Sequence[date], ends: Sequence[date]) -> bool:
    """True when every day strictly between ``after`` and ``before`` is an away day (or there is none)."""
    first = after + timedelta(days=1)
    last = before - timedelta(days=1)
    if first > last:
        return True
    i = bisect.bisect_right(starts, first) - 1
    return i >= 0 and ends[i] >= last


def compute_streak(
    checkin_instants: Iterable[datetime],
    *,
    tz: TimeZoneLike,
    now: datetime,
    away_periods: Iterable[tuple[date, date]] = (),
) -> Streak:
    """Consecutive local days with at least one check-in, ending today or yesterday.

    Today without a check-in yet leaves the streak standing (the day is not over). Days inside an
    ``/away`` period (inclusive dates) neither break the streak nor add to it; a check-in made on
    an away day still counts, because the member did show up. Check-ins after ``now`` are ignored.
    """
    _require_aware(now, "now")
    zone = as_zone(tz)
    today = now.astimezone(zone).date()
    days = sorted({local_day(i, zone) for i in checkin_instants if i <= now})
    if not days:
        return Streak(current=0, longest=0, checked_in_today=False, last_day=None)

    starts, ends = _merge_periods(away_periods)
    longest = run = 1
    for previous, day in zip(days, days[1:], strict=False):
        run = run + 1 if _gap_is_away(previous, day, starts, ends) else 1
        longest = max(longest, run)

    last_day = days[-1]
    still_running = last_day == today or _gap_is_away(last_day, today, starts, ends)
    return Streak(
        current=run if still_running else 0,
        longest=longest,
        checked_in_today=last_day == today,
        last_day=last_day,
    )


@dataclass(frozen=True)
class WeekSummary:
    week_start: date
    week_end: date  # inclusive
    minutes: int
    days: tuple[date, ...]  # local days with at least one check-in this week
    goal_minutes: int | None
    percent_of_goal: float | None
    minutes_to_goal: int | None
    days_left: int  # local days after today still in this week

    @property
    def day_count(self) -> int:
        return len(self.days)


def _week_start_index(week_start: int | str) -> int:
    if isinstance(week_start, str):
        name = week_start.strip().lower()
        for i, day_name in enumerate(DAY_NAMES):
            if name in (day_name, day_name[:3]):
                return i
        raise InvalidInput(f"I don't know the day '{week_start}'. Try a day name such as 'monday'.")
    if not 0 <= week_start <= 6:
        raise InvalidInput("The week has to start on a day from Monday (0) to Sunday (6).")
    return week_start


def week_bounds(now: datetime, tz: TimeZoneLike, week_start: int | str = 0) -> tuple[date, date]:
    """First and last local date (inclusive) of the week that contains ``now`` for this member."""
    _require_aware(now, "now")
    today = now.astimezone(as_zone(tz)).date()
    first = today - timedelta(days=(today.weekday() - _week_start_index(week_start)) % 7)
    return first, first + timedelta(days=6)


def week_summary(
    checkins: Iterable[tuple[int, datetime]],
    tz: TimeZoneLike,
    now: datetime,
    week_start: int | str = 0,
    goal_minutes: int | None = None,
) -> WeekSummary:
    """Minutes and days studied in the member's current local week, and how that compares to the goal.

    ``checkins`` are ``(minutes, instant)`` pairs. The week runs from local midnight of its first
    day, so a week with a DST change is still seven local days (167 or 169 hours long).
    """
    zone = as_zone(tz)
    first, last = week_bounds(now, zone, week_start)
    minutes = 0
    days: set[date] = set()
    for spent, instant in checkins:
        if instant > now:
            continue
        day = local_day(instant, zone)
        if first <= day <= last:
            minutes += max(0, int(spent))
            days.add(day)
    if goal_minutes is not None and goal_minutes < 0:
        raise InvalidInput("A weekly goal can't be negative.")
    percent = None
    to_goal = None
    if goal_minutes:
        percent = round(100.0 * minutes / goal_minutes, 1)
        to_goal = max(0, goal_minutes - minutes)
    today = now.astimezone(zone).date()
    return WeekSummary(
        week_start=first,
        week_end=last,
        minutes=minutes,
        days=tuple(sorted(days)),
        goal_minutes=goal_minutes,
        percent_of_goal=percent,
        minutes_to_goal=to_goal,
        days_left=(last - today).days,
    )


def local_midnight_utc(day: date, tz: TimeZoneLike) -> datetime:
    """The UTC instant at which ``day`` begins on the member's wall clock."""
    return datetime(day.year, day.month, day.day, tzinfo=as_zone(tz)).astimezone(UTC)
