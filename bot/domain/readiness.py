"""The readiness gate: when to suggest booking the retake.

Booking again too early is the most common way to fail twice. The gate opens only after the last
``required`` full-length, timed mocks in a row each scored at least the passing percentage plus a
safety buffer. Half-length mocks and relaxed practice never count (they neither open nor reset
the gate); a weaker full mock resets the run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.errors import InvalidInput

REQUIRED_RANGE = (2, 3)
BUFFER_RANGE = (10.0, 15.0)
TREND_LENGTH = 5
COUNTING_MODES = frozenset({"strict", "exam"})


@dataclass(frozen=True)
class MockResult:
    finished_at: datetime  # aware UTC
    length: str  # "full" | "half"
    mode: str  # "strict" | "exam" | "relaxed"
    percent: float  # raw score, 0-100

    @property
    def counts_for_readiness(self) -> bool:
        return self.length == "full" and self.mode in COUNTING_MODES


@dataclass(frozen=True)
class Readiness:
    ready: bool
    qualifying_streak: int
    required: int
    threshold: float  # passing percent + buffer, capped at 100
    missing_text: str
    trend: tuple[float, ...]  # the latest full mocks' scores, oldest first
    warn_booked_before_ready: str | None
    just_opened: bool  # ready now, not ready before the latest mock: send "book now" once
    can_book_from: date | None  # when ready: today, or the retake-eligibility date if later


def _fmt(value: float) -> str:
    return f"{value:g}"


def _streak(mocks: Sequence[MockResult], threshold: float) -> int:
    run = 0
    for mock in reversed(mocks):
        if mock.percent < threshold:
            break
        run += 1
    return run


def evaluate_readiness(
    mocks: Sequence[MockResult],
    *,
    passing_percent: float,
    required: int = 3,
    buffer: float = 10.0,
    now: datetime,
    eligible_date: date | None = None,
    booked_date: date | None = None,
) -> Readiness:
    """Whether the member is ready to book, what is missing, and whether the gate just opened.

    Mocks finished after ``now`` are ignored. Day counts use UTC dates (``now.date()``).
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    if not REQUIRED_RANGE[0] <= required <= REQUIRED_RANGE[1]:
        raise InvalidInput(
            f"The number of strong mocks in a row can be {REQUIRED_RANGE[0]} or {REQUIRED_RANGE[1]}, not {required}."
        )
    if not BUFFER_RANGE[0] <= buffer <= BUFFER_RANGE[1]:
        raise InvalidInput(
            f"The safety margin above the pass mark can be {_fmt(BUFFER_RANGE[0])} to "
            f"{_fmt(BUFFER_RANGE[1])} points, not {_fmt(buffer)}."
        )
    if not 0 < passing_percent <= 100:
        raise InvalidInput("The passing percentage has to be between 0 and 100.")

    threshold = min(100.0, round(passing_percent + buffer, 1))
    history = sorted((m for m in mocks if m.finished_at <= now), key=lambda m: m.finished_at)
    counting = [m for m in history if m.counts_for_readiness]
    streak = _streak(counting, threshold)
    ready = streak >= required

    was_ready = False
    if history:
        before_latest = [m for m in history[:-1] if m.counts_for_readiness]
        was_ready = _streak(before_latest, threshold) >= required

    target = f"{_fmt(threshold)}%+"
    if ready:
        missing = f"Ready: {min(streak, required)} of {required} full mocks in a row at {target}."
    else:
        missing = f"{streak} of {required} full mocks in a row at {target}; next full mock scheduled?"
        if counting and counting[-1].percent < threshold:
            missing += f" (latest: {_fmt(counting[-1].percent)}%)"

    today = now.date()
    warning = None
    if booked_date is not None and not ready:
        days = (booked_date - today).days
        when = f"in {days} day{'s' if days != 1 else ''}" if days >= 0 else "on a date that has passed"
        warning = (
            f"Your exam is booked for {booked_date.isoformat()} ({when}), and you have {streak} of "
            f"{required} full mocks in a row at {target}. If the next mocks don't get there, moving "
            "the date is a sound choice, not a failure."
        )

    can_book_from = None
    if ready:
        can_book_from = max(today, eligible_date) if eligible_date else today

    return Readiness(
        ready=ready,
        qualifying_streak=streak,
        required=required,
        threshold=threshold,
        missing_text=missing,
        trend=tuple(m.percent for m in counting[-TREND_LENGTH:]),
        warn_booked_before_ready=warning,
        just_opened=ready and not was_ready,
        can_book_from=can_book_from,
    )
