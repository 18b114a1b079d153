"""What one counted answer does to mastery and the review card (shared by practice, mocks and quiz rounds)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.answer_effect import count_answer
from bot.domain.banks import Option, Question, QuestionType
from bot.domain.mastery import DomainMastery
from bot.domain.review import EXAM_RETENTION, new_card_from_miss, review

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=20)


def question(difficulty: int = 2) -> Question:
    return Question(
        id="q1", exam="SY0-701", domain="2.0", objective=None, type=QuestionType.SINGLE, choose=1, stem="Which?",
        options=(Option("a", "A"), Option("b", "B")), answer=frozenset({"a"}), explanation="Because.",
        difficulty=difficulty,
    )


def seasoned_card():
    """A card missed at T0 and answered right twice since: its next interval is several days."""
    card = new_card_from_miss("q1", T0)
    for _ in range(2):
        card, _ = review(card, True, card.due)
    return card


START = DomainMastery("2.0", 0.5, answered=4, correct=2)


@pytest.mark.parametrize(
    ("has_card", "correct", "card_expected", "lapses", "reviews"),
    [
        (False, True, False, None, None),  # right, never missed: nothing to review
        (False, False, True, 1, 0),  # first miss: a new card, the miss counted as its first lapse
        (True, True, True, 1, 3),  # right on a card: reviewed, no new lapse
        (True, False, True, 2, 3),  # missed again: reviewed and one more lapse
    ],
)
def test_the_card_an_answer_leaves(has_card, correct, card_expected, lapses, reviews):
    """A miss makes a card, an answer to a carded question reviews it, a right answer alone makes none."""
    card = seasoned_card() if has_card else None
    effect = count_answer(question(), correct, mastery=START, card=card, now=NOW)
    assert (effect.card is not None) is card_expected
    if card_expected:
        assert (effect.card.question_id, effect.card.lapses, effect.card.reviews) == ("q1", lapses, reviews)
        assert effect.card.due > NOW


@pytest.mark.parametrize("has_card", [False, True])
@pytest.mark.parametrize(
    ("correct", "difficulty", "mastery"),
    [
        (True, 1, 0.53),  # an easy one right moves a little
        (True, 3, 0.57),  # a hard one right moves more
        (False, 1, 0.43),  # an easy one missed moves more
        (False, 3, 0.47),  # a hard one missed moves a little
    ],
)
def test_mastery_always_moves_by_difficulty(has_card, correct, difficulty, mastery):
    """Mastery moves on every answer, card or not, weighted by the question's difficulty, and the counts grow."""
    effect = count_answer(question(difficulty), correct, mastery=START,
                          card=seasoned_card() if has_card else None, now=NOW)
    assert effect.mastery.mastery == pytest.approx(mastery)
    assert (effect.mastery.domain, effect.mastery.answered, effect.mastery.correct) == ("2.0", 5, 2 + int(correct))


def test_a_booked_exam_pulls_the_next_review_before_it():
    """With the exam three days away, a right answer's next review lands before exam day, not after it."""
    exam_day = (NOW + timedelta(days=3)).date()
    free = count_answer(question(), True, mastery=START, card=seasoned_card(), now=NOW)
    booked = count_answer(question(), True, mastery=START, card=seasoned_card(), now=NOW, exam_date=exam_day)
    assert free.card.due.date() >= exam_day > booked.card.due.date()


def test_a_higher_desired_retention_brings_the_review_sooner():
    """The member's desired retention reaches the scheduler: aiming higher shortens the interval."""
    base = count_answer(question(), True, mastery=START, card=seasoned_card(), now=NOW)
    keen = count_answer(question(), True, mastery=START, card=seasoned_card(), now=NOW,
                        desired_retention=EXAM_RETENTION)
    assert keen.card.due < base.card.due
