"""The exam catalogue's model: vendors' retake policies and exam blueprints.

Plain data, loaded from ``bot/data/exams/*.yaml`` by ``bot.domain.catalogue``. Every fact carries a
``Source`` (where it came from, as of when, how sure we are) so whatever the bot shows can say
"as of <date>" and offer the source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class Confidence(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class ExamStatus(StrEnum):
    CURRENT = "current"
    RETIRING = "retiring"
    RETIRED = "retired"


@dataclass(frozen=True)
class Source:
    urls: tuple[str, ...]
    as_of: date
    confidence: Confidence

    def as_of_text(self) -> str:
        return f"as of {self.as_of.isoformat()}"


@dataclass(frozen=True)
class Wait:
    """A waiting period. Hours are counted exactly; days are calendar days (see the policy engine)."""

    amount: int
    unit: str  # "h" or "d"

    @classmethod
    def parse(cls, text: str) -> Wait:
        text = str(text).strip().lower()
        if len(text) < 2 or text[-1] not in "hd" or not text[:-1].isdigit():
            raise ValueError(f"a wait is written like '24h' or '14d', not {text!r}")
        return cls(int(text[:-1]), text[-1])

    def describe(self) -> str:
        if self.amount == 0:
            return "no wait"
        unit = "hour" if self.unit == "h" else "day"
        return f"{self.amount} {unit}{'s' if self.amount != 1 else ''}"


@dataclass(frozen=True)
class RetakeRule:
    after_failure: int  # the wait applies after the n-th failed attempt ...
    wait: Wait
    and_later: bool = False  # ... and after every later failure too
    notes: str = ""


@dataclass(frozen=True)
class AttemptCap:
    """At most ``max_attempts`` attempts inside a window of ``window_days``.

    ``window`` is ``rolling`` (any window of that length) or ``from_first_attempt`` (Microsoft:
    the window starts at the first attempt; after the cap the next attempt opens when it ends).
    """

    max_attempts: int
    window_days: int
    window: str = "rolling"
    # Vendors state most windows in months or years ("12 months", "2 years"); those are counted as
    # calendar months so the window ends on the same day of the month. Set, it replaces window_days.
    window_months: int = 0

    def window_text(self) -> str:
        if self.window_months:
            if self.window_months % 12 == 0 and self.window_months > 12:
                return f"{self.window_months // 12} years"
            return f"{self.window_months} month{'s' if self.window_months != 1 else ''}"
        return f"{self.window_days} day{'s' if self.window_days != 1 else ''}"


@dataclass(frozen=True)
class RetakePolicy:
    id: str
    vendor: str
    scope: str
    rules: tuple[RetakeRule, ...]
    source: Source
    cap: AttemptCap | None = None
    day_counting: str = "calendar"  # "calendar": N days after the exam date; "after_exam_day": N days from the next day
    free_retakes: int = 0
    other_rules: tuple[str, ...] = ()
    # Months after the purchase (or, when unknown, the first attempt) within which free retakes count.
    free_retake_window_months: int | None = None
    after_pass: str = ""  # what the vendor says about sitting an exam again after passing it
    # "exam": attempts of the same exam code count; "family": attempts across the exam's family
    # count together (ISC2 caps attempts per certification programme).
    counted_per: str = "exam"


@dataclass(frozen=True)
class Domain:
    number: str  # as the vendor numbers it: "1.0", "2", "D3"
    name: str
    weight: float | None = None  # percent, when the vendor publishes one number
    weight_min: float | None = None  # percent range, when the vendor publishes a range
    weight_max: float | None = None
    objectives: tuple[str, ...] = ()  # e.g. ("1.1", "1.2"): lets a list of missed objectives map to domains

    @property
    def planning_weight(self) -> float:
        """The weight used to share out study time.

        A published single number is used as it is. For a published range we use the middle of
        the range only for arithmetic; it is never shown or stored as if the vendor said it.
        """
        if self.weight is not None:
            return float(self.weight)
        if self.weight_min is not None and self.weight_max is not None:
            return (self.weight_min + self.weight_max) / 2
        return 0.0

    def weight_text(self) -> str:
        if self.weight is not None:
            return f"{self.weight:g}%"
        if self.weight_min is not None and self.weight_max is not None:
            return f"{self.weight_min:g}–{self.weight_max:g}%"
        return "weight not published"


@dataclass(frozen=True)
class Exam:
    code: str
    name: str
    vendor: str
    policy_id: str
    status: ExamStatus
    domains: tuple[Domain, ...]
    source: Source
    family: str | None = None  # exams that share retake counting (e.g. a vendor's associate track)
    successor: str | None = None
    passing_score: float | None = None
    scale_min: float | None = None
    scale_max: float | None = None
    max_questions: int | None = None
    duration_minutes: int | None = None
    local_guild_id: int | None = None  # set for a server-local exam defined with /exam define
    retirement_date: date | None = None  # when a retiring exam stops (or a retired one stopped)
    notes: tuple[str, ...] = field(default=())

    def passing_percent(self) -> float | None:
        """Passing score as a percentage of the scale (used for targets and readiness)."""
        if self.passing_score is None or self.scale_max is None:
            return None
        low = self.scale_min or 0.0
        span = self.scale_max - low
        if span <= 0:
            return None
        return round(100.0 * (self.passing_score - low) / span, 1)

    def domain(self, key: str) -> Domain | None:
        from bot.domain.text import match_domain

        return match_domain(self.domains, key)
