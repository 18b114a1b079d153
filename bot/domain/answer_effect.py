"""What one counted answer does to a member's record: their mastery of the question's domain and its review card.

Solo practice, mock exams and group quiz rounds all count answers the same way, so the rule lives here once:

* mastery always moves (``DomainMastery.record``, weighted by the question's difficulty);
* a miss on a question without a card creates one (``new_card_from_miss``);
* an answer to a question that has a card reviews it, right or wrong (``review``);
* a right answer to a question without a card leaves no card: there is nothing to review.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.banks import Question
from bot.domain.mastery import DomainMastery
from bot.domain.review import BASE_RETENTION, ReviewState, new_card_from_miss, review


@dataclass(frozen=True)
class AnswerEffect:
    """The member's mastery after the answer, and their card for the question (None: no card to save)."""

    mastery: DomainMastery
    card: ReviewState | None


def count_answer(
    question: Question, correct: bool, *, mastery: DomainMastery, card: ReviewState | None, now: datetime,
    desired_retention: float = BASE_RETENTION, exam_date: date | None = None,
) -> AnswerEffect:
    """The effect of one answer, given the member's current mastery of the question's domain (stored, or their
    starting estimate) and their card for the question (None when they have none)."""
    moved = mastery.record(correct, question.difficulty)
    if card is None and correct:
        return AnswerEffect(moved, None)
    if card is None:
        return AnswerEffect(moved, new_card_from_miss(question.id, now, desired_retention=desired_retention,
                                                      exam_date=exam_date))
    reviewed, _ = review(card, correct, now, desired_retention=desired_retention, exam_date=exam_date)
    return AnswerEffect(moved, reviewed)
