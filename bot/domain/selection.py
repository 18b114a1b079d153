"""Which questions a member practises next, and which make up a mock exam.

Practice goes where the member is weak: after the review cards that are due, each question's domain is
drawn with probability proportional to ``blueprint weight x (1 - mastery)``, with a floor on
``1 - mastery`` so a strong domain still comes up now and then (an exam samples every domain, and
mastery is an estimate that can be wrong). Nothing repeats within a session.

Speed: a question bank can hold thousands of items, so questions are indexed by domain once
(``QuestionIndex``; an immutable sequence such as ``Bank.questions`` is indexed once and remembered)
and each pick costs O(number of domains) plus the excluded items it steps over, never O(bank).
Within a domain, picks use a sparse Fisher-Yates shuffle: only the positions touched are stored.
"""

from __future__ import annotations

import math
import random
import re
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.domain.banks import Question
from bot.domain.exams import Exam
from bot.domain.mastery import UNKNOWN_PRIOR
from bot.domain.text import normalise

# 1 - mastery never counts for less than this, so a mastered domain keeps about a tenth of the
# attention its blueprint weight alone would give it.
NEED_FLOOR = 0.1
_INDEX_CACHE_SIZE = 8


def domain_key(domain: str) -> str:
    """A key that treats '2', '2.0', 'D2' and 'domain 2' alike, so callers' dicts need not agree on style."""
    text = str(domain).strip().lower().removeprefix("domain").strip()
    m = re.fullmatch(r"d?(\d+)(?:\.0+)?", text)
    return m.group(1) if m else normalise(text)


@dataclass(frozen=True)
class QuestionIndex:
    by_id: Mapping[str, Question]
    by_domain: Mapping[str, tuple[Question, ...]]  # keyed by ``domain_key``, in bank order

    @classmethod
    def build(cls, questions: Iterable[Question]) -> QuestionIndex:
        by_id: dict[str, Question] = {}
        grouped: dict[str, list[Question]] = {}
        keys: dict[str, str] = {}
        for q in questions:
            if q.id in by_id:
                continue
            by_id[q.id] = q
            key = keys.get(q.domain)
            if key is None:
                key = keys[q.domain] = domain_key(q.domain)
            grouped.setdefault(key, []).append(q)
        return cls(by_id=by_id, by_domain={k: tuple(v) for k, v in grouped.items()})

    def __len__(self) -> int:
        return len(self.by_id)


_index_cache: OrderedDict[int, tuple[tuple[Question, ...], QuestionIndex]] = OrderedDict()


def index_of(questions: Sequence[Question] | QuestionIndex) -> QuestionIndex:
    """The index for these questions; a tuple (immutable) is indexed once and remembered."""
    if isinstance(questions, QuestionIndex):
        return questions
    if not isinstance(questions, tuple):
        return QuestionIndex.build(questions)
    cached = _index_cache.get(id(questions))
    # The cache holds the tuple itself, so its id cannot be reused by another object while cached.
    if cached is not None and cached[0] is questions:
        _index_cache.move_to_end(id(questions))
        return cached[1]
    index = QuestionIndex.build(questions)
    _index_cache[id(questions)] = (questions, index)
    while len(_index_cache) > _INDEX_CACHE_SIZE:
        _index_cache.popitem(last=False)
    return index


class _Pool:
    """Draws a domain's questions in random order without repeats, touching only what it draws."""

    __slots__ = ("items", "taken", "moved")

    def __init__(self, items: Sequence[Question]) -> None:
        self.items = items
        self.taken = 0
        self.moved: dict[int, int] = {}

    def draw(self, rng: random.Random, skip: set[str] | frozenset[str]) -> Question | None:
        n = len(self.items)
        while self.taken < n:
            j = rng.randrange(self.taken, n)
            picked = self.moved.get(j, j)
            self.moved[j] = self.moved.get(self.taken, self.taken)
            self.taken += 1
            q = self.items[picked]
            if q.id not in skip:
                return q
        return None


def _keyed(values: Mapping[str, float]) -> dict[str, float]:
    return {domain_key(k): float(v) for k, v in values.items()}


def domain_shares(
    domains: Iterable[str], *, mastery: Mapping[str, float], weights: Mapping[str, float]
) -> dict[str, float]:
    """Each domain's share of practice draws (summing to 1), keyed as given in ``domains``.

    Share is proportional to blueprint weight x max(NEED_FLOOR, 1 - mastery); unknown mastery counts
    as the 0.5 prior. Where no domain has a positive weight (the vendor publishes none) all weigh 1.
    """
    domains = list(domains)
    m = _keyed(mastery)
    w = _keyed(weights)
    raw_weights = {d: max(0.0, w.get(domain_key(d), 0.0)) for d in domains}
    if not any(raw_weights.values()):
        raw_weights = dict.fromkeys(domains, 1.0)
    raw = {
        d: raw_weights[d] * max(NEED_FLOOR, 1.0 - min(1.0, max(0.0, m.get(domain_key(d), UNKNOWN_PRIOR))))
        for d in domains
    }
    total = sum(raw.values())
    if total <= 0:
        return dict.fromkeys(domains, 1.0 / len(domains)) if domains else {}
    return {d: v / total for d, v in raw.items()}


def _pick_weighted(rng: random.Random, shares: Mapping[str, float]) -> str:
    total = sum(shares.values())
    point = rng.random() * total
    last = ""
    for key, share in shares.items():
        if share <= 0:
            continue
        last = key
        point -= share
        if point < 0:
            return key
    return last


def select_questions(
    bank_questions: Sequence[Question] | QuestionIndex,
    *,
    mastery: Mapping[str, float],
    weights: Mapping[str, float],
    count: int,
    due_ids: Sequence[str] = (),
    exclude_ids: Iterable[str] = (),
    rng: random.Random,
    focus_domain: str | None = None,
) -> list[Question]:
    """Up to ``count`` questions for a practice session, review cards first.

    ``due_ids`` are review cards due now, most overdue first (``review.due_order``); ids no longer in
    the bank are skipped. ``exclude_ids`` are never returned (already seen this session or recently).
    With ``focus_domain`` every question, due or drawn, comes from that domain, and the list is shorter
    when the domain runs out. Otherwise a domain that runs out drops out of the draw and the others
    share its place; domains without blueprint weight are used last, so the session still fills up.
    """
    if count <= 0:
        return []
    index = index_of(bank_questions)
    skip = set(exclude_ids)
    focus = domain_key(focus_domain) if focus_domain is not None else None
    chosen: list[Question] = []

    for qid in due_ids:
        if len(chosen) >= count:
            return chosen
        q = index.by_id.get(qid)
        if q is None or q.id in skip or (focus is not None and domain_key(q.domain) != focus):
            continue
        chosen.append(q)
        skip.add(q.id)

    keys = list(index.by_domain) if focus is None else [k for k in (focus,) if k in index.by_domain]
    pools = {k: _Pool(index.by_domain[k]) for k in keys}
    shares = domain_shares(keys, mastery=mastery, weights=weights)
    weighted = {k: s for k, s in shares.items() if s > 0}
    unweighted = [k for k in keys if k not in weighted]

    while len(chosen) < count and weighted:
        key = _pick_weighted(rng, weighted)
        q = pools[key].draw(rng, skip)
        if q is None:
            del weighted[key]
            continue
        chosen.append(q)
        skip.add(q.id)

    while len(chosen) < count and unweighted:
        key = rng.choice(unweighted)
        q = pools[key].draw(rng, skip)
        if q is None:
            unweighted.remove(key)
            continue
        chosen.append(q)
        skip.add(q.id)
    return chosen


def largest_remainder(weights: Mapping[str, float], total: int) -> dict[str, int]:
    """Share ``total`` whole seats in proportion to ``weights`` (Hamilton's method).

    Each key gets the whole part of its exact share; the seats left go to the largest fractional parts,
    ties to the larger weight, then to the earlier key. All weights zero: shared equally.
    """
    keys = list(weights)
    if total <= 0 or not keys:
        return dict.fromkeys(keys, 0)
    positive = {k: max(0.0, float(weights[k])) for k in keys}
    if not any(positive.values()):
        positive = dict.fromkeys(keys, 1.0)
    whole = sum(positive.values())
    exact = {k: total * v / whole for k, v in positive.items()}
    seats = {k: math.floor(x) for k, x in exact.items()}
    left = total - sum(seats.values())
    order = sorted(keys, key=lambda k: (-(exact[k] - seats[k]), -positive[k], keys.index(k)))
    for k in order[:left]:
        seats[k] += 1
    return seats


def _mock_quotas(weights: Mapping[str, float], capacity: Mapping[str, int], count: int) -> dict[str, int]:
    """Blueprint proportions, capped by how many questions each domain has; the shortfall is re-shared."""
    quotas = dict.fromkeys(weights, 0)
    remaining = min(count, sum(capacity.values()))
    open_keys = [k for k in weights if capacity.get(k, 0) > 0]
    while remaining > 0 and open_keys:
        share = {k: weights[k] for k in open_keys}
        if not any(v > 0 for v in share.values()):
            share = dict.fromkeys(open_keys, 1.0)
        elif any(v <= 0 for v in share.values()):
            share = {k: v for k, v in share.items() if v > 0}
        seats = largest_remainder(share, remaining)
        for k, n in seats.items():
            room = capacity[k] - quotas[k]
            take = min(n, room)
            quotas[k] += take
            remaining -= take
        open_keys = [k for k in open_keys if quotas[k] < capacity[k]]
    return quotas


def draw_mock(
    questions: Sequence[Question] | QuestionIndex,
    exam: Exam,
    count: int,
    rng: random.Random,
    avoid_ids: Iterable[str] = (),
) -> list[Question]:
    """A mock exam of ``count`` questions spread over the domains as the blueprint weighs them.

    Seats per domain come from ``largest_remainder`` over planning weights; a domain with too few
    questions gives its seats to the others. Recently practised ids (``avoid_ids``) are used only when a
    domain has nothing fresher. The order is shuffled, as on the real exam.
    """
    if count <= 0:
        return []
    index = index_of(questions)
    avoid = set(avoid_ids)
    weights: dict[str, float] = {domain_key(d.number): d.planning_weight for d in exam.domains}
    for key in index.by_domain:
        weights.setdefault(key, 0.0)
    capacity = {k: len(index.by_domain.get(k, ())) for k in weights}
    quotas = _mock_quotas(weights, capacity, count)
    picked: list[Question] = []
    for key, n in quotas.items():
        if n == 0:
            continue
        pool = index.by_domain[key]
        fresh = [q for q in pool if q.id not in avoid]
        stale = [q for q in pool if q.id in avoid]
        rng.shuffle(fresh)
        rng.shuffle(stale)
        picked.extend((fresh + stale)[:n])
    rng.shuffle(picked)
    return picked
