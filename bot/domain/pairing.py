"""Study-partner pairing: who studies with whom this round.

``pair_score`` says how well two members fit (``None``: they must never be paired). ``pair_members``
chooses pairs that make the total fit high, fast enough for a large server: a maximum-weight
matching on every possible pair is cubic, so we only weigh each member against their nearest
neighbours (same exam, then same vendor, ordered by time zone and target date), take the best
edges greedily and then improve the result with local swaps. Tests compare the total with an exact
maximum-weight matching on small pools.

The odd member out is never silently dropped: they join a trio when a good one exists, otherwise
they are reported in ``unmatched`` with a note to send them. A member who waited last round gets a
priority bonus large enough that they are matched first whenever anyone can take them.
"""

from __future__ import annotations

import random
from collections.abc import Sequence, Set
from dataclasses import dataclass, field
from datetime import date

SAME_EXAM_POINTS = 100.0
SAME_VENDOR_POINTS = 50.0
BASE_POINTS = 10.0  # any allowed pair beats leaving both members alone
TZ_POINTS = 15.0
DATE_POINTS = 10.0
HOURS_POINTS = 10.0
CLOSENESS_MAX = TZ_POINTS + DATE_POINTS + HOURS_POINTS
# The tiers are wider than all closeness points together, so the ordering is strict: any same-exam
# pair beats any same-vendor pair, which beats any cross-vendor pair.
assert SAME_VENDOR_POINTS > CLOSENESS_MAX and SAME_EXAM_POINTS - SAME_VENDOR_POINTS > CLOSENESS_MAX

DATE_HORIZON_DAYS = 90  # target dates this far apart or more earn no date points
SHARED_HOURS_FOR_FULL_POINTS = 3
# A repeat partner keeps 1 % of the score: every fresh pair outweighs every repeat, so a repeat
# happens only when the member has nobody else they may be paired with.
PREVIOUS_PARTNER_FACTOR = 0.01
# Added once per waited member to the matching weight (not to ``pair_score``): larger than any
# pair's score, so matching a member who waited last round always wins over any choice of partners.
WAITED_PRIORITY = 1000.0
# A trio is only formed when the odd member fits both pair members at least at same-vendor level
# and none of the three were partners before.
TRIO_MIN_SCORE = SAME_VENDOR_POINTS + BASE_POINTS

FULL_GRAPH_LIMIT = 48  # exam groups up to this size are weighed pair by pair
DEFAULT_NEIGHBOURS = 6  # per side, in each of the two orderings
LEFTOVER_FULL_LIMIT = 300
IMPROVE_TOP = 8
IMPROVE_PASSES = 2
_EPS = 1e-9

UNMATCHED_NOTE = (
    "There was an odd number of members this round and no good group of three for you, so you're "
    "not paired this time. You're first in line next round. Sorry about the wait."
)
TRIO_NOTE = (
    "There was an odd number of members this round, so you're in a group of three. Three people "
    "can keep each other going just as well."
)


@dataclass(frozen=True)
class Candidate:
    member_id: int
    exam_code: str
    vendor: str
    tz_offset_hours: float  # UTC offset at pairing time, e.g. 1.0 for Berlin in winter, 5.5 for India
    target_date: date | None = None
    preferred_hours: Set[int] | None = None  # local wall-clock hours 0-23 the member likes to study
    previous_partners: Set[int] = field(default_factory=frozenset)
    blocked: Set[int] = field(default_factory=frozenset)
    waited_last_round: bool = False


@dataclass(frozen=True)
class PairingResult:
    pairs: list[tuple[int, int]]
    trios: list[tuple[int, int, int]]
    unmatched: list[int]
    notes: dict[int, str]  # member id -> what to tell them (trio members and the unmatched)
    total_score: float  # sum of pair_score over the pairs (trios not included)


class _Member:
    __slots__ = ("mid", "exam", "vendor", "tz", "day", "hours", "hour_count", "prev", "blocked", "bonus")

    def __init__(self, c: Candidate) -> None:
        self.mid = c.member_id
        self.exam = c.exam_code.strip().upper()
        self.vendor = c.vendor.strip().lower()
        self.tz = float(c.tz_offset_hours)
        self.day = c.target_date.toordinal() if c.target_date is not None else None
        mask = 0
        if c.preferred_hours:
            for hour in c.preferred_hours:
                # Compared in UTC so two members' local hours line up; half-hour zones round down.
                mask |= 1 << (int((int(hour) - self.tz) // 1) % 24)
        self.hours = mask or None
        self.hour_count = mask.bit_count()
        self.prev = c.previous_partners
        self.blocked = c.blocked
        self.bonus = WAITED_PRIORITY if c.waited_last_round else 0.0


def _tier(a: _Member, b: _Member) -> float:
    if a.exam == b.exam:
        return BASE_POINTS + SAME_EXAM_POINTS
    if a.vendor == b.vendor:
        return BASE_POINTS + SAME_VENDOR_POINTS
    return BASE_POINTS


def _score(a: _Member, b: _Member) -> float | None:
    if a.mid == b.mid or b.mid in a.blocked or a.mid in b.blocked:
        return None
    score = _tier(a, b)
    gap = abs(a.tz - b.tz) % 24
    gap = min(gap, 24 - gap)
    score += TZ_POINTS * (1 - gap / 12)
    if a.day is None or b.day is None:
        score += DATE_POINTS / 2
    else:
        score += DATE_POINTS * max(0.0, 1 - abs(a.day - b.day) / DATE_HORIZON_DAYS)
    if a.hours is None or b.hours is None:
        score += HOURS_POINTS / 2
    else:
        shared = min((a.hours & b.hours).bit_count(), SHARED_HOURS_FOR_FULL_POINTS)
        score += HOURS_POINTS * shared / SHARED_HOURS_FOR_FULL_POINTS
    if b.mid in a.prev or a.mid in b.prev:
        score *= PREVIOUS_PARTNER_FACTOR
    return round(score, 6)


def pair_score(a: Candidate, b: Candidate) -> float | None:
    """How well two members fit as study partners; ``None`` when they must not be paired.

    Same exam scores highest, then same vendor; within a tier nearer time zones, nearer target
    dates and shared preferred hours add points. A block in either direction forbids the pair;
    a previous partner keeps only a sliver of the score.
    """
    return _score(_Member(a), _Member(b))


def pair_weight(a: Candidate, b: Candidate) -> float | None:
    """The weight the matcher maximises: ``pair_score`` plus the waited-last-round priority."""
    score = pair_score(a, b)
    if score is None:
        return None
    return score + (WAITED_PRIORITY if a.waited_last_round else 0.0) + (WAITED_PRIORITY if b.waited_last_round else 0.0)


class _Matcher:
    def __init__(self, candidates: Sequence[Candidate], seed: int, neighbours: int) -> None:
        ids = [c.member_id for c in candidates]
        if len(set(ids)) != len(ids):
            raise ValueError("each member may appear only once in a pairing round")
        self.m = [_Member(c) for c in candidates]
        n = len(self.m)
        rng = random.Random(seed)
        self.rank = list(range(n))
        rng.shuffle(self.rank)
        self.k = max(1, neighbours)
        self.adj: list[dict[int, float]] = [{} for _ in range(n)]
        self.mate = [-1] * n

    # -- weights -------------------------------------------------------------------------------

    def weight(self, i: int, j: int) -> float | None:
        known = self.adj[i].get(j)
        if known is not None:
            return known
        score = _score(self.m[i], self.m[j])
        if score is None:
            return None
        return score + self.m[i].bonus + self.m[j].bonus

    def upper(self, i: int, j: int) -> float:
        a, b = self.m[i], self.m[j]
        return _tier(a, b) + CLOSENESS_MAX + a.bonus + b.bonus

    def add_edge(self, i: int, j: int) -> tuple[float, int, int, int, int] | None:
        if i == j or j in self.adj[i]:
            return None
        w = self.weight(i, j)
        if w is None:
            return None
        self.adj[i][j] = w
        self.adj[j][i] = w
        lo, hi = (i, j) if self.rank[i] < self.rank[j] else (j, i)
        return (-w, self.rank[lo], self.rank[hi], lo, hi)

    # -- candidate edges -----------------------------------------------------------------------

    def window_edges(self, group: list[int], circular: bool) -> list[tuple[float, int, int, int, int]]:
        m, rank, k = self.m, self.rank, self.k
        edges = []
        size = len(group)
        if size <= FULL_GRAPH_LIMIT:
            for x in range(size):
                for y in range(x + 1, size):
                    e = self.add_edge(group[x], group[y])
                    if e:
                        edges.append(e)
            return edges
        no_day = 10**9
        by_tz = sorted(group, key=lambda i: (m[i].tz, m[i].day or no_day, rank[i]))
        by_day = sorted(group, key=lambda i: (m[i].day or no_day, m[i].tz, rank[i]))
        for order, wrap in ((by_tz, circular), (by_day, False)):
            for x in range(size):
                for step in range(1, k + 1):
                    y = x + step
                    if y >= size:
                        if not wrap:
                            break
                        y -= size
                        if y == x:
                            break
                    e = self.add_edge(order[x], order[y])
                    if e:
                        edges.append(e)
        return edges

    def greedy(self, edges: list[tuple[float, int, int, int, int]]) -> None:
        edges.sort()
        mate = self.mate
        for _, _, _, i, j in edges:
            if mate[i] < 0 and mate[j] < 0:
                mate[i] = j
                mate[j] = i

    def build_and_match(self) -> None:
        n = len(self.m)
        by_exam: dict[str, list[int]] = {}
        by_vendor: dict[str, list[int]] = {}
        for i in sorted(range(n), key=self.rank.__getitem__):
            by_exam.setdefault(self.m[i].exam, []).append(i)
            by_vendor.setdefault(self.m[i].vendor, []).append(i)
        edges = []
        for group in by_exam.values():
            edges.extend(self.window_edges(group, circular=True))
        self.greedy(edges)

        # Members left over (odd-sized exams, blocks) look wider: first everyone else left over,
        # then their vendor's nearest members, so repairs below can hand them a partner.
        free = [i for i in sorted(range(n), key=self.rank.__getitem__) if self.mate[i] < 0]
        edges = self.window_edges(free, circular=True)
        self.greedy(edges)
        tz_rank: dict[int, int] = {}
        vendor_orders: dict[str, list[int]] = {}
        for vendor, group in by_vendor.items():
            order = sorted(group, key=lambda i: (self.m[i].tz, self.rank[i]))
            vendor_orders[vendor] = order
            tz_rank.update((i, pos) for pos, i in enumerate(order))
        for u in free:
            order = vendor_orders[self.m[u].vendor]
            pos = tz_rank[u]
            for step in range(-self.k, self.k + 1):
                if step and 0 <= pos + step < len(order):
                    self.add_edge(u, order[pos + step])

    def pair_leftovers(self) -> None:
        """Pair whoever is still alone with each other, weighing every pair among them."""
        free = [i for i in sorted(range(len(self.m)), key=self.rank.__getitem__) if self.mate[i] < 0]
        if len(free) < 2:
            return
        limit = max(FULL_GRAPH_LIMIT, LEFTOVER_FULL_LIMIT)
        edges = []
        for x, i in enumerate(free[:limit]):
            for j in free[x + 1 : limit]:
                w = self.weight(i, j)
                if w is not None:
                    lo, hi = (i, j) if self.rank[i] < self.rank[j] else (j, i)
                    edges.append((-w, self.rank[lo], self.rank[hi], lo, hi))
        self.greedy(edges)

    # -- local improvement ---------------------------------------------------------------------

    def improve(self) -> None:
        n = len(self.m)
        order = sorted(range(n), key=self.rank.__getitem__)
        tops = [sorted(self.adj[i].items(), key=lambda kv: (-kv[1], self.rank[kv[0]]))[:IMPROVE_TOP] for i in range(n)]
        mate = self.mate
        for _ in range(IMPROVE_PASSES):
            improved = False
            for a in order:
                if mate[a] < 0:
                    improved |= self._place_free(a, tops[a])
                    continue
                b = mate[a]
                wab = self.weight(a, b)
                for c, wac in tops[a]:
                    if c == b:
                        continue
                    d = mate[c]
                    if d < 0:
                        if wac > wab + _EPS:  # a leaves b for a free c
                            mate[a], mate[c], mate[b] = c, a, -1
                            b, wab, improved = c, wac, True
                        continue
                    current = wab + self.weight(c, d)
                    if wac + self.upper(b, d) <= current + _EPS:
                        continue
                    wbd = self.weight(b, d)
                    if wbd is not None and wac + wbd > current + _EPS:
                        mate[a], mate[c], mate[b], mate[d] = c, a, d, b
                        b, wab, improved = c, wac, True
            if not improved:
                break

    def _place_free(self, u: int, top: list[tuple[int, float]]) -> bool:
        mate = self.mate
        best_gain, best = _EPS, None
        for c, wuc in top:
            d = mate[c]
            if d < 0:
                gain, move = wuc, (c, -1, -1)
            else:
                gain, move = wuc - self.weight(c, d), (c, d, -1)
                for v, wdv in self.adj[d].items():
                    if v != u and mate[v] < 0 and wuc + wdv - self.weight(c, d) > gain:
                        gain, move = wuc + wdv - self.weight(c, d), (c, d, v)
            if gain > best_gain:
                best_gain, best = gain, move
        if best is None:
            return False
        c, d, v = best
        mate[u], mate[c] = c, u
        if d >= 0:
            mate[d] = -1
            if v >= 0:
                mate[d], mate[v] = v, d
        return True

    # -- result --------------------------------------------------------------------------------

    def result(self) -> PairingResult:
        m, mate = self.m, self.mate
        n = len(m)
        order = sorted(range(n), key=self.rank.__getitem__)
        pair_of: dict[int, tuple[int, int]] = {}
        for i, j in enumerate(mate):
            if j > i:
                pair_of[i] = pair_of[j] = (i, j)
        free = [i for i in order if mate[i] < 0]
        # Members who waited last round are placed first, so a trio seat goes to them.
        free.sort(key=lambda i: (-m[i].bonus, self.rank[i]))
        trios: list[tuple[int, int, int]] = []
        taken: set[tuple[int, int]] = set()
        unmatched: list[int] = []
        for u in free:
            best_total, best_pair = 0.0, None
            seen: set[tuple[int, int]] = set()
            for c in self.adj[u]:
                pair = pair_of.get(c)
                if pair is None or pair in taken or pair in seen:
                    continue
                seen.add(pair)
                s1 = _score(m[u], m[pair[0]])
                s2 = _score(m[u], m[pair[1]])
                if s1 is None or s2 is None or min(s1, s2) < TRIO_MIN_SCORE:
                    continue
                if s1 + s2 > best_total:
                    best_total, best_pair = s1 + s2, pair
            if best_pair is None:
                unmatched.append(u)
            else:
                taken.add(best_pair)
                trios.append((best_pair[0], best_pair[1], u))
        pairs = sorted({pair_of[i] for i in pair_of} - taken, key=lambda p: (self.rank[p[0]], self.rank[p[1]]))
        total = sum(_score(m[i], m[j]) or 0.0 for i, j in pairs)
        notes = {m[u].mid: UNMATCHED_NOTE for u in unmatched}
        for trio in trios:
            notes.update((m[i].mid, TRIO_NOTE) for i in trio)
        return PairingResult(
            pairs=[(m[i].mid, m[j].mid) for i, j in pairs],
            trios=[(m[a].mid, m[b].mid, m[c].mid) for a, b, c in trios],
            unmatched=[m[u].mid for u in unmatched],
            notes=notes,
            total_score=round(total, 6),
        )


def match_pairs(
    candidates: Sequence[Candidate], *, seed: int = 0, neighbours: int = DEFAULT_NEIGHBOURS
) -> list[tuple[int, int]]:
    """Only the pairing step (no trios): member-id pairs chosen to make the total ``pair_weight`` high."""
    matcher = _run(candidates, seed, neighbours)
    m = matcher.m
    return [(m[i].mid, m[j].mid) for i, j in enumerate(matcher.mate) if j > i]


def _run(candidates: Sequence[Candidate], seed: int, neighbours: int) -> _Matcher:
    matcher = _Matcher(candidates, seed, neighbours)
    matcher.build_and_match()
    matcher.improve()
    matcher.pair_leftovers()
    return matcher


def pair_members(
    candidates: Sequence[Candidate], *, seed: int = 0, neighbours: int = DEFAULT_NEIGHBOURS
) -> PairingResult:
    """Pair this round's members; the odd member joins a good trio or is reported as unmatched.

    The same input order and seed always give the same result.
    """
    return _run(candidates, seed, neighbours).result()
