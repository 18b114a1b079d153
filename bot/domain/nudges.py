"""One gentle suggestion after a check-in, or none.

At most one nudge at a time, the most useful first: rising anxiety (wellbeing comes before study
volume), then a week far behind its goal, then a long run on one kind of resource. Each rule stays
quiet unless it clearly applies, because a nudge that nags is worse than none.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.streaks import TimeZoneLike, as_zone, local_day, week_summary

SAME_RESOURCE_DAYS = 14
SAME_RESOURCE_MIN_CHECKINS = 3
ANXIETY_WINDOW = 3
ANXIETY_RECENT_DAYS = 7
BEHIND_FRACTION = 0.5  # "far below": under half of what an even pace would have reached by today
BEHIND_EARLIEST_DAY = 3  # no goal nudges in the first two days of the week

# Passive study is swapped for active recall; active practice for hands-on work and back.
RESOURCE_SWITCH = {
    "video": "practice_questions",
    "book": "practice_questions",
    "reading": "practice_questions",
    "notes": "flashcards",
    "flashcards": "practice_questions",
    "practice_questions": "labs",
    "labs": "practice_questions",
}
DEFAULT_SWITCH = "practice_questions"


@dataclass(frozen=True)
class CheckIn:
    at: datetime  # aware UTC
    minutes: int = 0
    resource_type: str | None = None
    anxiety: int | None = None  # the member's own rating, higher is more anxious


@dataclass(frozen=True)
class Nudge:
    kind: str  # "breathe" | "behind_goal" | "try_another_resource"
    text: str
    suggested_resource: str | None = None


def suggest_other_resource(current: str) -> str:
    """A different kind of resource to try after a long run on ``current``."""
    key = current.strip().lower().replace(" ", "_")
    other = RESOURCE_SWITCH.get(key, DEFAULT_SWITCH)
    return other if other != key else "labs"


def _label(resource: str) -> str:
    return resource.replace("_", " ")


def _anxiety_rising(history: Sequence[CheckIn], now: datetime) -> Nudge | None:
    rated = [c for c in history if c.anxiety is not None]
    if len(rated) < ANXIETY_WINDOW:
        return None
    last = rated[-ANXIETY_WINDOW:]
    if now - last[-1].at > timedelta(days=ANXIETY_RECENT_DAYS):
        return None
    levels = [c.anxiety for c in last]
    if all(a < b for a, b in zip(levels, levels[1:], strict=False)):
        return Nudge(
            kind="breathe",
            text=(
                "Your last few check-ins show the nerves creeping up. That's common before a retake. "
                "Try /breathe for two minutes of box breathing; it helps more than it sounds."
            ),
        )
    return None


def _behind_goal(
    history: Sequence[CheckIn], now: datetime, tz: TimeZoneLike, goal: int | None, week_start: int | str
) -> Nudge | None:
    if not goal:
        return None
    week = week_summary(((c.minutes, c.at) for c in history), tz, now, week_start, goal)
    day_of_week = 7 - week.days_left
    if day_of_week < BEHIND_EARLIEST_DAY:
        return None
    expected = goal * day_of_week / 7
    if week.minutes >= BEHIND_FRACTION * expected:
        return None
    remaining = goal - week.minutes
    per_day = max(15, 5 * math.ceil(remaining / (week.days_left + 1) / 5))
    return Nudge(
        kind="behind_goal",
        text=(
            f"This week has been lighter so far: {week.minutes} of {goal} minutes. That happens. "
            f"About {per_day} minutes a day until the week ends would get you there, and even one "
            "focused 15-minute session today keeps the thread going."
        ),
    )


def _same_resource(history: Sequence[CheckIn], tz: TimeZoneLike) -> Nudge | None:
    typed = [c for c in history if c.resource_type]
    if not typed:
        return None
    current = typed[-1].resource_type.strip().lower()
    run = []
    for c in reversed(typed):
        if c.resource_type.strip().lower() != current:
            break
        run.append(c)
    if len(run) < SAME_RESOURCE_MIN_CHECKINS:
        return None
    span = (local_day(run[0].at, tz) - local_day(run[-1].at, tz)).days + 1
    if span < SAME_RESOURCE_DAYS:
        return None
    other = suggest_other_resource(current)
    return Nudge(
        kind="try_another_resource",
        text=(
            f"You've stuck with {_label(current)} for {span} days, which takes discipline. A change of "
            f"kind often shows gaps that one kind hides: how about some {_label(other)} this week?"
        ),
        suggested_resource=other,
    )


def choose_nudge(
    history: Sequence[CheckIn],
    now: datetime,
    tz: TimeZoneLike,
    *,
    weekly_goal_minutes: int | None = None,
    week_start: int | str = 0,
) -> Nudge | None:
    """The single most useful nudge for this member now, or ``None``. Check-ins after ``now`` are ignored."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    zone = as_zone(tz)
    past = sorted((c for c in history if c.at <= now), key=lambda c: c.at)
    return (
        _anxiety_rising(past, now)
        or _behind_goal(past, now, zone, weekly_goal_minutes, week_start)
        or _same_resource(past, zone)
    )


def checkin_nudge(
    history: Sequence[CheckIn],
    now: datetime,
    tz: TimeZoneLike,
    *,
    weekly_goal_minutes: int | None = None,
    week_start: int | str = 0,
) -> str | None:
    """The text of ``choose_nudge`` (use that one to also get the suggested resource type)."""
    nudge = choose_nudge(history, now, tz, weekly_goal_minutes=weekly_goal_minutes, week_start=week_start)
    return nudge.text if nudge else None
