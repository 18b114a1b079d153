"""The run-up to a booked exam: milestone reminders, the exam-day checklist and calm-down exercises.

Milestones fall at fixed wall-clock times in the member's zone (a reminder at 09:00 local stays at
09:00 across a DST change) and are stored as UTC instants. Each has a stable key built from the
exam instant and the milestone kind, so scheduling the same exam twice cannot send anything twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot.clock import to_epoch
from bot.domain.streaks import TimeZoneLike, as_zone
from bot.errors import InvalidInput

MORNING = time(9, 0)
EVENING = time(19, 0)
DAY_AFTER = time(10, 0)

EXAM_DAY_CHECKLIST = (
    "Sleep: aim for a full night; last-minute cramming costs more than it gives.",
    "Meal: eat something steady an hour or two before, and bring water if it's allowed.",
    "ID: have the ID your booking names ready (name exactly as booked) and the confirmation email.",
    "Arrive early: be at the test centre 15-30 minutes ahead, or start an online check-in 30 minutes ahead.",
    "Breathing: if your mind races, do four rounds of box breathing (in 4, hold 4, out 4, hold 4).",
)

REFRAMING_EXERCISE = (
    "Write down the thought, e.g. 'I failed once, so I'll fail again'.",
    "Ask what the evidence says: since then you've practised, and your mock scores show it.",
    "Rewrite it in words you'd say to a friend: 'Last time showed me what to fix, and I fixed it.'",
    "Read the new sentence out loud once, then take one slow breath.",
)

BOX_BREATHING = (("Breathe in", 4), ("Hold", 4), ("Breathe out", 4), ("Hold", 4))
MAX_BREATHING_CYCLES = 10


@dataclass(frozen=True)
class Milestone:
    kind: str  # "t-21" | "t-7" | "t-2" | "eve" | "t+1"
    at_utc: datetime
    text: str
    key: str


def _local_at(day: date, at: time, tz: TimeZoneLike) -> datetime:
    return datetime.combine(day, at, tzinfo=as_zone(tz)).astimezone(UTC)


def _exam_local(exam_at: datetime, tz: TimeZoneLike) -> datetime:
    if exam_at.tzinfo is None:
        raise ValueError("exam_at must be an aware datetime")
    return exam_at.astimezone(as_zone(tz))


def days_left(exam_at: datetime, tz: TimeZoneLike, now: datetime) -> int:
    """Calendar days from the member's today to the exam day (0 on the day, negative afterwards)."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    zone = as_zone(tz)
    return (_exam_local(exam_at, zone).date() - now.astimezone(zone).date()).days


def checklist_text() -> str:
    return "Exam-day checklist:\n" + "\n".join(f"- {line}" for line in EXAM_DAY_CHECKLIST)


def reframing_text() -> str:
    return "A two-minute reframe:\n" + "\n".join(f"{i}. {s}" for i, s in enumerate(REFRAMING_EXERCISE, 1))


def countdown_milestones(exam_at: datetime, tz: TimeZoneLike, now: datetime) -> list[Milestone]:
    """The reminders still ahead of ``now`` for an exam at ``exam_at``, earliest first."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    zone = as_zone(tz)
    local = _exam_local(exam_at, zone)
    exam_day = local.date()
    clock = local.strftime("%H:%M")
    plan = [
        (
            "t-21",
            _local_at(exam_day - timedelta(days=21), MORNING, zone),
            "Three weeks to go. Time to start full, timed mock exams: one or two a week, under "
            "real conditions, so exam day feels familiar.",
        ),
        (
            "t-7",
            _local_at(exam_day - timedelta(days=7), MORNING, zone),
            "One week to go. Focus on your weakest domain and review your missed questions; "
            "you're closer than you were last time.",
        ),
        (
            "t-2",
            _local_at(exam_day - timedelta(days=2), MORNING, zone),
            "Two days to go. Switch to light review now: summaries and flashcards, no new topics, "
            "and a proper night's sleep.",
        ),
        (
            "eve",
            _local_at(exam_day - timedelta(days=1), EVENING, zone),
            f"Your exam is tomorrow at {clock}. You've done the work.\n{checklist_text()}",
        ),
        (
            "t+1",
            _local_at(exam_day + timedelta(days=1), DAY_AFTER, zone),
            "How did it go yesterday? Whatever the result, tell us when you're ready; we're here either way.",
        ),
    ]
    epoch = to_epoch(exam_at)
    return [
        Milestone(kind=kind, at_utc=at, text=text, key=f"countdown:{epoch}:{kind}")
        for kind, at, text in plan
        if at > now
    ]


def breathing_steps(cycles: int = 4) -> list[tuple[str, int]]:
    """Box breathing: in 4, hold 4, out 4, hold 4 seconds, repeated ``cycles`` times (1-10)."""
    if not 1 <= cycles <= MAX_BREATHING_CYCLES:
        raise InvalidInput(f"Pick between 1 and {MAX_BREATHING_CYCLES} rounds of breathing.")
    return [step for _ in range(cycles) for step in BOX_BREATHING]
