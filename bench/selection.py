"""Question selection: a 10,000-question bank, members with review cards; time per selected question."""

from __future__ import annotations

import random

from bench.common import Result, Stopwatch
from bot.domain.banks import Option, Question, QuestionType
from bot.domain.selection import QuestionIndex, select_questions

DOMAINS = {"1.0": 12.0, "2.0": 22.0, "3.0": 18.0, "4.0": 28.0, "5.0": 20.0}


def synthetic_bank(n: int) -> tuple[Question, ...]:
    options = (Option("a", "first"), Option("b", "second"), Option("c", "third"), Option("d", "fourth"))
    domains = list(DOMAINS)
    return tuple(
        Question(id=f"q{i}", exam="SY0-701", domain=domains[i % len(domains)], objective=None,
                 type=QuestionType.SINGLE, choose=1, stem=f"Question {i}?", options=options,
                 answer=frozenset({"a"}), explanation="because", rationale={}, difficulty=2, tags=(),
                 reference=None)
        for i in range(n)
    )


def run(quick: bool) -> Result:
    result = Result("selection", quick)
    size = 2000 if quick else 10000
    bank = synthetic_bank(size)
    QuestionIndex.build(bank)  # built once per bank and remembered, as in the running bot
    rng = random.Random(3)
    mastery = {"1.0": 0.8, "2.0": 0.4, "3.0": 0.6, "4.0": 0.3, "5.0": 0.7}
    sessions = 200 if quick else 1000
    picked = 0
    with Stopwatch() as sw:
        for _ in range(sessions):
            due = [f"q{rng.randrange(size)}" for _ in range(20)]
            seen = {f"q{rng.randrange(size)}" for _ in range(50)}
            picked += len(select_questions(bank, mastery=mastery, weights=DOMAINS, count=10, due_ids=due,
                                           exclude_ids=seen, rng=rng))
    per_question_ms = 1000 * sw.seconds / max(picked, 1)
    result.add(f"selection per question, {size}-question bank", per_question_ms, "ms", target="≤ 1 ms",
               met=per_question_ms <= 1.0)
    result.add("questions selected", picked, "count")
    return result
