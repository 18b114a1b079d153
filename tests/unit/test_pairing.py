"""Study-partner pairing: scores, rules for the odd member out, and quality against an exact matching."""

from __future__ import annotations

import random
from datetime import date, timedelta

import networkx as nx
import pytest

from bot.domain.pairing import (
    TRIO_NOTE,
    UNMATCHED_NOTE,
    Candidate,
    match_pairs,
    pair_members,
    pair_score,
    pair_weight,
)


def cand(mid: int, exam: str = "SY0-701", vendor: str = "CompTIA", tz: float = 1.0, **kw) -> Candidate:
    return Candidate(member_id=mid, exam_code=exam, vendor=vendor, tz_offset_hours=tz, **kw)


def members_of(result) -> list[int]:
    out = [m for p in result.pairs for m in p] + [m for t in result.trios for m in t] + list(result.unmatched)
    return sorted(out)


def random_pool(n: int, seed: int, *, exams: int = 6, vendors: int = 3, waited: float = 0.0) -> list[Candidate]:
    rng = random.Random(seed)
    catalogue = [(f"EX-{i}", f"vendor-{i % vendors}") for i in range(exams)]
    pool = []
    for mid in range(1, n + 1):
        exam, vendor = rng.choice(catalogue)
        hours = frozenset(rng.sample(range(24), rng.randint(2, 8))) if rng.random() < 0.7 else None
        target = date(2026, 3, 1) + timedelta(days=rng.randint(0, 120)) if rng.random() < 0.8 else None
        blocked = frozenset({rng.randint(1, n)}) if rng.random() < 0.1 else frozenset()
        previous = frozenset({rng.randint(1, n)}) if rng.random() < 0.3 else frozenset()
        pool.append(
            Candidate(
                member_id=mid,
                exam_code=exam,
                vendor=vendor,
                tz_offset_hours=rng.choice([-8, -5, -3, 0, 1, 2, 3, 5.5, 8, 9, 10]),
                target_date=target,
                preferred_hours=hours,
                previous_partners=previous,
                blocked=blocked,
                waited_last_round=rng.random() < waited,
            )
        )
    return pool


def total_weight(pool: list[Candidate], pairs) -> float:
    by_id = {c.member_id: c for c in pool}
    return sum(pair_weight(by_id[a], by_id[b]) for a, b in pairs)


def optimum(pool: list[Candidate]) -> float:
    graph = nx.Graph()
    for i, a in enumerate(pool):
        for b in pool[i + 1 :]:
            w = pair_weight(a, b)
            if w is not None:
                graph.add_edge(a.member_id, b.member_id, weight=w)
    return total_weight(pool, nx.max_weight_matching(graph))


# -- pair_score -----------------------------------------------------------------------------------


def test_same_exam_beats_same_vendor_beats_other():
    """Same exam scores above same vendor, which scores above a different vendor, whatever the rest."""
    a = cand(1, tz=0, target_date=date(2026, 3, 1), preferred_hours={18, 19, 20})
    far_same_exam = cand(2, tz=12, target_date=date(2027, 3, 1), preferred_hours={6})
    close_same_vendor = cand(3, exam="N10-009", tz=0, target_date=date(2026, 3, 1), preferred_hours={18, 19, 20})
    close_other = cand(
        4, exam="AZ-104", vendor="Microsoft", tz=0, target_date=date(2026, 3, 1), preferred_hours={18, 19, 20}
    )
    assert pair_score(a, far_same_exam) > pair_score(a, close_same_vendor) > pair_score(a, close_other) > 0


@pytest.mark.parametrize(
    ("other", "closer"),
    [
        (dict(tz=2.0), dict(tz=1.0)),
        (dict(target_date=date(2026, 6, 1)), dict(target_date=date(2026, 3, 10))),
        (dict(preferred_hours={6, 7}), dict(preferred_hours={19, 20, 21})),
    ],
)
def test_closeness_adds_points(other, closer):
    """Nearer time zone, nearer target date and shared hours each score higher."""
    a = cand(1, tz=1.0, target_date=date(2026, 3, 1), preferred_hours={19, 20, 21})
    assert pair_score(a, cand(2, **closer)) > pair_score(a, cand(3, **other))


def test_preferred_hours_compared_in_utc():
    """19:00 in Berlin (UTC+1) and 13:00 in New York (UTC-5) are the same hour."""
    berlin = cand(1, tz=1, preferred_hours={19})
    new_york_same = cand(2, tz=-5, preferred_hours={13})
    new_york_local_19 = cand(3, tz=-5, preferred_hours={19})
    assert pair_score(berlin, new_york_same) > pair_score(berlin, new_york_local_19)


def test_time_zone_distance_wraps_around():
    """UTC+12 and UTC-11 are one hour apart on the clock face."""
    assert pair_score(cand(1, tz=12), cand(2, tz=-11)) == pair_score(cand(3, tz=0), cand(4, tz=1))


@pytest.mark.parametrize(("a_blocks", "b_blocks"), [({2}, set()), (set(), {1})])
def test_block_in_either_direction_forbids(a_blocks, b_blocks):
    """A block by either member makes the pair impossible."""
    assert pair_score(cand(1, blocked=a_blocks), cand(2, blocked=b_blocks)) is None


def test_previous_partner_scores_below_any_fresh_pair():
    """A repeat partner on the same exam scores below a fresh partner on another vendor's exam."""
    a = cand(1, previous_partners={2})
    assert 0 < pair_score(a, cand(2)) < pair_score(a, cand(3, exam="AZ-104", vendor="Microsoft", tz=-11))


def test_waited_member_weight_priority():
    """The matching weight adds the waited-last-round priority to the score."""
    a, b = cand(1), cand(2, waited_last_round=True)
    assert pair_weight(a, b) > pair_score(a, b) + 500


# -- pair_members rules ---------------------------------------------------------------------------


def test_pairs_same_exam_together():
    """Two exams with two members each pair by exam, not across."""
    pool = [cand(1), cand(2, exam="AZ-104", vendor="Microsoft"), cand(3), cand(4, exam="AZ-104", vendor="Microsoft")]
    result = pair_members(pool)
    assert sorted(tuple(sorted(p)) for p in result.pairs) == [(1, 3), (2, 4)]


def test_everyone_appears_exactly_once():
    """Every member ends up in exactly one pair, trio or the unmatched list."""
    pool = random_pool(101, seed=3)
    result = pair_members(pool)
    assert members_of(result) == list(range(1, 102))


def test_odd_member_joins_good_trio_and_is_told():
    """With three members on one exam, the third joins a trio and all three get the trio note."""
    result = pair_members([cand(1), cand(2), cand(3)])
    assert (result.pairs, result.unmatched, len(result.trios)) == ([], [], 1)
    assert sorted(result.trios[0]) == [1, 2, 3]
    assert all(result.notes[m] == TRIO_NOTE for m in (1, 2, 3))


def test_odd_member_unmatched_when_no_good_trio():
    """A lone member of another vendor isn't forced into a trio; they are told they wait."""
    pool = [cand(1), cand(2), cand(3, exam="SAA-C03", vendor="AWS", blocked={1})]
    result = pair_members(pool)
    assert ([tuple(sorted(p)) for p in result.pairs], result.trios, result.unmatched) == ([(1, 2)], [], [3])
    assert result.notes == {3: UNMATCHED_NOTE}


def test_no_repeat_when_avoidable():
    """Previous partners are split when someone else can take each of them."""
    close = dict(tz=1, preferred_hours={19, 20, 21})
    pool = [cand(1, previous_partners={2}, **close), cand(2, **close), cand(3, tz=8), cand(4, tz=-5)]
    pairs = {tuple(sorted(p)) for p in pair_members(pool).pairs}
    assert (1, 2) not in pairs and len(pairs) == 2


def test_repeat_allowed_when_nobody_else():
    """Two previous partners with nobody else around are paired again rather than left alone."""
    result = pair_members([cand(1, previous_partners={2}), cand(2)])
    assert [tuple(sorted(p)) for p in result.pairs] == [(1, 2)]


def test_blocks_honoured_even_one_sided():
    """A one-sided block keeps the two apart; each gets another partner."""
    pool = [cand(1, blocked={2}), cand(2), cand(3, tz=9), cand(4, tz=9)]
    pairs = {tuple(sorted(p)) for p in pair_members(pool).pairs}
    assert (1, 2) not in pairs and len(pairs) == 2


def test_blocked_pair_left_apart_even_if_alone():
    """Two members who block each other are never paired, even when they are the only two."""
    result = pair_members([cand(1, blocked={2}), cand(2)])
    assert (result.pairs, sorted(result.unmatched)) == ([], [1, 2])


def odd_one_pool(*, c_waited: bool) -> list[Candidate]:
    """A and B fit perfectly; C is far away and a previous partner of A, so no trio is possible."""
    return [
        cand(1, tz=1, preferred_hours={19, 20, 21}, previous_partners={3}),
        cand(2, tz=1, preferred_hours={19, 20, 21}),
        cand(3, tz=9, preferred_hours={6, 7}, waited_last_round=c_waited),
    ]


def test_natural_odd_one_is_the_weakest_fit():
    """Without priorities the member who fits least waits."""
    result = pair_members(odd_one_pool(c_waited=False))
    assert (result.trios, result.unmatched) == ([], [3])


def test_waited_member_is_never_odd_twice():
    """A member who waited last round is paired this round, even though others fit better."""
    result = pair_members(odd_one_pool(c_waited=True))
    assert 3 not in result.unmatched
    assert result.unmatched == [1] and [tuple(sorted(p)) for p in result.pairs] == [(2, 3)]


def test_deterministic_for_same_input_and_seed():
    """The same input order and seed give the same result."""
    pool = random_pool(120, seed=11)
    assert pair_members(pool, seed=4) == pair_members(pool, seed=4)


def test_duplicate_member_rejected():
    """A member listed twice is a caller bug."""
    with pytest.raises(ValueError):
        pair_members([cand(1), cand(1)])


def test_empty_round():
    """No candidates: nothing to do."""
    result = pair_members([])
    assert (result.pairs, result.trios, result.unmatched) == ([], [], [])


# -- quality against the exact maximum-weight matching ----------------------------------------------


@pytest.mark.parametrize(
    ("size", "exams", "seed", "waited"),
    [
        (60, 6, 1, 0.0),
        (80, 4, 2, 0.0),
        (100, 12, 3, 0.1),
        (120, 3, 4, 0.0),
        (150, 30, 5, 0.05),
        (200, 1, 6, 0.0),  # one exam larger than the full-graph limit: exercises the neighbour windows
    ],
)
def test_quality_close_to_optimum(size, exams, seed, waited):
    """The fast matcher reaches at least 97 % of the exact optimum's total weight."""
    pool = random_pool(size, seed, exams=exams, waited=waited)
    assert total_weight(pool, match_pairs(pool, seed=seed)) >= 0.97 * optimum(pool)


def test_match_pairs_respects_blocks_on_large_pool():
    """No pair on a large random pool contains a blocked member."""
    pool = random_pool(600, seed=9, exams=2)
    by_id = {c.member_id: c for c in pool}
    assert all(pair_score(by_id[a], by_id[b]) is not None for a, b in match_pairs(pool))
