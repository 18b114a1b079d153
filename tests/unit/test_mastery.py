"""Per-domain mastery: the prior from a score report and the update after each answer."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.mastery import DomainMastery, initial_mastery, update_mastery


@pytest.mark.parametrize(("percent", "expected"), [(None, 0.5), (62, 0.62), (0, 0.05), (100, 0.95)])
def test_initial_mastery_from_score_report(percent, expected):
    """The prior is the reported percentage, kept off the 0 and 1 extremes; no report means 0.5."""
    assert initial_mastery(percent) == pytest.approx(expected)


@pytest.mark.parametrize("percent", [-1, 101])
def test_initial_mastery_refuses_impossible_percentages(percent):
    """A percentage outside 0–100 is a caller bug, not a prior."""
    with pytest.raises(ValueError):
        initial_mastery(percent)


@given(m=st.floats(0, 1), difficulty=st.sampled_from([1, 2, 3]))
def test_correct_answer_never_lowers_and_miss_never_raises(m, difficulty):
    """A right answer moves mastery up (or keeps it at 1); a miss moves it down (or keeps it at 0)."""
    up = update_mastery(m, True, difficulty)
    down = update_mastery(m, False, difficulty)
    assert m <= up <= 1
    assert 0 <= down <= m


@given(
    a=st.floats(0, 1),
    b=st.floats(0, 1),
    correct=st.booleans(),
    difficulty=st.sampled_from([1, 2, 3]),
)
def test_update_preserves_order(a, b, correct, difficulty):
    """Whoever was ahead stays ahead after the same answer: the update is monotonic in mastery."""
    lo, hi = sorted((a, b))
    assert update_mastery(lo, correct, difficulty) <= update_mastery(hi, correct, difficulty)


@given(answers=st.lists(st.tuples(st.booleans(), st.sampled_from([1, 2, 3])), max_size=200))
def test_mastery_stays_bounded_over_any_history(answers):
    """Any sequence of answers keeps mastery within [0, 1]."""
    m = 0.5
    for correct, difficulty in answers:
        m = update_mastery(m, correct, difficulty)
        assert 0 <= m <= 1


def test_hard_items_move_more_on_success():
    """Getting a hard item right raises mastery more than getting an easy one right."""
    assert update_mastery(0.5, True, 3) > update_mastery(0.5, True, 2) > update_mastery(0.5, True, 1)


def test_easy_items_move_more_on_a_miss():
    """Missing an easy item lowers mastery more than missing a hard one."""
    assert update_mastery(0.5, False, 1) < update_mastery(0.5, False, 2) < update_mastery(0.5, False, 3)


def test_surprise_moves_more_than_the_expected():
    """A right answer from a weak member moves mastery more than one from a strong member."""
    assert update_mastery(0.2, True) - 0.2 > update_mastery(0.8, True) - 0.8


def test_repeated_success_approaches_but_never_passes_one():
    """Fifty right answers in a row get close to 1 without passing it."""
    m = 0.5
    for _ in range(50):
        m = update_mastery(m, True, 3)
    assert 0.99 < m <= 1


@pytest.mark.parametrize(("m", "difficulty", "weight"), [(1.5, 2, 0.1), (0.5, 4, 0.1), (0.5, 3, 0.9)])
def test_update_refuses_bad_arguments(m, difficulty, weight):
    """Mastery outside [0,1], an unknown difficulty or a weight that could overshoot is refused."""
    with pytest.raises(ValueError):
        update_mastery(m, True, difficulty, weight=weight)


def test_domain_mastery_keeps_counts():
    """The record counts answers and right answers beside the estimate."""
    record = DomainMastery.from_score("2.0", 40)
    for correct in (True, False, True, True):
        record = record.record(correct, 2)
    assert (record.answered, record.correct) == (4, 3)
    assert record.accuracy == pytest.approx(0.75)
    assert record.mastery > 0.4


def test_fresh_record_has_no_accuracy():
    """Before the first answer there is no accuracy to show."""
    assert DomainMastery("1.0").accuracy is None
