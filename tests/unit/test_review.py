"""Spaced review of missed questions: FSRS cards, exam-date mode, leeches and miss reasons."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from fsrs import Rating, State

from bot.domain.review import (
    BASE_RETENTION,
    EXAM_RETENTION,
    MissReason,
    ReviewState,
    due_order,
    effective_retention,
    error_pattern,
    is_leech,
    needs_rule,
    new_card_from_miss,
    review,
    review_mode,
    with_rule,
)
from bot.errors import InvalidInput

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def settled(question_id: str = "q1", rounds: int = 5) -> ReviewState:
    """A card missed once, then answered right at each due time: long intervals by the end."""
    state = new_card_from_miss(question_id, T0)
    for _ in range(rounds):
        state, _ = review(state, True, state.due)
    return state


def test_a_miss_becomes_a_card_due_the_next_day():
    """A new miss is a review card due one day later, with the miss counted."""
    state = new_card_from_miss("sy0701-d2-014", T0)
    assert state.due == T0 + timedelta(days=1)
    assert state.card.state is State.Review
    assert state.lapses == 1


def test_state_round_trips_through_json():
    """A state survives to_dict, JSON and from_dict unchanged, and schedules the same afterwards."""
    state = with_rule(settled(rounds=3), "SMS means smishing")
    restored = ReviewState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert restored == state
    assert review(restored, True, state.due)[1] == review(state, True, state.due)[1]


def test_right_answers_space_reviews_further_apart():
    """Each right answer at the due time gives a longer interval than the last."""
    state = new_card_from_miss("q1", T0)
    gaps = []
    for _ in range(4):
        reviewed_at = state.due
        state, due = review(state, True, reviewed_at)
        gaps.append(due - reviewed_at)
    assert gaps == sorted(gaps)
    assert gaps[0] < gaps[-1]


def test_a_miss_brings_the_card_back_next_day_and_counts_a_lapse():
    """Missing a settled card brings it back a day later and adds a lapse."""
    state = settled()
    after, due = review(state, False, state.due)
    assert due == state.due + timedelta(days=1)
    assert after.lapses == state.lapses + 1


@pytest.mark.parametrize(("given", "rating"), [(True, Rating.Good), (False, Rating.Again)])
def test_bool_means_good_or_again(given, rating):
    """Right/wrong map to the Good and Again ratings."""
    state = settled(rounds=2)
    assert review(state, given, state.due) == review(state, rating, state.due)


def test_naive_time_is_refused():
    """Times without a zone are a bug, not a guess."""
    with pytest.raises(ValueError):
        new_card_from_miss("q1", datetime(2026, 3, 1, 9, 0))  # noqa: DTZ001


@pytest.mark.parametrize(
    ("days_left", "expected"),
    [(None, 0.9), (45, 0.9), (30, 0.9), (15, 0.935), (0, EXAM_RETENTION), (-1, 0.9)],
)
def test_retention_rises_linearly_over_the_last_30_days(days_left, expected):
    """Desired retention climbs from the base 30 days out to 0.97 on exam day, and resets after it."""
    exam = None if days_left is None else T0.date() + timedelta(days=days_left)
    assert effective_retention(T0, exam, BASE_RETENTION) == pytest.approx(expected)


def test_exam_mode_shortens_intervals():
    """Near the exam the same review gives a shorter interval than without an exam booked."""
    state = new_card_from_miss("q1", T0)
    _, plain = review(state, True, state.due)
    _, near_exam = review(state, True, state.due, exam_date=T0.date() + timedelta(days=20))
    assert near_exam < plain


def test_exam_mode_pulls_due_dates_before_the_exam():
    """A review that would fall after the exam is moved to a day before the last review day."""
    state = settled(rounds=5)
    now = state.due
    exam = now.date() + timedelta(days=10)
    _, free_due = review(state, True, now)
    _, due = review(state, True, now, exam_date=exam)
    assert free_due.date() > exam
    assert now < due
    assert due.date() <= exam - timedelta(days=1)


def test_pulled_reviews_are_spread_over_several_days():
    """Many cards pulled before the same exam land on several days, none after the last review day."""
    exam = date(2026, 5, 1)
    days = set()
    for i in range(30):
        state = settled(question_id=f"q{i}", rounds=5)
        now = datetime(2026, 4, 11, 9, 0, tzinfo=UTC)
        _, due = review(state, True, now, exam_date=exam)
        assert due.date() <= exam - timedelta(days=1)
        days.add(due.date())
    assert len(days) >= 4


def test_exam_tomorrow_leaves_the_card_for_a_last_look():
    """With no whole day left before the exam, the card stays due now rather than after the exam."""
    state = settled(rounds=3)
    now = state.due
    _, due = review(state, True, now, exam_date=now.date() + timedelta(days=1))
    assert due == now


def test_past_exam_date_changes_nothing():
    """An exam date already past neither raises retention nor pulls due dates."""
    state = settled(rounds=3)
    now = state.due
    assert review(state, True, now, exam_date=now.date() - timedelta(days=3)) == review(state, True, now)


def test_due_order_lists_due_cards_most_overdue_first():
    """Only due cards are listed, the most overdue first."""
    a = new_card_from_miss("a", T0)
    b = new_card_from_miss("b", T0 + timedelta(hours=5))
    c = new_card_from_miss("c", T0 + timedelta(days=3))
    assert due_order([c, b, a], T0 + timedelta(days=1, hours=6)) == ["a", "b"]


def test_due_order_ties_go_to_the_card_missed_more():
    """Between cards due at the same time, the one missed more often comes first."""
    a = new_card_from_miss("a", T0)
    b, _ = review(new_card_from_miss("b", T0 - timedelta(days=1)), False, T0)
    assert due_order([a, b], T0 + timedelta(days=2)) == ["b", "a"]


def test_due_order_brings_far_cards_forward_for_a_booked_exam():
    """A card due after a newly booked exam counts as due before it."""
    state = settled(rounds=5)
    exam = state.card.last_review.date() + timedelta(days=12)
    assert state.due.date() > exam
    assert due_order([state], datetime.combine(exam, state.due.time(), tzinfo=UTC)) == []
    assert due_order([state], datetime.combine(exam, state.due.time(), tzinfo=UTC), exam_date=exam) == ["q1"]


def miss_times(n: int) -> ReviewState:
    state = new_card_from_miss("q1", T0)
    for _ in range(n - 1):
        state, _ = review(state, False, state.due)
    return state


@pytest.mark.parametrize(("misses", "leech", "mode"), [(3, False, "normal"), (4, True, "explanation_first")])
def test_fourth_miss_makes_a_leech(misses, leech, mode):
    """The fourth miss turns a card into a leech, reviewed explanation first."""
    state = miss_times(misses)
    assert is_leech(state) is leech
    assert review_mode(state) == mode


def test_leech_asks_for_a_rule_until_it_has_one():
    """A leech needs the member's rule; once written it is kept on the card."""
    state = miss_times(4)
    assert needs_rule(state)
    ruled = with_rule(state, "  Text message\n= smishing  ")
    assert ruled.rule == "Text message = smishing"
    assert not needs_rule(ruled)
    assert review(ruled, True, ruled.due)[0].rule == ruled.rule


@pytest.mark.parametrize("text", ["", "   \n ", "abc", "x" * 201])
def test_rule_must_be_one_useful_line(text):
    """A blank, too short or too long rule is refused with a kind message."""
    with pytest.raises(InvalidInput):
        with_rule(miss_times(4), text)


def test_error_pattern_percentages_and_order():
    """Misses split by reason, largest share first, with a remedy in each line."""
    reasons = [MissReason.MISREAD, MissReason.GUESSED, MissReason.TERM, MissReason.GUESSED, MissReason.MISREAD]
    insights = error_pattern(reasons)
    assert [(i.reason, i.count, i.percent) for i in insights] == [
        (MissReason.MISREAD, 2, 40),
        (MissReason.GUESSED, 2, 40),
        (MissReason.TERM, 1, 20),
    ]
    assert insights[0].text.startswith("40% of your misses are misreads: slow down on stems")


def test_error_pattern_of_nothing_is_empty():
    """No recorded reasons, no pattern."""
    assert error_pattern([]) == []


@pytest.mark.parametrize("reason", list(MissReason))
def test_every_reason_has_plain_words_and_a_remedy(reason):
    """Every miss reason has a label to show and a remedy to suggest."""
    assert reason.label and reason.plural and reason.remedy
