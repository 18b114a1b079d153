"""Mock exams: their shape, their scoring, a labelled scaled-score estimate and the session rules.

Modes:
- ``strict``: one question at a time, no going back, no flags: the hardest habit to practise.
- ``exam``: like the real test centre: flag questions, jump around, change answers until time is up.
- ``relaxed``: practice without a clock; it never counts towards readiness.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from bot.domain.banks import Question
from bot.domain.exams import Exam
from bot.errors import InvalidInput, NotAllowed, NotFound

LENGTHS = ("full", "half")
MODES = ("strict", "exam", "relaxed")

# Used when the vendor publishes no question count or time limit (several performance-based and
# lab exams don't); the shape note tells the member these numbers are ours.
DEFAULT_QUESTION_COUNT = 50
DEFAULT_DURATION_MINUTES = 90

# CompTIA and Microsoft publish a scaled passing score (750 of 100-900, 700 of 1-1000) but not the
# raw percentage behind it, and the raw cut varies by exam form. 75 % raw is the anchor we map to
# the passing score; it is a rule of thumb, which is why the result is always labelled an estimate.
RAW_PASS_ANCHOR_BY_VENDOR = {"comptia": 75.0, "microsoft": 75.0}
ESTIMATE_BAND_POINTS = 5.0  # +/- raw points shown as the estimate's range


class MockShape(NamedTuple):
    question_count: int
    duration_minutes: int


def _check_length(length: str) -> str:
    if length not in LENGTHS:
        raise InvalidInput(f"A mock can be 'full' or 'half' length, not '{length}'.")
    return length


def mock_shape(exam: Exam, length: str) -> MockShape:
    """Questions and minutes for a mock: the blueprint's for full, half of both (rounded up) for half."""
    _check_length(length)
    questions = exam.max_questions or DEFAULT_QUESTION_COUNT
    minutes = exam.duration_minutes or DEFAULT_DURATION_MINUTES
    if length == "half":
        return MockShape(math.ceil(questions / 2), math.ceil(minutes / 2))
    return MockShape(questions, minutes)


def shape_note(exam: Exam) -> str | None:
    """What to tell the member when a mock's shape uses our defaults instead of published numbers."""
    missing = []
    if not exam.max_questions:
        missing.append(f"{DEFAULT_QUESTION_COUNT} questions")
    if not exam.duration_minutes:
        missing.append(f"{DEFAULT_DURATION_MINUTES} minutes")
    if not missing:
        return None
    return (
        f"{exam.vendor} doesn't publish this for {exam.code}, so a full mock uses our default of "
        f"{' and '.join(missing)}."
    )


@dataclass(frozen=True)
class ScaledEstimate:
    value: int
    low: int
    high: int
    label: str
    explanation: str


def raw_pass_anchor(exam: Exam) -> float | None:
    """The raw percentage we map onto the exam's passing score."""
    anchor = RAW_PASS_ANCHOR_BY_VENDOR.get(exam.vendor.strip().lower())
    return anchor if anchor is not None else exam.passing_percent()


def _to_scale(raw: float, anchor: float, low: float, passing: float, high: float) -> float:
    raw = min(100.0, max(0.0, raw))
    if raw <= anchor:
        return low + (passing - low) * raw / anchor
    return passing + (high - passing) * (raw - anchor) / (100.0 - anchor)


def estimate_scaled_score(exam: Exam, raw_percent: float) -> ScaledEstimate | None:
    """A labelled estimate of the vendor's scaled score; ``None`` when the exam has no score scale.

    Piecewise linear: 0 % -> scale minimum, the raw anchor -> passing score, 100 % -> maximum.
    """
    if not 0 <= raw_percent <= 100:
        raise InvalidInput("A mock score is a percentage from 0 to 100.")
    if exam.passing_score is None or exam.scale_max is None:
        return None
    low = exam.scale_min or 0.0
    anchor = raw_pass_anchor(exam)
    if anchor is None or not 0 < anchor < 100 or not low <= exam.passing_score <= exam.scale_max:
        return None
    passing, high = exam.passing_score, exam.scale_max

    def scaled(raw: float) -> int:
        return round(_to_scale(raw, anchor, low, passing, high))

    value = scaled(raw_percent)
    return ScaledEstimate(
        value=value,
        low=scaled(raw_percent - ESTIMATE_BAND_POINTS),
        high=scaled(raw_percent + ESTIMATE_BAND_POINTS),
        label=f"about {value} (estimate)",
        explanation=(
            f"{exam.vendor} doesn't publish how raw answers turn into its {low:g}-{high:g} scale, so "
            f"this is our estimate, not a score the vendor would give: we treat {anchor:g}% correct "
            f"as the passing {passing:g} and scale evenly on either side. Questions carry different "
            "weights on the real exam, so read it as a range."
        ),
    )


@dataclass(frozen=True)
class MockQuestion:
    """What scoring needs from a bank question: its id, its domain and the correct choice(s).

    Choice ids are compared case-insensitively (stored lower-case, as the question banks do).
    """

    id: str
    domain: str
    correct: frozenset[str]

    @classmethod
    def from_bank(cls, question: Question) -> MockQuestion:
        return cls.of(question.id, question.domain, sorted(question.answer))

    @classmethod
    def of(cls, qid: str, domain: str, correct: str | Sequence[str]) -> MockQuestion:
        choices = [correct] if isinstance(correct, str) else list(correct)
        return cls(qid, domain, frozenset(c.strip().lower() for c in choices))


Answer = str | Sequence[str]


def _as_choice(answer: Answer | None) -> frozenset[str] | None:
    if answer is None:
        return None
    items = [answer] if isinstance(answer, str) else list(answer)
    choice = frozenset(a.strip().lower() for a in items if a and a.strip())
    return choice or None


@dataclass(frozen=True)
class MockScore:
    raw_percent: float
    correct: int
    total: int
    per_domain: dict[str, tuple[int, int, float]]  # domain -> (correct, total, percent)
    unanswered: int
    answers_changed: int
    time_used: timedelta
    timed_out: bool
    misses: list[str]  # wrong or unanswered question ids, in question order


def score_mock(
    questions: Sequence[MockQuestion],
    answers: Mapping[str, Answer | None],
    *,
    started_at: datetime,
    finished_at: datetime,
    timed_out: bool,
    changes: Mapping[str, int] | int = 0,
) -> MockScore:
    """Score a finished mock. A multi-answer question is right only when exactly its choices are given."""
    if not questions:
        raise ValueError("a mock needs at least one question")
    if finished_at < started_at:
        raise ValueError("a mock cannot finish before it starts")
    per: dict[str, list[int]] = {}
    misses: list[str] = []
    correct = unanswered = 0
    for q in questions:
        tally = per.setdefault(q.domain, [0, 0])
        tally[1] += 1
        given = _as_choice(answers.get(q.id))
        if given is None:
            unanswered += 1
            misses.append(q.id)
        elif given == q.correct:
            correct += 1
            tally[0] += 1
        else:
            misses.append(q.id)
    changed = changes if isinstance(changes, int) else sum(changes.values())
    return MockScore(
        raw_percent=round(100.0 * correct / len(questions), 1),
        correct=correct,
        total=len(questions),
        per_domain={d: (c, t, round(100.0 * c / t, 1)) for d, (c, t) in per.items()},
        unanswered=unanswered,
        answers_changed=changed,
        time_used=finished_at - started_at,
        timed_out=timed_out,
        misses=misses,
    )


class TimeUp(NotAllowed):
    code = "mock_time_up"


class MockFinished(NotAllowed):
    code = "mock_finished"


def _clock_text(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@dataclass
class MockSession:
    """The state of one mock in progress. Pure: every method gets the time it needs as an argument."""

    question_ids: tuple[str, ...]
    mode: str
    started_at: datetime
    deadline: datetime | None  # None only in relaxed mode
    index: int = 0
    answers: dict[str, frozenset[str]] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    changes: dict[str, int] = field(default_factory=dict)
    finished_at: datetime | None = None

    @classmethod
    def start(
        cls, question_ids: Sequence[str], *, mode: str, now: datetime, duration_minutes: int | None
    ) -> MockSession:
        if mode not in MODES:
            raise InvalidInput(f"A mock can run in {', '.join(MODES)} mode, not '{mode}'.")
        ids = tuple(question_ids)
        if not ids:
            raise InvalidInput("There are no questions for this mock yet.")
        if len(set(ids)) != len(ids):
            raise ValueError("a question may appear only once in a mock")
        if mode == "relaxed":
            deadline = None
        else:
            if not duration_minutes or duration_minutes <= 0:
                raise ValueError("a timed mock needs a positive duration")
            deadline = now + timedelta(minutes=duration_minutes)
        return cls(question_ids=ids, mode=mode, started_at=now, deadline=deadline)

    @property
    def current_id(self) -> str:
        return self.question_ids[self.index]

    def is_expired(self, now: datetime) -> bool:
        return self.deadline is not None and now >= self.deadline

    def remaining(self, now: datetime) -> timedelta | None:
        if self.deadline is None:
            return None
        return max(timedelta(0), self.deadline - now)

    def countdown_text(self, now: datetime) -> str:
        left = self.remaining(now)
        if left is None:
            return "No time limit: take the time you need."
        if left <= timedelta(0):
            return "Time is up."
        return f"{_clock_text(math.ceil(left.total_seconds()))} left"

    def _check_open(self, now: datetime) -> None:
        if self.finished_at is not None:
            raise MockFinished("This mock is already finished. Start a new one whenever you're ready.")
        if self.is_expired(now):
            raise TimeUp("Time is up for this mock, so answers can't be changed now. Let's look at the results.")

    def _position(self, qid: str) -> int:
        try:
            return self.question_ids.index(qid)
        except ValueError:
            raise NotFound("That question isn't part of this mock.") from None

    def answer(self, qid: str, choice: Answer, now: datetime) -> None:
        self._check_open(now)
        position = self._position(qid)
        given = _as_choice(choice)
        if given is None:
            raise InvalidInput("Pick at least one answer first.")
        if self.mode == "strict" and (position != self.index or qid in self.answers):
            if position <= self.index:
                raise NotAllowed("In strict mode answers are final once you move on; that one is locked.")
            raise NotAllowed(f"In strict mode questions come in order; please answer question {self.index + 1}.")
        previous = self.answers.get(qid)
        if previous is not None and previous != given:
            self.changes[qid] = self.changes.get(qid, 0) + 1
        self.answers[qid] = given
        if position == self.index and self.index < len(self.question_ids) - 1:
            self.index += 1

    def _require_navigation(self, action: str) -> None:
        if self.mode == "strict":
            raise NotAllowed(f"Strict mode doesn't allow {action}; switch to exam mode for that.")

    def flag(self, qid: str, now: datetime | None = None) -> bool:
        """Toggle a review flag; returns whether the question is now flagged."""
        self._require_navigation("flagging questions")
        if now is not None:
            self._check_open(now)
        self._position(qid)
        if qid in self.flags:
            self.flags.discard(qid)
            return False
        self.flags.add(qid)
        return True

    def goto(self, index: int, now: datetime | None = None) -> str:
        """Move to question ``index`` (0-based); returns its id."""
        self._require_navigation("going back to other questions")
        if now is not None:
            self._check_open(now)
        if not 0 <= index < len(self.question_ids):
            raise InvalidInput(f"Pick a question number from 1 to {len(self.question_ids)}.")
        self.index = index
        return self.current_id

    def unanswered_ids(self) -> list[str]:
        return [q for q in self.question_ids if q not in self.answers]

    def finish(self, now: datetime) -> bool:
        """Close the mock; returns whether it ended because time ran out. Finishing twice is harmless."""
        if self.finished_at is None:
            expired = self.is_expired(now)
            self.finished_at = min(now, self.deadline) if expired and self.deadline else now
        return self.deadline is not None and self.finished_at >= self.deadline

    def score(self, questions: Sequence[MockQuestion]) -> MockScore:
        if self.finished_at is None:
            raise ValueError("finish the mock before scoring it")
        by_id = {q.id: q for q in questions}
        missing = [q for q in self.question_ids if q not in by_id]
        if missing:
            raise ValueError(f"questions not supplied for scoring: {missing}")
        return score_mock(
            [by_id[q] for q in self.question_ids],
            self.answers,
            started_at=self.started_at,
            finished_at=self.finished_at,
            timed_out=self.deadline is not None and self.finished_at >= self.deadline,
            changes=self.changes,
        )
