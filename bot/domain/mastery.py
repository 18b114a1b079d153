"""How well a member knows each exam domain: one number in [0, 1], updated after every answer.

The estimate is an Elo-style update with the estimate itself as the expected score::

    m' = m + K * (outcome - m)          outcome = 1 if correct else 0

so a surprise moves it more than an expected result: a right answer when ``m`` is low, or a miss when
``m`` is high. ``K`` is the base weight (0.1 by default, so roughly the last 10 to 20 answers dominate:
recent practice counts more than old practice, which is what a retake candidate needs to see) scaled
by the item's difficulty:

* on a correct answer, harder items move more (x0.6, x1.0, x1.4 for difficulty 1, 2, 3): getting a
  hard item right is stronger evidence of mastery than getting an easy one right;
* on a miss, easier items move more (x1.4, x1.0, x0.6): missing an easy item is stronger evidence of
  a gap than missing a hard one.

Because ``0 < K <= 1`` the new value stays between the old value and the outcome, so it is bounded in
[0, 1], rises on every correct answer and falls on every miss.

The starting point comes from the member's score report where they have a per-domain percentage;
otherwise 0.5, "we do not know yet". Counts of answers are kept beside the estimate for display
("18 of 25 right") and so a caller can tell a settled estimate from a fresh one.
"""

from __future__ import annotations

from dataclasses import dataclass

UNKNOWN_PRIOR = 0.5
DEFAULT_WEIGHT = 0.1
# A score report is one sitting; starting at exactly 0 or 1 would claim a certainty it cannot give.
_PRIOR_FLOOR = 0.05
_PRIOR_CEILING = 0.95

_SUCCESS_SCALE = {1: 0.6, 2: 1.0, 3: 1.4}
_MISS_SCALE = {1: 1.4, 2: 1.0, 3: 0.6}


def initial_mastery(percent: float | None) -> float:
    """The starting estimate from a score-report percentage for the domain (None: not reported)."""
    if percent is None:
        return UNKNOWN_PRIOR
    if not 0 <= percent <= 100:
        raise ValueError(f"a domain score is a percentage from 0 to 100, not {percent}")
    return min(_PRIOR_CEILING, max(_PRIOR_FLOOR, percent / 100))


def update_mastery(m: float, correct: bool, difficulty: int = 2, *, weight: float = DEFAULT_WEIGHT) -> float:
    """The estimate after one answer (formula and reasons in the module docstring)."""
    if not 0 <= m <= 1:
        raise ValueError(f"mastery is between 0 and 1, not {m}")
    if difficulty not in _SUCCESS_SCALE:
        raise ValueError(f"difficulty is 1, 2 or 3, not {difficulty}")
    scale = _SUCCESS_SCALE if correct else _MISS_SCALE
    k = weight * scale[difficulty]
    if not 0 < k <= 1:
        raise ValueError(f"weight {weight} is too large for difficulty {difficulty}; keep weight x 1.4 <= 1")
    outcome = 1.0 if correct else 0.0
    return min(1.0, max(0.0, m + k * (outcome - m)))


@dataclass(frozen=True)
class DomainMastery:
    """One member's standing in one domain."""

    domain: str
    mastery: float = UNKNOWN_PRIOR
    answered: int = 0
    correct: int = 0

    @classmethod
    def from_score(cls, domain: str, percent: float | None) -> DomainMastery:
        return cls(domain=domain, mastery=initial_mastery(percent))

    def record(self, correct: bool, difficulty: int = 2, *, weight: float = DEFAULT_WEIGHT) -> DomainMastery:
        return DomainMastery(
            domain=self.domain,
            mastery=update_mastery(self.mastery, correct, difficulty, weight=weight),
            answered=self.answered + 1,
            correct=self.correct + (1 if correct else 0),
        )

    @property
    def accuracy(self) -> float | None:
        """Share of answers that were right, or None before the first answer."""
        return self.correct / self.answered if self.answered else None

    @property
    def percent(self) -> int:
        return round(self.mastery * 100)
