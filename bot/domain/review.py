"""Spaced review of missed questions (FSRS), exam-date mode, leeches and why a question was missed.

Every missed question becomes a card scheduled by FSRS (the ``fsrs`` package). We run it without
minute-long learning steps: a certification item re-asked ten minutes later is answered from
short-term memory. So any miss, the first or a later one, brings the question back the next day, and
intervals are whole days from then on. Fuzzing is off so the same history always gives the same
schedule.

**Exam-date mode.** With a booked exam date, desired retention rises linearly from the member's base
(0.9 by default) 30 days out to 0.97 on exam day, so intervals shorten as the exam nears. And a due
date that would fall after the last review day (the day before the exam, kept for light review) is
pulled into the days left. Pulled cards are spread over the later half of those days by a stable hash
of the question id, so they neither pile up on one day nor come back sooner than needed.

**Leeches.** A question missed ``LEECH_LAPSES`` (4) times is a leech: drilling it the same way is not
working. Its reviews show the explanation first, and the member is asked to write their own one-line
rule, kept on the card.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any

from fsrs import Card, Rating, Scheduler, State

from bot.errors import InvalidInput

BASE_RETENTION = 0.9
EXAM_RETENTION = 0.97
EXAM_RAMP_DAYS = 30
LEECH_LAPSES = 4
RULE_MIN_CHARS = 5
RULE_MAX_CHARS = 200


@lru_cache(maxsize=64)
def _scheduler(desired_retention: float) -> Scheduler:
    return Scheduler(
        desired_retention=desired_retention,
        learning_steps=(),
        relearning_steps=(timedelta(days=1),),
        enable_fuzzing=False,
    )


def _utc(when: datetime) -> datetime:
    if when.tzinfo is None:
        raise ValueError("review times must be aware datetimes")
    return when.astimezone(UTC)


@dataclass(frozen=True)
class ReviewState:
    """One member's review card for one question, with what FSRS does not keep: misses and their rule."""

    question_id: str
    card: Card
    lapses: int = 0  # every miss, the first one included
    reviews: int = 0  # reviews after the first miss
    rule: str | None = None

    @property
    def due(self) -> datetime:
        return self.card.due

    def to_dict(self) -> dict[str, Any]:
        return {
            "question_id": self.question_id,
            "card": dict(self.card.to_dict()),
            "lapses": self.lapses,
            "reviews": self.reviews,
            "rule": self.rule,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReviewState:
        card = Card.from_dict(data["card"])
        card.due = _utc(card.due)
        if card.last_review is not None:
            card.last_review = _utc(card.last_review)
        return cls(
            question_id=str(data["question_id"]),
            card=card,
            lapses=int(data.get("lapses", 0)),
            reviews=int(data.get("reviews", 0)),
            rule=data.get("rule"),
        )


def effective_retention(now: datetime, exam_date: date | None, base: float = BASE_RETENTION) -> float:
    """Desired retention for a review made at ``now``: ``base``, rising linearly to 0.97 over the last 30 days."""
    if exam_date is None:
        return base
    days_left = (exam_date - _utc(now).date()).days
    if days_left < 0 or days_left > EXAM_RAMP_DAYS or base >= EXAM_RETENTION:
        return base
    progress = 1 - days_left / EXAM_RAMP_DAYS
    return round(base + (EXAM_RETENTION - base) * progress, 4)


def _spread_day(question_id: str, reviews: int, first: date, last: date) -> date:
    """A stable day in the later half of [first, last] for this card."""
    span = (last - first).days + 1
    later_half = max(1, (span + 1) // 2)
    start = last - timedelta(days=later_half - 1)
    digest = hashlib.blake2b(f"{question_id}:{reviews}".encode(), digest_size=8).digest()
    return start + timedelta(days=int.from_bytes(digest, "big") % later_half)


def fit_before_exam(
    due: datetime, *, reviewed_at: datetime, question_id: str, reviews: int, exam_date: date | None
) -> datetime:
    """``due``, or a day before the exam if ``due`` falls after the last review day (exam day minus one).

    When no whole day is left between the review and the last review day, the card stays due at once:
    a last look is all the time allows.
    """
    due = _utc(due)
    if exam_date is None:
        return due
    reviewed_at = _utc(reviewed_at)
    last_day = exam_date - timedelta(days=1)
    if reviewed_at.date() > exam_date or due.date() <= last_day:
        return due
    first_day = reviewed_at.date() + timedelta(days=1)
    if first_day > last_day:
        return min(due, reviewed_at)
    day = _spread_day(question_id, reviews, first_day, last_day)
    return datetime.combine(day, reviewed_at.time(), tzinfo=UTC)


def _rating(rating_or_correct: Rating | bool) -> Rating:
    if isinstance(rating_or_correct, bool):
        return Rating.Good if rating_or_correct else Rating.Again
    return Rating(rating_or_correct)


def new_card_from_miss(
    question_id: str,
    now: datetime,
    *,
    desired_retention: float = BASE_RETENTION,
    exam_date: date | None = None,
) -> ReviewState:
    """A card for a question just missed, with the miss recorded as its first ("again") review."""
    now = _utc(now)
    card = Card(card_id=int(now.timestamp() * 1000), state=State.Learning, due=now)
    scheduler = _scheduler(effective_retention(now, exam_date, desired_retention))
    card, _ = scheduler.review_card(card, Rating.Again, now)
    card.due = fit_before_exam(card.due, reviewed_at=now, question_id=question_id, reviews=0, exam_date=exam_date)
    return ReviewState(question_id=question_id, card=card, lapses=1, reviews=0)


def review(
    card_state: ReviewState,
    rating_or_correct: Rating | bool,
    now: datetime,
    *,
    desired_retention: float = BASE_RETENTION,
    exam_date: date | None = None,
) -> tuple[ReviewState, datetime]:
    """Record one review (a bool means right/wrong: Good/Again) and return the new state and its due time."""
    now = _utc(now)
    rating = _rating(rating_or_correct)
    scheduler = _scheduler(effective_retention(now, exam_date, desired_retention))
    card, _ = scheduler.review_card(card_state.card, rating, now)
    reviews = card_state.reviews + 1
    card.due = fit_before_exam(
        card.due, reviewed_at=now, question_id=card_state.question_id, reviews=reviews, exam_date=exam_date
    )
    state = replace(
        card_state,
        card=card,
        reviews=reviews,
        lapses=card_state.lapses + (1 if rating is Rating.Again else 0),
    )
    return state, card.due


def due_order(cards: Iterable[ReviewState], now: datetime, exam_date: date | None = None) -> list[str]:
    """Ids of the cards due at ``now``, most overdue first (ties: more misses first, then id).

    With an exam date, a card scheduled before the date was booked and due after the last review day
    counts as due on its pulled day, so booking an exam brings far-off cards forward.
    """
    now = _utc(now)
    ready: list[tuple[datetime, int, str]] = []
    for c in cards:
        reviewed = c.card.last_review or c.card.due
        due = fit_before_exam(
            c.card.due, reviewed_at=reviewed, question_id=c.question_id, reviews=c.reviews, exam_date=exam_date
        )
        if due <= now:
            ready.append((due, -c.lapses, c.question_id))
    ready.sort()
    return [qid for _, _, qid in ready]


# --- leeches ---------------------------------------------------------------------------------------


def is_leech(state: ReviewState) -> bool:
    return state.lapses >= LEECH_LAPSES


def review_mode(state: ReviewState) -> str:
    """ "explanation_first" for a leech: read the why before trying again; otherwise "normal"."""
    return "explanation_first" if is_leech(state) else "normal"


def needs_rule(state: ReviewState) -> bool:
    """A leech without the member's own rule yet: time to ask for one."""
    return is_leech(state) and not state.rule


def with_rule(state: ReviewState, text: str) -> ReviewState:
    """The state with the member's one-line rule; spacing and line breaks fold into single spaces."""
    rule = " ".join(str(text).split())
    if not rule:
        raise InvalidInput(
            "Your rule is empty.",
            hint="Write one line in your own words, like 'SMS = smishing, voice = vishing'.",
        )
    if len(rule) < RULE_MIN_CHARS:
        raise InvalidInput(
            f"That rule is a bit short to help later ({len(rule)} characters).",
            hint=f"A few words are enough: at least {RULE_MIN_CHARS} characters.",
        )
    if len(rule) > RULE_MAX_CHARS:
        raise InvalidInput(
            f"That rule is {len(rule)} characters; one line of at most {RULE_MAX_CHARS} is easier to recall.",
            hint="Keep the one idea that would have got this question right.",
        )
    return replace(state, rule=rule)


# --- why a question was missed ---------------------------------------------------------------------


class MissReason(StrEnum):
    CONCEPT = "concept"
    TERM = "term"
    MISREAD = "misread"
    REASONING = "reasoning"
    CHANGED_ANSWER = "changed_answer"
    GUESSED = "guessed"

    @property
    def label(self) -> str:
        return _REASON_TEXT[self][0]

    @property
    def plural(self) -> str:
        return _REASON_TEXT[self][1]

    @property
    def remedy(self) -> str:
        return _REASON_TEXT[self][2]


_REASON_TEXT: dict[MissReason, tuple[str, str, str]] = {
    MissReason.CONCEPT: (
        "I misunderstood the concept",
        "concept gaps",
        "go back to the objective's explanation and teach it to someone in two sentences",
    ),
    MissReason.TERM: (
        "I didn't know a term",
        "unknown terms",
        "keep a glossary of the terms you miss and review it with your cards",
    ),
    MissReason.MISREAD: (
        "I misread the question",
        "misreads",
        "slow down on stems: find the qualifier (BEST, FIRST, NOT) before reading the options",
    ),
    MissReason.REASONING: (
        "My reasoning was off",
        "reasoning slips",
        "say why each wrong option is wrong before you pick, not only why yours is right",
    ),
    MissReason.CHANGED_ANSWER: (
        "I changed a right answer",
        "changed right answers",
        "change an answer only when you find a fact you missed, not on a second feeling",
    ),
    MissReason.GUESSED: (
        "I guessed",
        "guesses",
        "mark guessed items and study their domain first: a lucky guess hides a gap too",
    ),
}


@dataclass(frozen=True)
class PatternInsight:
    reason: MissReason
    count: int
    share: float  # of all the misses given, 0..1
    remedy: str

    @property
    def percent(self) -> int:
        return round(self.share * 100)

    @property
    def text(self) -> str:
        return f"{self.percent}% of your misses are {self.reason.plural}: {self.remedy}."


def error_pattern(reasons: Sequence[MissReason]) -> list[PatternInsight]:
    """How the member's misses split by reason, largest first, each with what to do about it."""
    if not reasons:
        return []
    counts = Counter(MissReason(r) for r in reasons)
    total = sum(counts.values())
    order = list(MissReason)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], order.index(item[0])))
    return [PatternInsight(reason=r, count=n, share=n / total, remedy=r.remedy) for r, n in ranked]
