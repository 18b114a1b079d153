"""Pairing quality and speed: our matcher against networkx's exact max_weight_matching on the same scores."""

from __future__ import annotations

import random
from datetime import date, timedelta

import networkx as nx

from bench.common import Result, Stopwatch
from bot.domain.pairing import Candidate, match_pairs, pair_members, pair_weight

EXAMS = [("SY0-701", "CompTIA"), ("N10-009", "CompTIA"), ("220-1201", "CompTIA"), ("AZ-900", "Microsoft"),
         ("AZ-104", "Microsoft"), ("SAA-C03", "AWS"), ("CLF-C02", "AWS"), ("200-301", "Cisco")]


def pool(n: int, seed: int) -> list[Candidate]:
    rng = random.Random(seed)
    start = date(2026, 7, 1)
    out = []
    for i in range(n):
        code, vendor = rng.choice(EXAMS)
        hours = {rng.randrange(24) for _ in range(rng.randint(0, 4))} or None
        out.append(Candidate(
            member_id=i + 1, exam_code=code, vendor=vendor, tz_offset_hours=rng.choice(range(-10, 13)),
            target_date=start + timedelta(days=rng.randrange(120)) if rng.random() < 0.8 else None,
            preferred_hours=hours, previous_partners=frozenset(rng.sample(range(1, n + 1), k=min(2, n))),
            blocked=frozenset(rng.sample(range(1, n + 1), k=1)) if rng.random() < 0.05 else frozenset(),
            waited_last_round=rng.random() < 0.02,
        ))
    return out


def total(candidates: list[Candidate], pairs: list[tuple[int, int]]) -> float:
    by_id = {c.member_id: c for c in candidates}
    return sum(pair_weight(by_id[a], by_id[b]) or 0.0 for a, b in pairs)


def optimum(candidates: list[Candidate]) -> float:
    graph = nx.Graph()
    for i, a in enumerate(candidates):
        for b in candidates[i + 1:]:
            w = pair_weight(a, b)
            if w is not None:
                graph.add_edge(a.member_id, b.member_id, weight=w)
    matching = nx.max_weight_matching(graph, maxcardinality=False)
    return total(candidates, list(matching))


def run(quick: bool) -> Result:
    result = Result("pairing", quick)
    sizes = [100, 1000] if quick else [100, 1000, 10000]
    for n in sizes:
        candidates = pool(n, seed=n)
        with Stopwatch() as sw:
            pair_members(candidates, seed=1)
        target = "≤ 2 s" if n == 10000 else None
        result.add(f"round time, {n} members", sw.seconds, "s", target=target,
                   met=(sw.seconds <= 2.0) if n == 10000 else None)
    quality_sizes = [100, 200] if quick else [100, 200, 400]
    for n in quality_sizes:
        candidates = pool(n, seed=7 * n)
        ours = total(candidates, match_pairs(candidates, seed=1))
        best = optimum(candidates)
        ratio = ours / best if best else 1.0
        result.add(f"quality vs networkx optimum, {n} members", ratio, "×", target="≥ 0.97", met=ratio >= 0.97)
    result.notes.append("networkx's exact matching is cubic; it is the reference only on pools it finishes quickly.")
    return result
