"""Which domains to study first after a failed attempt.

priority = planning weight × gap ÷ 100, where gap = max(0, target − percent) and the target is the
passing percentage plus a safety buffer (10 points by default): aiming exactly at the pass mark
leaves no room for a bad day. A heavy domain a little short can therefore outrank a light domain
far short, which is what the exam's own scoring rewards. Dividing by 100 makes the number readable:
the points of the whole exam score the domain stands to win back (28% weight × 36 points ≈ 10).

Labels: ``strong`` when the domain reaches the target; ``borderline`` when it is short by less
than 10 points or sits between the pass mark and the target (inside the buffer); ``weak``
otherwise. A domain with no result is ``unknown``: its gap is taken as the buffer, as if it sat at
the pass mark, so with no report at all the order is simply the blueprint weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.exams import Domain, Exam
from bot.domain.reports import DEFAULT_PASSING_PERCENT, ScoreReport, estimate_percent, passing_base
from bot.errors import InvalidInput

WEAK_GAP = 10.0
DEFAULT_BUFFER = 10.0


class Standing(StrEnum):
    WEAK = "weak"
    BORDERLINE = "borderline"
    STRONG = "strong"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class DomainPriority:
    domain_number: str
    domain_name: str
    weight_text: str
    planning_weight: float
    percent: float | None  # as reported, or estimated when ``estimated``
    estimated: bool
    target: float
    gap: float | None  # None when the domain has no result
    priority: float
    label: Standing

    def percent_text(self) -> str:
        if self.percent is None:
            return "no result"
        if self.estimated:
            return f"≈{self.percent:g}% (estimate)"
        return f"{self.percent:g}%"

    def summary(self) -> str:
        """One line for a table: '4.0 Security Operations · 28% · 55% → 91% · gap 36 · weak'."""
        gap = "gap unknown" if self.gap is None else f"gap {self.gap:g}"
        return (
            f"{self.domain_number} {self.domain_name} · weight {self.weight_text} · {self.percent_text()} "
            f"→ target {self.target:g}% · {gap} · priority {self.priority:g} · {self.label.value}"
        )


class Ranking(list[DomainPriority]):
    """The ranked domains, plus notes the member should see next to them (e.g. an assumed pass mark)."""

    def __init__(self, items: list[DomainPriority], notes: tuple[str, ...] = ()) -> None:
        super().__init__(items)
        self.notes = notes

    @property
    def has_report(self) -> bool:
        return any(p.label is not Standing.UNKNOWN for p in self)


def rank_domains(
    exam: Exam,
    report: ScoreReport | None,
    *,
    target_percent: float | None = None,
    buffer: float = DEFAULT_BUFFER,
) -> Ranking:
    """Rank the exam's domains, most urgent first.

    ``target_percent`` overrides the target (a member's own goal); by default it is the passing
    percentage + ``buffer``, capped at 100.
    """
    if buffer < 0:
        raise InvalidInput("The safety buffer cannot be negative.")
    if target_percent is not None and not 0 < target_percent <= 100:
        raise InvalidInput(
            f"A target of {target_percent:g}% is not possible; choose a percentage from 1 to 100."
        )
    if report is not None and report.exam_code != exam.code:
        raise InvalidInput(f"That score report is for {report.exam_code}, not {exam.code}.")

    notes: list[str] = []
    base, assumed = passing_base(exam)
    if assumed:
        notes.append(
            f"{exam.vendor} does not publish a passing score for {exam.code}, so targets start from "
            f"{DEFAULT_PASSING_PERCENT:g}% (our assumption, not the vendor's)."
        )
    target = target_percent if target_percent is not None else min(100.0, base + buffer)
    pass_line = target - buffer
    weights = _weights(exam, notes)

    items: list[DomainPriority] = []
    for domain in exam.domains:
        result = report.result_for(domain.number) if report else None
        percent = estimate_percent(exam, result) if result else None
        weight = weights[domain.number]
        if percent is None:
            gap, label, assumed_gap = None, Standing.UNKNOWN, buffer
        else:
            gap = round(max(0.0, target - percent), 1)
            label = _label(gap, percent, pass_line)
            assumed_gap = gap
        items.append(
            DomainPriority(
                domain_number=domain.number,
                domain_name=domain.name,
                weight_text=domain.weight_text(),
                planning_weight=weight,
                percent=percent,
                estimated=bool(result and result.is_estimate),
                target=round(target, 1),
                gap=gap,
                priority=round(weight * assumed_gap / 100.0, 2),
                label=label,
            )
        )

    if report is None or not report.entries:
        notes.append("No score report yet: domains are ordered by their weight in the exam blueprint.")
    elif any(p.label is Standing.UNKNOWN for p in items):
        notes.append("Domains without a result are treated as if they sat at the pass mark.")
    if any(p.estimated for p in items):
        notes.append(
            "Percentages marked ≈ are estimates from levels or missed objectives, not reported scores."
        )

    order = {d.number: i for i, d in enumerate(exam.domains)}
    items.sort(key=lambda p: (-p.priority, -p.planning_weight, order[p.domain_number]))
    return Ranking(items, tuple(notes))


def _label(gap: float, percent: float, pass_line: float) -> Standing:
    if gap <= 0:
        return Standing.STRONG
    if gap < WEAK_GAP or percent >= pass_line:
        return Standing.BORDERLINE
    return Standing.WEAK


def _weights(exam: Exam, notes: list[str]) -> dict[str, float]:
    weights = {d.number: d.planning_weight for d in exam.domains}
    if exam.domains and not any(weights.values()):
        notes.append(f"{exam.code} has no published domain weights, so every domain counts the same.")
        return {d.number: round(100.0 / len(exam.domains), 2) for d in exam.domains}
    if any(_is_range(d) for d in exam.domains):
        notes.append(
            "Where the vendor publishes a weight range, the middle of the range is used for planning only."
        )
    return weights


def _is_range(domain: Domain) -> bool:
    return domain.weight is None and domain.weight_min is not None
