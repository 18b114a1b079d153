"""A study plan from today to the retake, shaped by the weak domains and the diagnosis.

Study days run from ``start`` to the day before the exam. Phases, in order:

1. intensive work on the weak domains: first, and the longest phase;
2. mixed review across all domains with timed question sets;
3. full timed simulations, spread over the last three weeks before the exam when the runway is
   eight weeks or more, over the last two weeks from five weeks, and over about a quarter of the
   remaining days for shorter plans;
4. light review only, in the final two days: no new topics and no full simulations.

With four study days or fewer the plan is one timed set and light review (one to two days: light
review only), because new material that late tends to crowd out what is already there.

Hours come from ``hours_per_week`` over the study days, rounded to half hours. They are shared out
in half-hour units by largest remainder, so every split sums exactly to the total: across domains
in proportion to priority, with a floor of 5 % of the hours for every domain so strong ones stay
fresh; across phases in proportion to their days, light-review days counting half.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from bot.domain.diagnosis import Remedy
from bot.domain.exams import Exam
from bot.domain.priority import DomainPriority, Standing
from bot.errors import InvalidInput

DEFAULT_SPAN_WEEKS = 6
LIGHT_REVIEW_DAYS = 2
SHORT_RUNWAY_DAYS = 4
DOMAIN_FLOOR_SHARE = 0.05
MAX_HOURS_PER_WEEK = 80.0
INTENSIVE_SHARE = 0.6  # of the days before the simulation window
DAYS_PER_SIMULATION = 3.5  # about two full simulations a week leaves time to review each one


class PhaseKind(StrEnum):
    INTENSIVE = "intensive"
    MIXED_REVIEW = "mixed_review"
    SIMULATION = "simulation"
    LIGHT_REVIEW = "light_review"


PHASE_TITLES = {
    PhaseKind.INTENSIVE: "Weak domains, in depth",
    PhaseKind.MIXED_REVIEW: "Mixed review with timed sets",
    PhaseKind.SIMULATION: "Full timed simulations",
    PhaseKind.LIGHT_REVIEW: "Light review",
}


@dataclass(frozen=True)
class Phase:
    kind: PhaseKind
    title: str
    start: date
    end: date  # inclusive
    hours: float
    focus_domains: tuple[str, ...]  # domain numbers, most urgent first
    activities: tuple[str, ...]

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class StudyPlan:
    exam_code: str
    start: date
    exam_date: date
    exam_date_booked: bool
    hours_per_week: float
    total_hours: float
    domain_hours: dict[str, float]  # domain number -> hours, most urgent first
    phases: tuple[Phase, ...]
    notes: tuple[str, ...]

    def phase(self, kind: PhaseKind) -> Phase | None:
        return next((p for p in self.phases if p.kind is kind), None)


def build_plan(
    exam: Exam,
    priorities: Sequence[DomainPriority],
    *,
    start: date,
    exam_date: date | None,
    hours_per_week: float,
    remedies: Sequence[Remedy] = (),
    eligible_date: date | None = None,
    default_weeks: int = DEFAULT_SPAN_WEEKS,
) -> StudyPlan:
    """Plan from ``start`` to ``exam_date`` (or, when none is booked, a sensible date we propose).

    ``eligible_date`` is the earliest retake the vendor's policy allows; a proposed date is never
    earlier. ``priorities`` come from ``rank_domains``; ``remedies`` from ``diagnose``.
    """
    if hours_per_week <= 0:
        raise InvalidInput(
            "A plan needs some study time: enter how many hours a week you can give, even 2 or 3.",
        )
    if hours_per_week > MAX_HOURS_PER_WEEK:
        raise InvalidInput(
            f"{hours_per_week:g} hours a week is more than anyone can keep up; the plan allows up to "
            f"{MAX_HOURS_PER_WEEK:g}.",
            hint="Enter the hours you can really give on an ordinary week.",
        )
    if not priorities:
        raise InvalidInput(f"{exam.code} has no domains to plan for.")

    notes: list[str] = []
    booked = exam_date is not None
    if exam_date is None:
        exam_date = start + timedelta(weeks=default_weeks)
        if eligible_date is not None and eligible_date > exam_date:
            exam_date = eligible_date
        notes.append(
            f"No exam date is booked yet, so this plan aims at {exam_date.isoformat()}. "
            "Booking a date makes the plan real; you can rebuild it any time."
        )
    elif exam_date < start:
        raise InvalidInput(
            f"The exam date {exam_date.isoformat()} has already passed.",
            hint="If you have rebooked, enter the new date.",
        )
    elif eligible_date is not None and exam_date < eligible_date:
        notes.append(
            f"Your exam date is before {eligible_date.isoformat()}, the earliest retake we worked out from "
            f"the {exam.vendor} retake policy. Please check the date with the test provider."
        )

    days = (exam_date - start).days
    domains = tuple(p.domain_number for p in priorities)
    if days == 0:
        notes.append(
            "Your exam is today. No new study now: glance over your notes, eat something, and arrive early. "
            "You have prepared for this."
        )
        return StudyPlan(
            exam.code,
            start,
            exam_date,
            booked,
            hours_per_week,
            0.0,
            dict.fromkeys(domains, 0.0),
            (),
            tuple(notes),
        )

    total_units = max(1, round(hours_per_week * days / 7 * 2))
    total_hours = total_units / 2
    domain_hours = _domain_hours(priorities, total_units)

    layout = _layout(days)
    if days <= SHORT_RUNWAY_DAYS:
        notes.append(_short_runway_note(days))
    phase_units = _allocate(
        total_units,
        [length * (0.5 if kind is PhaseKind.LIGHT_REVIEW else 1.0) for kind, length in layout],
        floor_units=1,
    )

    context = _Context(exam, priorities, remedies, hours_per_week, short=days <= SHORT_RUNWAY_DAYS)
    phases: list[Phase] = []
    cursor = start
    for (kind, length), units in zip(layout, phase_units, strict=True):
        end = cursor + timedelta(days=length - 1)
        phases.append(
            Phase(
                kind=kind,
                title=context.title(kind),
                start=cursor,
                end=end,
                hours=units / 2,
                focus_domains=context.focus(kind),
                activities=context.activities(kind, cursor, end),
            )
        )
        cursor = end + timedelta(days=1)

    if Remedy.FIXED_STUDY_BLOCKS in remedies:
        notes.append(
            f"Put your {hours_per_week:g} hours a week in the calendar now, as fixed blocks on the same days "
            "each week. Regular short sessions beat long irregular ones."
        )
    return StudyPlan(
        exam.code,
        start,
        exam_date,
        booked,
        hours_per_week,
        total_hours,
        domain_hours,
        tuple(phases),
        tuple(notes),
    )


# --- layout and arithmetic ---------------------------------------------------------------------


def _layout(days: int) -> list[tuple[PhaseKind, int]]:
    """Phase kinds and their lengths in days, in order; lengths sum to ``days``."""
    light = min(LIGHT_REVIEW_DAYS, days)
    rest = days - light
    if days <= SHORT_RUNWAY_DAYS:
        parts = [(PhaseKind.MIXED_REVIEW, rest), (PhaseKind.LIGHT_REVIEW, light)]
        return [(kind, length) for kind, length in parts if length > 0]
    # The simulation window is counted back from the exam, so it includes the two light days.
    if days >= 56:
        simulation = 21 - light
    elif days >= 35:
        simulation = 14 - light
    else:
        simulation = max(1, round(rest * 0.25))
    before = rest - simulation
    intensive = math.ceil(before * INTENSIVE_SHARE)
    parts = [
        (PhaseKind.INTENSIVE, intensive),
        (PhaseKind.MIXED_REVIEW, before - intensive),
        (PhaseKind.SIMULATION, simulation),
        (PhaseKind.LIGHT_REVIEW, light),
    ]
    return [(kind, length) for kind, length in parts if length > 0]


def _domain_hours(priorities: Sequence[DomainPriority], total_units: int) -> dict[str, float]:
    weights = [p.priority for p in priorities]
    if not any(weights):
        weights = [p.planning_weight for p in priorities]
    floor_units = math.ceil(DOMAIN_FLOOR_SHARE * total_units)
    units = _allocate(total_units, weights, floor_units=floor_units)
    return {p.domain_number: u / 2 for p, u in zip(priorities, units, strict=True)}


def _allocate(total: int, weights: Sequence[float], *, floor_units: int) -> list[int]:
    """Share ``total`` whole units in proportion to ``weights``, each at least ``floor_units``.

    Shares below the floor are raised to it and the rest re-shared among the others; then the
    largest-remainder method turns the shares into whole units that sum exactly to ``total``
    (ties go to the earlier item, which callers order by urgency).
    """
    n = len(weights)
    if n == 0:
        return []
    floor_units = min(floor_units, total // n)
    raised: set[int] = set()
    while True:
        free = [i for i in range(n) if i not in raised]
        remaining = total - floor_units * len(raised)
        free_weight = sum(max(0.0, weights[i]) for i in free)
        if free_weight > 0:
            share = {i: remaining * max(0.0, weights[i]) / free_weight for i in free}
        else:
            share = {i: remaining / len(free) for i in free}
        below = {i for i in free if share[i] < floor_units}
        if not below:
            break
        raised |= below
    exact = [float(floor_units) if i in raised else share[i] for i in range(n)]
    units = [math.floor(x + 1e-9) for x in exact]
    leftover = total - sum(units)
    by_remainder = sorted(range(n), key=lambda i: (-(exact[i] - units[i]), i))
    for i in by_remainder[:leftover]:
        units[i] += 1
    return units


def _short_runway_note(days: int) -> str:
    if days <= LIGHT_REVIEW_DAYS:
        return (
            f"Your exam is in {days} day{'s' if days != 1 else ''}, so the plan is light review only. "
            "New material this late tends to push out what you already know; rest counts as preparation now."
        )
    return (
        f"Your exam is in {days} days, so the plan is short: one timed set to settle your pace and show "
        "what to look over, then light review. If you can move the date, a longer plan would give your "
        "weak domains the time they need."
    )


# --- words ---------------------------------------------------------------------------------------


class _Context:
    """What the phase texts need: the exam's format, the ranked domains and the chosen remedies."""

    def __init__(
        self,
        exam: Exam,
        priorities: Sequence[DomainPriority],
        remedies: Sequence[Remedy],
        hours_per_week: float,
        *,
        short: bool,
    ) -> None:
        self.exam = exam
        self.hours_per_week = hours_per_week
        self.priorities = list(priorities)
        self.remedies = set(remedies)
        self.short = short
        self.names = {p.domain_number: f"{p.domain_number} {p.domain_name}" for p in priorities}

    def title(self, kind: PhaseKind) -> str:
        if self.short and kind is PhaseKind.MIXED_REVIEW:
            return "One timed set"
        return PHASE_TITLES[kind]

    def focus(self, kind: PhaseKind) -> tuple[str, ...]:
        if kind is PhaseKind.INTENSIVE or (self.short and kind is PhaseKind.MIXED_REVIEW):
            weak = [p for p in self.priorities if p.label is Standing.WEAK]
            if not weak:
                weak = [p for p in self.priorities if p.label is Standing.BORDERLINE]
            if not weak:
                weak = self.priorities[: max(1, min(3, len(self.priorities) // 2))]
            if self.short:
                weak = weak[:1]
            return tuple(p.domain_number for p in weak)
        return tuple(p.domain_number for p in self.priorities)

    def _list(self, numbers: Sequence[str]) -> str:
        return ", ".join(self.names[n] for n in numbers)

    def _format(self) -> str:
        exam = self.exam
        parts = []
        if exam.max_questions:
            parts.append(f"up to {exam.max_questions} questions")
        if exam.duration_minutes:
            parts.append(f"{exam.duration_minutes} minutes")
        return f" ({', '.join(parts)})" if parts else ""

    def _pace(self) -> str:
        exam = self.exam
        if exam.max_questions and exam.duration_minutes:
            seconds = exam.duration_minutes * 60 / exam.max_questions
            return f"about {seconds / 60:.1f} minutes a question"
        return "your exam's pace"

    def activities(self, kind: PhaseKind, start: date, end: date) -> tuple[str, ...]:
        if self.short and kind is PhaseKind.MIXED_REVIEW:
            base = self._short_set()
        else:
            base = {
                PhaseKind.INTENSIVE: self._intensive,
                PhaseKind.MIXED_REVIEW: self._mixed,
                PhaseKind.SIMULATION: lambda: self._simulation(start, end),
                PhaseKind.LIGHT_REVIEW: self._light,
            }[kind]()
        extra_kind = PhaseKind.MIXED_REVIEW if self.short and kind is PhaseKind.MIXED_REVIEW else kind
        extra = [
            text
            for remedy, by_kind in self._remedy_texts().items()
            if remedy in self.remedies
            for phase_kind, text in by_kind
            if phase_kind is extra_kind
        ]
        return tuple(base + extra)

    def _intensive(self) -> list[str]:
        focus = self.focus(PhaseKind.INTENSIVE)
        others = [p.domain_number for p in self.priorities if p.domain_number not in focus]
        items = [
            f"One domain at a time, most urgent first: {self._list(focus)}.",
            "After each study block, 10–20 practice questions on that domain; note every miss and why you missed it.",
        ]
        if others:
            items.append(
                f"Keep the other domains fresh with one short question set a week: {self._list(others)}."
            )
        return items

    def _mixed(self) -> list[str]:
        return [
            f"Timed question sets mixing all domains, at {self._pace()}.",
            "Go back over your miss log and re-test the topics you missed earlier.",
            "Explain one weak topic in your own words, to yourself or to your study group.",
        ]

    def _simulation(self, start: date, end: date) -> list[str]:
        days = (end - start).days + 1
        count = max(1, round(days / DAYS_PER_SIMULATION))
        step = days / count
        dates = [start + timedelta(days=round(step * (i + 1)) - 1) for i in range(count)]
        when = ", ".join(d.isoformat() for d in dates)
        return [
            f"Full timed simulation{'s' if count > 1 else ''}{self._format()}, in one sitting: {when}.",
            "The day after each simulation, review every miss and trace it back to its domain.",
            "Between simulations, short review of the domains the last one exposed.",
        ]

    def _light(self) -> list[str]:
        return [
            "Light review only: your notes, summary sheets and miss log. No new topics, no full simulations.",
            "Check the practical side: ID, test centre or online check-in, start time.",
            "Sleep normally the night before; a rested mind recalls more than a crammed one.",
        ]

    def _short_set(self) -> list[str]:
        focus = self.focus(PhaseKind.MIXED_REVIEW)
        return [
            f"One timed set of mixed questions at {self._pace()}.",
            f"Go over its misses, then review only your most urgent domain: {self._list(focus)}.",
        ]

    def _remedy_texts(self) -> dict[Remedy, list[tuple[PhaseKind, str]]]:
        top = self.priorities[0]
        sessions = max(1, round(self.hours_per_week / 1.5))
        return {
            Remedy.FIXED_STUDY_BLOCKS: [
                (
                    PhaseKind.INTENSIVE,
                    f"Study in fixed blocks: {sessions} session{'s' if sessions > 1 else ''} a "
                    f"week of about {self.hours_per_week / sessions:.1f} h, on the same days each week.",
                ),
            ],
            Remedy.HEAVY_DOMAINS_FIRST: [
                (
                    PhaseKind.INTENSIVE,
                    f"Start with {self.names[top.domain_number]}: it carries {top.weight_text} "
                    "of the exam, so every hour there counts the most.",
                ),
            ],
            Remedy.SECOND_RESOURCE: [
                (
                    PhaseKind.INTENSIVE,
                    "Learn each focus domain from a different kind of resource than last time: "
                    "if you watched, read; if you read, watch or lab.",
                ),
                (
                    PhaseKind.MIXED_REVIEW,
                    "Use a second question bank, so you practise the ideas and not remembered answers.",
                ),
            ],
            Remedy.HANDS_ON_LABS: [
                (
                    PhaseKind.INTENSIVE,
                    "Lab time for each focus domain: do the tasks yourself in a lab or "
                    "sandbox, about a third of this phase's hours.",
                ),
                (
                    PhaseKind.MIXED_REVIEW,
                    "Alternate question sets with short hands-on tasks from the weak domains.",
                ),
                (
                    PhaseKind.SIMULATION,
                    "Do the performance-based or lab-style items in every simulation; do not skip them.",
                ),
            ],
            Remedy.TIMED_PRACTICE: [
                (
                    PhaseKind.INTENSIVE,
                    f"End each study block with 10 questions against the clock, at {self._pace()}.",
                ),
                (
                    PhaseKind.MIXED_REVIEW,
                    "Every set is timed; check your pace at the halfway mark and adjust.",
                ),
                (
                    PhaseKind.SIMULATION,
                    "Use a pacing plan: answer what you know first, flag the rest, "
                    "come back with the time left.",
                ),
            ],
            Remedy.EXAM_REHEARSAL: [
                (
                    PhaseKind.SIMULATION,
                    "Take simulations at the time of day of your exam, phone away, no pauses.",
                ),
                (
                    PhaseKind.LIGHT_REVIEW,
                    "Plan a calm exam morning: arrive early; if you freeze, take three "
                    "slow breaths, flag the question and move on.",
                ),
            ],
            Remedy.READ_THE_STEM: [
                (
                    PhaseKind.MIXED_REVIEW,
                    "Reading drill: before the answers, find the exact ask (NOT, BEST, "
                    "FIRST, MOST) and say it in your own words.",
                ),
                (
                    PhaseKind.SIMULATION,
                    "After each simulation, count misreads separately from knowledge misses.",
                ),
            ],
            Remedy.ANSWER_CHANGE_RULE: [
                (
                    PhaseKind.MIXED_REVIEW,
                    "Change an answer only for a concrete reason (a fact you recalled, a word "
                    "you misread); note whether each change helped.",
                ),
                (
                    PhaseKind.SIMULATION,
                    "Keep the answer-change rule in simulations and count how often changes helped.",
                ),
            ],
        }
