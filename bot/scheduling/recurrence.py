"""Next occurrence of a weekly wall-clock rule, in the member's own time zone.

APScheduler's ``CronTrigger`` does the calendar work, so "19:00 Mon–Fri in Europe/Berlin" stays at
19:00 local across daylight-saving changes (the UTC instant moves, the wall-clock time does not).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

from bot.errors import InvalidInput

_ONE_MINUTE = timedelta(minutes=1)
_DAY_ALIASES = {
    "daily": "*",
    "every day": "*",
    "everyday": "*",
    "weekdays": "mon-fri",
    "weekday": "mon-fri",
    "weekends": "sat,sun",
    "weekend": "sat,sun",
}
_WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_PART = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))?$")


def parse_days(text: str) -> str:
    """Normalise what a member typed ('Mon-Fri', 'daily', 'mon,wed,fri') to a cron day_of_week field."""
    cleaned = " ".join(text.strip().lower().split())
    if cleaned in _DAY_ALIASES:
        return _DAY_ALIASES[cleaned]
    if cleaned == "*":
        return "*"
    parts = [p.strip()[:3] if "-" not in p else p.strip() for p in cleaned.replace(" ", ",").split(",") if p.strip()]
    normalised: list[str] = []
    for part in parts:
        if "-" in part:
            a, _, b = part.partition("-")
            part = f"{a.strip()[:3]}-{b.strip()[:3]}"
        if not _DAY_PART.match(part):
            raise InvalidInput(
                f"I couldn't read the days {text!r}.",
                hint="Use 'daily', 'weekdays', a range like 'mon-fri' or a list like 'mon,wed,fri'.",
            )
        first, _, last = part.partition("-")
        if last and _WEEK.index(first) > _WEEK.index(last):
            # "fri-mon" or "sun-sat" runs on through the weekend; cron ranges only run from Monday on.
            part = f"{first}-sun,mon-{last}"
        normalised.append(part)
    if not normalised:
        raise InvalidInput("Please say which days, e.g. 'daily' or 'mon-fri'.")
    covered = set()
    for part in ",".join(normalised).split(","):
        first, _, last = part.partition("-")
        covered.update(_WEEK[_WEEK.index(first): _WEEK.index(last or first) + 1])
    return "*" if len(covered) == len(_WEEK) else ",".join(normalised)


def parse_time_of_day(text: str) -> tuple[int, int]:
    """'19:00', '7:30', '0730' -> (hour, minute), 24-hour clock."""
    cleaned = text.strip().lower().replace(".", ":")
    match = re.fullmatch(r"(\d{1,2}):?(\d{2})", cleaned)
    if not match:
        raise InvalidInput(f"I couldn't read the time {text!r}.", hint="Use the 24-hour clock, like 07:30 or 19:00.")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise InvalidInput(f"{text!r} isn't a time of day.", hint="Hours go 00–23 and minutes 00–59, like 19:00.")
    return hour, minute


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"{name!r} isn't a time zone I know.") from exc


def next_occurrence(*, hour: int, minute: int, days: str, timezone: str, after: datetime) -> datetime:
    """The first instant strictly after ``after`` matching the rule, as aware UTC."""
    if after.tzinfo is None:
        raise ValueError("after must be aware")
    trigger = CronTrigger(day_of_week=days, hour=hour, minute=minute, timezone=zone(timezone))
    local_after = after.astimezone(zone(timezone))
    fire = trigger.get_next_fire_time(None, local_after)
    # CronTrigger may return ``after`` itself when it matches exactly; we want strictly later.
    while fire is not None and fire <= local_after:
        fire = trigger.get_next_fire_time(fire, fire.replace(second=0, microsecond=0) + _ONE_MINUTE)
    if fire is None:
        raise InvalidInput("That schedule never happens; please check the days.")
    return fire.astimezone(UTC)

