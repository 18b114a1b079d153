"""Choosing practice questions (weak domains first, due reviews first) and drawing mock exams."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date

import pytest

from bot.domain.banks import Option, Question, QuestionType
from bot.domain.exams import Confidence, Domain, Exam, ExamStatus, Source
from bot.domain.selection import (
    NEED_FLOOR,
    QuestionIndex,
    domain_shares,
    draw_mock,
    largest_remainder,
    select_questions,
)

SECPLUS = Exam(
    code="SY0-701",
    name="CompTIA Security+",
    vendor="CompTIA",
    policy_id="comptia",
    status=ExamStatus.CURRENT,
    domains=tuple(Domain(f"{n}.0", f"Domain {n}", weight=w) for n, w in ((1, 12), (2, 22), (3, 18), (4, 28), (5, 20))),
    source=Source(("https://example.org",), date(2026, 1, 1), Confidence.HIGH),
)
WEIGHTS = {d.number: d.planning_weight for d in SECPLUS.domains}


def question(qid: str, domain: str) -> Question:
    return Question(
        id=qid,
        exam="SY0-701",
        domain=domain,
        objective=None,
        type=QuestionType.SINGLE,
        choose=1,
        stem=f"Stem of {qid}?",
        options=(Option("a", "Yes"), Option("b", "No")),
        answer=frozenset({"a"}),
        explanation="Because.",
    )


def bank(sizes: dict[str, int]) -> tuple[Question, ...]:
    return tuple(question(f"d{d[0]}-{i}", d) for d, n in sizes.items() for i in range(n))


BIG = bank({f"{n}.0": 2000 for n in range(1, 6)})


def test_shares_follow_weight_times_need():
    """A domain's share is proportional to its weight times (1 - mastery)."""
    shares = domain_shares(["1.0", "2.0"], mastery={"1.0": 0.5, "2.0": 0.75}, weights={"1.0": 10, "2.0": 20})
    # 10 x 0.5 = 5 and 20 x 0.25 = 5
    assert shares == pytest.approx({"1.0": 0.5, "2.0": 0.5})


def test_mastered_domain_keeps_a_floor():
    """A fully mastered domain still gets a small share."""
    shares = domain_shares(["1.0", "2.0"], mastery={"1.0": 1.0, "2.0": 0.0}, weights={"1.0": 50, "2.0": 50})
    assert shares["1.0"] == pytest.approx(NEED_FLOOR / (1 + NEED_FLOOR))


def test_shares_accept_either_domain_number_style():
    """Mastery keyed '2' and weights keyed '2.0' still apply to domain 2.0."""
    shares = domain_shares(["1.0", "2.0"], mastery={"2": 0.9}, weights={"1": 50, "2.0": 50})
    assert shares["2.0"] < shares["1.0"]


def test_without_published_weights_domains_weigh_the_same():
    """When no weight is published, mastery alone decides."""
    shares = domain_shares(["1", "2"], mastery={"1": 0.5, "2": 0.5}, weights={})
    assert shares == pytest.approx({"1": 0.5, "2": 0.5})


def test_draws_favour_weak_domains_in_proportion():
    """Over 20,000 draws each domain's frequency matches weight x (1 - mastery) within 1.5 points."""
    mastery = {"1.0": 0.9, "2.0": 0.3, "3.0": 0.6, "4.0": 0.8, "5.0": 0.5}
    index = QuestionIndex.build(BIG)
    rng = random.Random(7)
    counts: Counter[str] = Counter()
    for _ in range(20_000):
        (q,) = select_questions(index, mastery=mastery, weights=WEIGHTS, count=1, rng=rng)
        counts[q.domain] += 1
    expected = domain_shares(list(WEIGHTS), mastery=mastery, weights=WEIGHTS)
    for domain, share in expected.items():
        assert counts[domain] / 20_000 == pytest.approx(share, abs=0.015), domain
    assert counts["2.0"] > counts["4.0"]  # weaker despite a smaller blueprint weight


def test_no_repeats_within_a_session():
    """A session never repeats a question, even when it asks for most of the bank."""
    small = bank({"1.0": 5, "2.0": 5, "3.0": 5, "4.0": 5, "5.0": 5})
    chosen = select_questions(small, mastery={}, weights=WEIGHTS, count=24, rng=random.Random(1))
    ids = [q.id for q in chosen]
    assert len(ids) == len(set(ids)) == 24


def test_excluded_ids_are_never_chosen():
    """Questions already seen are left out."""
    small = bank({"1.0": 10, "2.0": 10})
    exclude = {q.id for q in small[:15]}
    chosen = select_questions(small, mastery={}, weights=WEIGHTS, count=10, exclude_ids=exclude, rng=random.Random(2))
    assert {q.id for q in chosen} == {q.id for q in small[15:]}


def test_due_reviews_come_first_in_their_order():
    """Due review cards lead the session, most overdue first, before any drawn question."""
    due = ["d5-3", "d1-7", "d3-0"]
    chosen = select_questions(BIG, mastery={}, weights=WEIGHTS, count=6, due_ids=due, rng=random.Random(3))
    assert [q.id for q in chosen[:3]] == due
    assert len({q.id for q in chosen}) == 6


def test_due_ids_that_are_gone_or_seen_are_skipped():
    """A due id no longer in the bank, or already seen this session, is skipped."""
    chosen = select_questions(
        BIG,
        mastery={},
        weights=WEIGHTS,
        count=2,
        due_ids=["removed-question", "d1-1", "d2-2"],
        exclude_ids={"d1-1"},
        rng=random.Random(4),
    )
    assert [q.id for q in chosen] == ["d2-2", chosen[1].id]
    assert chosen[1].id not in {"d1-1", "d2-2"}


def test_more_due_than_count_returns_only_due():
    """When more reviews are due than the session holds, the most overdue fill it."""
    due = ["d1-1", "d1-2", "d1-3"]
    chosen = select_questions(BIG, mastery={}, weights=WEIGHTS, count=2, due_ids=due, rng=random.Random(5))
    assert [q.id for q in chosen] == ["d1-1", "d1-2"]


def test_a_domain_that_runs_out_gives_way_to_the_others():
    """When the weakest domain is used up, the session fills from the other domains."""
    uneven = bank({"1.0": 2, "2.0": 50})
    chosen = select_questions(uneven, mastery={"1.0": 0.0, "2.0": 1.0}, weights=WEIGHTS, count=20, rng=random.Random(6))
    assert len(chosen) == 20
    assert Counter(q.domain for q in chosen)["1.0"] == 2


def test_domain_without_weight_is_used_last():
    """A domain the weights do not mention fills in only after the weighted ones run out."""
    mixed = bank({"1.0": 3, "9.0": 3})
    chosen = select_questions(mixed, mastery={}, weights={"1.0": 10}, count=5, rng=random.Random(8))
    assert [q.domain for q in chosen[:3]] == ["1.0"] * 3
    assert [q.domain for q in chosen[3:]] == ["9.0"] * 2


def test_asking_for_more_than_the_bank_returns_the_whole_bank():
    """A session larger than the bank returns every question once."""
    small = bank({"1.0": 3, "2.0": 4})
    chosen = select_questions(small, mastery={}, weights=WEIGHTS, count=50, rng=random.Random(9))
    assert sorted(q.id for q in chosen) == sorted(q.id for q in small)


def test_focus_domain_keeps_to_that_domain():
    """With a focus domain, due and drawn questions all come from it, and the list shrinks when it runs out."""
    small = bank({"1.0": 3, "2.0": 30})
    chosen = select_questions(
        small,
        mastery={},
        weights=WEIGHTS,
        count=10,
        due_ids=["d2-0", "d1-0"],
        focus_domain="1",
        rng=random.Random(10),
    )
    assert chosen[0].id == "d1-0"
    assert {q.domain for q in chosen} == {"1.0"}
    assert len(chosen) == 3


def test_same_seed_gives_same_session():
    """Selection depends only on its inputs and the random generator."""
    a = select_questions(BIG, mastery={"1.0": 0.2}, weights=WEIGHTS, count=15, rng=random.Random(11))
    b = select_questions(BIG, mastery={"1.0": 0.2}, weights=WEIGHTS, count=15, rng=random.Random(11))
    assert a == b


class CountingRandom(random.Random):
    calls = 0

    def random(self) -> float:
        self.calls += 1
        return super().random()


@pytest.mark.parametrize("per_domain", [30, 2000])
def test_work_per_pick_does_not_grow_with_the_bank(per_domain):
    """Picking 20 questions takes the same few random draws from a 150- or a 10,000-question bank."""
    index = QuestionIndex.build(bank({f"{n}.0": per_domain for n in range(1, 6)}))
    rng = CountingRandom(12)
    select_questions(index, mastery={}, weights=WEIGHTS, count=20, rng=rng)
    assert rng.calls <= 4 * 20


def test_zero_count_returns_nothing():
    """Asking for no questions gives an empty list."""
    assert select_questions(BIG, mastery={}, weights=WEIGHTS, count=0, rng=random.Random(0)) == []


@pytest.mark.parametrize(
    ("weights", "total", "expected"),
    [
        ({"a": 12, "b": 22, "c": 18, "d": 28, "e": 20}, 90, {"a": 11, "b": 20, "c": 16, "d": 25, "e": 18}),
        ({"a": 1, "b": 1, "c": 1}, 10, {"a": 4, "b": 3, "c": 3}),
        ({"a": 0, "b": 0}, 3, {"a": 2, "b": 1}),
        ({"a": 27.5, "b": 37.5, "c": 32.5}, 40, {"a": 11, "b": 16, "c": 13}),
    ],
)
def test_largest_remainder(weights, total, expected):
    """Seats follow Hamilton's method: whole parts first, then the largest remainders."""
    seats = largest_remainder(weights, total)
    assert seats == expected
    assert sum(seats.values()) == total


def test_mock_follows_blueprint_weights():
    """A 90-question mock has each domain's largest-remainder share of the blueprint."""
    mock = draw_mock(BIG, SECPLUS, 90, random.Random(13))
    counts = Counter(q.domain for q in mock)
    assert counts == {"1.0": 11, "2.0": 20, "3.0": 16, "4.0": 25, "5.0": 18}
    assert len({q.id for q in mock}) == 90


def test_mock_short_domain_gives_its_seats_to_others():
    """A domain with too few questions is used whole and the rest is shared by weight."""
    uneven = bank({"1.0": 2, "2.0": 100, "3.0": 100, "4.0": 100, "5.0": 100})
    mock = draw_mock(uneven, SECPLUS, 90, random.Random(14))
    counts = Counter(q.domain for q in mock)
    assert counts["1.0"] == 2
    assert sum(counts.values()) == 90


def test_mock_avoids_recent_questions_where_it_can():
    """Recently practised questions are used only when a domain has nothing fresher."""
    small = bank({"1.0": 20, "2.0": 20, "3.0": 20, "4.0": 20, "5.0": 20})
    recent = {q.id for q in small if q.domain != "4.0"} | {f"d4-{i}" for i in range(10)}
    mock = draw_mock(small, SECPLUS, 50, random.Random(15), avoid_ids=recent)
    fresh_d4 = {f"d4-{i}" for i in range(10, 20)}
    d4 = [q for q in mock if q.domain == "4.0"]
    assert len(d4) == 14
    assert fresh_d4 <= {q.id for q in d4}


def test_mock_smaller_bank_than_count_uses_everything():
    """A bank smaller than the mock gives every question once."""
    small = bank({"1.0": 3, "2.0": 3})
    assert len(draw_mock(small, SECPLUS, 90, random.Random(16))) == 6
