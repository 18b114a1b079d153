"""Score reports: what a member copies from the report of the attempt they did not pass.

Vendors report domain results in three shapes, and all three become one ``ScoreReport``:

* a percentage per domain (Cisco; Microsoft's bar chart read as a percentage), 0–100;
* a level per domain (AWS "Needs improvement" / "Meets competencies"; others "below / near / above
  target");
* a list of missed objectives (CompTIA prints "Exam objectives missed: 1.2, 2.4, ...").

Levels and objective lists are not percentages, so ranking works on an *estimated* percentage
(``estimate_percent``) and everything shown from it says it is an estimate. The formulas:

* levels, relative to the exam's passing percentage P (70 when the vendor publishes none):
  below ≈ P − 15, near ≈ P, above (and AWS "meets competencies") ≈ P + 10;
* missed objectives: estimate = P + 10 − 40 × share, where share = missed objectives of the domain
  ÷ objectives of the domain (from ``Domain.objectives``; 5 when the blueprint we hold lists none,
  a typical CompTIA domain size). No objective missed reads like "above"; missing all of them
  reads as P − 30.

Parsing never throws away what it cannot read: such text comes back in ``ParseResult.unparsed``.
It raises ``InvalidInput`` only for things the member has to correct (a percentage outside 0–100,
a domain or objective the exam does not have, the same domain given two different results).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from bot.domain.exams import Domain, Exam
from bot.domain.mock import raw_pass_anchor
from bot.domain.text import match_domain, normalise, suggestions
from bot.errors import InvalidInput

# Used when a vendor publishes no passing score (Cisco, PMI, Google): a common pass mark, said so.
DEFAULT_PASSING_PERCENT = 70.0

LEVEL_OFFSETS = {"below": -15.0, "near": 0.0, "above": 10.0}
OBJECTIVES_TOP_OFFSET = 10.0
OBJECTIVES_SPAN = 40.0
DEFAULT_OBJECTIVES_PER_DOMAIN = 5


class ResultKind(StrEnum):
    PERCENT = "percent"
    LEVEL = "level"
    OBJECTIVES = "objectives"


class Level(StrEnum):
    BELOW = "below"
    NEAR = "near"
    ABOVE = "above"


_LEVEL_WORDS: dict[str, Level] = {
    "needs improvement": Level.BELOW,
    "below": Level.BELOW,
    "below target": Level.BELOW,
    "below the target": Level.BELOW,
    "near": Level.NEAR,
    "near target": Level.NEAR,
    "near the target": Level.NEAR,
    "above": Level.ABOVE,
    "above target": Level.ABOVE,
    "above the target": Level.ABOVE,
    # AWS's two-level report: the section met the standard of a passing candidate.
    "meets competencies": Level.ABOVE,
    "meets competency": Level.ABOVE,
    "meets": Level.ABOVE,
}


@dataclass(frozen=True)
class DomainResult:
    domain_number: str
    kind: ResultKind
    percent: float | None = None
    level: Level | None = None
    missed_objectives: tuple[str, ...] = ()

    @property
    def is_estimate(self) -> bool:
        return self.kind is not ResultKind.PERCENT


@dataclass(frozen=True)
class ScoreReport:
    """One attempt's results. ``overall`` is the overall score as a percentage of the exam's scale."""

    exam_code: str
    entries: tuple[DomainResult, ...]
    overall: float | None = None

    def result_for(self, domain_number: str) -> DomainResult | None:
        for entry in self.entries:
            if entry.domain_number == domain_number:
                return entry
        return None


@dataclass(frozen=True)
class ParseResult:
    report: ScoreReport
    unparsed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def passing_base(exam: Exam) -> tuple[float, bool]:
    """The pass mark, as a percentage of questions right, that targets are built on, and whether it is our
    default rather than derived from the vendor's published passing score.

    It is the same mark mocks and the readiness gate use (``mock.raw_pass_anchor``), so /weak, /plan and
    /readiness never disagree about what passing means.
    """
    anchor = raw_pass_anchor(exam)
    if anchor is None or not 0 < anchor <= 100:
        return DEFAULT_PASSING_PERCENT, True
    return anchor, False


def estimate_percent(exam: Exam, result: DomainResult) -> float | None:
    """The result as a percentage: as reported, or estimated from a level or missed objectives."""
    if result.kind is ResultKind.PERCENT:
        return result.percent
    base, _ = passing_base(exam)
    if result.kind is ResultKind.LEVEL and result.level is not None:
        return _clamp(base + LEVEL_OFFSETS[result.level.value])
    if result.kind is ResultKind.OBJECTIVES:
        domain = _domain_by_number(exam, result.domain_number)
        total = len(domain.objectives) if domain and domain.objectives else DEFAULT_OBJECTIVES_PER_DOMAIN
        share = min(1.0, len(result.missed_objectives) / total)
        return _clamp(base + OBJECTIVES_TOP_OFFSET - OBJECTIVES_SPAN * share)
    return None


def parse_level(text: str) -> Level | None:
    return _LEVEL_WORDS.get(normalise(text))


# --- entry points -------------------------------------------------------------------------------

_OBJECTIVE_KEYS = ("objective", "missed")
_OVERALL_KEYS = ("score", "overall", "total", "result")
_PASSING_KEYS = ("passing", "required", "minimum", "pass mark", "cut")


def parse_domain_entries(exam: Exam, entries: Mapping[str, str]) -> ParseResult:
    """Read what a member typed into a form: ``{domain name or number: "62" | "62%" | "near" | ...}``.

    Keys naming objectives ("Objectives missed") take a list like "1.2, 3.4"; keys naming the
    overall score ("Score") take the score as printed. Blank values are fields left empty.
    """
    builder = _ReportBuilder(exam)
    for key, raw in entries.items():
        value = (raw or "").strip()
        if not value:
            continue
        label = f"{key}: {value}"
        domain = _find_domain(exam, key)
        if domain is not None:
            if not builder.add_value(domain, value, source=label):
                builder.unparsed.append(label)
                builder.warnings.append(
                    f"We could not read “{value}” for {_domain_label(domain)}. Use a percentage like 62%, "
                    "or a level: below, near, above, needs improvement, meets competencies."
                )
            continue
        lowered = normalise(key)
        if any(word in lowered for word in _OBJECTIVE_KEYS):
            builder.add_objectives_text(value, source=label)
        elif any(word in lowered for word in _PASSING_KEYS):
            if not builder.check_passing_text(value):
                builder.unparsed.append(label)
        elif any(word in lowered for word in _OVERALL_KEYS):
            if not builder.add_overall_text(value):
                builder.unparsed.append(label)
        else:
            raise _unknown_domain(exam, key)
    if not builder.has_results():
        raise InvalidInput(
            "Nothing to save yet: every field was empty.",
            hint="Enter at least one domain result from your score report.",
        )
    return builder.result()


def parse_report_text(exam: Exam, text: str) -> ParseResult:
    """Read score-report text pasted by a member, one domain per line, in any of the vendor shapes.

    Lines we cannot place (headers, dates, a candidate id) come back in ``unparsed``; a label that
    looks like a misspelt domain adds a "did you mean" warning rather than failing the whole paste.
    An empty result is returned, not raised: the caller decides what to tell the member.
    """
    builder = _ReportBuilder(exam)
    in_objectives = False
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not line:
            continue
        if "objective" in line.lower():
            builder.add_objectives_text(_after_colon(line), source=line, whole_line=line)
            in_objectives = True
            continue
        if in_objectives and _ONLY_OBJECTIVES.fullmatch(line):
            builder.add_objectives_text(line, source=line)
            continue
        in_objectives = False
        if not builder.add_line(line):
            builder.unparsed.append(line)
    result = builder.result()
    if not result.report.entries:
        result.warnings.append(
            f"We found no domain results for {exam.code} in that text. You can enter them one by one instead."
        )
    return result


# --- parsing helpers ----------------------------------------------------------------------------

_NUMBER = r"[-+]?\d+(?:[.,]\d+)?"
_SEP = r"[\s:|=\-–—.·…]+"
_VALUE_ONLY = re.compile(rf"^({_NUMBER})\s*%?$")
_PERCENT_TAIL = re.compile(rf"^(?P<label>.+?){_SEP}(?P<value>{_NUMBER})\s*(?P<pct>%?)$")
_PERCENT_HEAD = re.compile(rf"^(?P<value>{_NUMBER})\s*%{_SEP}(?P<label>.+)$")
_LEVEL_TAIL = re.compile(
    r"^(?P<label>.+?)[\s:|=\-–—.·…]+"
    r"(?P<level>needs\s+improvement|meets\s+competenc(?:y|ies)|(?:below|near|above)(?:\s+(?:the\s+)?target)?)"
    r"\s*[.!]?$",
    re.IGNORECASE,
)
_SCORE_LINE = re.compile(
    rf"^(?P<label>[^\d]+?)[\s:=\-–—]*(?P<value>{_NUMBER})\s*(?P<pct>%)?"
    r"(?:\s*(?:/|out\s+of|of)\s*(?P<max>\d+))?\s*(?P<rest>[A-Za-z()!. -]*)$",
    re.IGNORECASE,
)
_OBJECTIVE = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})(?!\d)(?!\.\d)")
_ONLY_OBJECTIVES = re.compile(r"[\d.,;/\s]*\d\.\d[\d.,;/\s]*")
_LEADING_NUMBER = re.compile(
    r"^(?:domain|section|area)?\s*(?P<num>d?\d+(?:\.\d+)?)\s*[:.)\-–—]?\s*(?P<name>.*)$", re.IGNORECASE
)
_PARENTHESES = re.compile(r"\([^)]*\)")


def _after_colon(line: str) -> str:
    return line.split(":", 1)[1] if ":" in line else line


def _clamp(value: float) -> float:
    return round(max(0.0, min(100.0, value)), 1)


def _to_float(text: str) -> float:
    return float(text.replace(",", "."))


def _domain_label(domain: Domain) -> str:
    return f"{domain.number} {domain.name}"


def _domain_by_number(exam: Exam, number: str) -> Domain | None:
    return next((d for d in exam.domains if d.number == number), None)


def _find_domain(exam: Exam, label: str) -> Domain | None:
    """Match a typed label; also accepts 'Domain 1: Name', '2 Network Access' and '(20%)' notes."""
    cleaned = _PARENTHESES.sub(" ", label).strip(" \t:|-–—.·")
    if not cleaned:
        return None
    found = match_domain(exam.domains, cleaned)
    if found is not None:
        return found
    m = _LEADING_NUMBER.match(cleaned)
    if m is None:
        return None
    name = m["name"].strip()
    if name:
        found = match_domain(exam.domains, name)
        if found is not None:
            return found
    # The vendor's number is more reliable than a name the member may have shortened.
    return match_domain(exam.domains, m["num"])


def _unknown_domain(exam: Exam, typed: str) -> InvalidInput:
    by_name = {d.name: d for d in exam.domains}
    close = [_domain_label(by_name[name]) for name in suggestions(by_name, typed)]
    if close:
        hint = "Did you mean " + " or ".join(f"“{c}”" for c in close) + "?"
    else:
        hint = f"{exam.code} has these domains: " + "; ".join(_domain_label(d) for d in exam.domains) + "."
    return InvalidInput(f"“{typed.strip()}” is not a domain of {exam.code}.", hint=hint)


def _parse_percent(domain: Domain, text: str) -> float | None:
    m = _VALUE_ONLY.match(text.strip())
    if m is None:
        return None
    value = _to_float(m.group(1))
    _check_percent(domain, value)
    return value


def _check_percent(domain: Domain, value: float) -> None:
    if not 0 <= value <= 100:
        raise InvalidInput(
            f"{value:g}% for {_domain_label(domain)} is not a percentage between 0 and 100.",
            hint="Copy the domain's percentage from your score report, for example 62%.",
        )


class _ReportBuilder:
    """Collects results per domain, in the exam's domain order, and checks them as they arrive."""

    def __init__(self, exam: Exam) -> None:
        self.exam = exam
        self.values: dict[str, DomainResult] = {}
        self.missed: dict[str, list[str]] = {}
        self.objectives_seen = False
        self.overall: float | None = None
        self.unparsed: list[str] = []
        self.warnings: list[str] = []

    def has_results(self) -> bool:
        return bool(self.values or self.objectives_seen or self.overall is not None)

    # domain values -------------------------------------------------------------------------------

    def add_value(self, domain: Domain, text: str, *, source: str) -> bool:
        level = parse_level(text)
        if level is not None:
            self._store(domain, DomainResult(domain.number, ResultKind.LEVEL, level=level), source)
            return True
        percent = _parse_percent(domain, text)
        if percent is None:
            return False
        self._store(domain, DomainResult(domain.number, ResultKind.PERCENT, percent=percent), source)
        return True

    def _store(self, domain: Domain, result: DomainResult, source: str) -> None:
        previous = self.values.get(domain.number)
        if previous is not None and previous != result:
            raise InvalidInput(
                f"{_domain_label(domain)} has two different results ({_describe(previous)} and "
                f"{_describe(result)}).",
                hint="Keep the one from your latest score report and try again.",
            )
        self.values[domain.number] = result

    def add_line(self, line: str) -> bool:
        m = _LEVEL_TAIL.match(line)
        if m is not None:
            domain = _find_domain(self.exam, m["label"])
            if domain is not None:
                return self.add_value(domain, m["level"], source=line)
        for pattern in (_PERCENT_TAIL, _PERCENT_HEAD):
            m = pattern.match(line)
            if m is None:
                continue
            domain = _find_domain(self.exam, m["label"])
            if domain is not None:
                value = _to_float(m["value"])
                _check_percent(domain, value)
                self._store(domain, DomainResult(domain.number, ResultKind.PERCENT, percent=value), line)
                return True
        if self._add_score_line(line):
            return True
        self._warn_if_close(line)
        return False

    def _warn_if_close(self, line: str) -> None:
        m = _LEVEL_TAIL.match(line)
        if m is None:
            m = _PERCENT_TAIL.match(line)
            # Header lines end in numbers too ("SY0-701", a candidate id); only a percentage reads as a result.
            if m is None or not 0 <= _to_float(m["value"]) <= 100:
                return
        by_name = {d.name: d for d in self.exam.domains}
        close = suggestions(by_name, _PARENTHESES.sub(" ", m["label"]), limit=2)
        if close:
            options = " or ".join(f"“{_domain_label(by_name[c])}”" for c in close)
            self.warnings.append(
                f"“{line}” did not match a domain of {self.exam.code}. Did you mean {options}?"
            )

    # overall and passing score -------------------------------------------------------------------

    def _add_score_line(self, line: str) -> bool:
        m = _SCORE_LINE.match(line)
        if m is None:
            return False
        label = normalise(m["label"])
        if any(word in label for word in _PASSING_KEYS):
            return self.check_passing_text(line[m.start("value") :])
        if any(word in label.split() for word in _OVERALL_KEYS) or "your score" in label:
            return self.add_overall_text(line[m.start("value") :])
        return False

    def add_overall_text(self, text: str) -> bool:
        m = re.match(
            rf"^\s*(?P<value>{_NUMBER})\s*(?P<pct>%)?(?:\s*(?:/|out\s+of|of)\s*(?P<max>\d+))?",
            text,
            re.IGNORECASE,
        )
        if m is None:
            return False
        value = _to_float(m["value"])
        self.overall = self._overall_percent(value, is_percent=bool(m["pct"]), given_max=m["max"])
        return True

    def _overall_percent(self, value: float, *, is_percent: bool, given_max: str | None) -> float | None:
        exam = self.exam
        if is_percent:
            if not 0 <= value <= 100:
                raise InvalidInput(f"An overall score of {value:g}% is not between 0 and 100.")
            return value
        low = exam.scale_min or 0.0
        high = float(given_max) if given_max else exam.scale_max
        if given_max and exam.scale_max is not None and float(given_max) != exam.scale_max:
            low = 0.0
        if high is None:
            if value <= 100:
                return value
            self.warnings.append(
                f"{exam.vendor} does not publish the score scale of {exam.code}, so we kept your overall "
                f"score ({value:g}) out of the percentages."
            )
            return None
        if not low <= value <= high:
            raise InvalidInput(
                f"A score of {value:g} is outside the {exam.code} scale ({low:g}–{high:g}).",
                hint="Copy the overall score exactly as your report shows it.",
            )
        return round(100.0 * (value - low) / (high - low), 1)

    def check_passing_text(self, text: str) -> bool:
        m = re.match(rf"^\s*({_NUMBER})", text)
        if m is None:
            return False
        value = _to_float(m.group(1))
        if self.exam.passing_score is None:
            self.warnings.append(
                f"Your report gives a passing score of {value:g}. {self.exam.vendor} does not publish one for "
                f"{self.exam.code}, so targets here still start from {DEFAULT_PASSING_PERCENT:g}%."
            )
        elif value != self.exam.passing_score:
            self.warnings.append(
                f"Your report gives a passing score of {value:g}; our record for {self.exam.code} says "
                f"{self.exam.passing_score:g}. Targets use our record; please tell a moderator if it is out of date."
            )
        return True

    # objectives ----------------------------------------------------------------------------------

    def add_objectives_text(self, text: str, *, source: str, whole_line: str | None = None) -> None:
        self.objectives_seen = True
        tokens = [f"{a}.{b}" for a, b in _OBJECTIVE.findall(text)]
        residue = _OBJECTIVE.sub(" ", text)
        residue = re.sub(r"(?i)\b(and|none)\b|[\s,;/.]", "", residue)
        if residue:
            self.unparsed.append(whole_line or source)
            if tokens:
                self.warnings.append(
                    f"From “{source}” we read objectives {', '.join(tokens)} and skipped the rest."
                )
        for token in tokens:
            domain = self._objective_domain(token)
            missed = self.missed.setdefault(domain.number, [])
            if token not in missed:
                missed.append(token)

    def _objective_domain(self, token: str) -> Domain:
        exam = self.exam
        for domain in exam.domains:
            if token in domain.objectives:
                return domain
        leading, sub = token.split(".")
        domain = match_domain(exam.domains, leading)
        if domain is None:
            numbers = ", ".join(d.number for d in exam.domains)
            raise InvalidInput(
                f"Objective {token} is not in {exam.code}: the exam has no domain {leading} "
                f"(its domains are {numbers}).",
                hint="Check the objective numbers on your score report.",
            )
        if sub.strip("0") == "":
            raise InvalidInput(
                f"{token} is the number of a whole domain ({_domain_label(domain)}), not of an objective.",
                hint="Copy the objective numbers listed under “objectives missed”, like 3.2.",
            )
        if domain.objectives:
            raise InvalidInput(
                f"Objective {token} is not in {exam.code}: {_domain_label(domain)} has objectives "
                f"{domain.objectives[0]} to {domain.objectives[-1]}.",
                hint="Check the objective numbers on your score report.",
            )
        return domain

    # result ----------------------------------------------------------------------------------------

    def result(self) -> ParseResult:
        entries: list[DomainResult] = []
        missing: list[Domain] = []
        for domain in self.exam.domains:
            missed = tuple(self.missed.get(domain.number, ()))
            value = self.values.get(domain.number)
            if value is not None:
                entries.append(
                    DomainResult(value.domain_number, value.kind, value.percent, value.level, missed)
                )
            elif self.objectives_seen:
                entries.append(DomainResult(domain.number, ResultKind.OBJECTIVES, missed_objectives=missed))
            else:
                missing.append(domain)
        if entries and missing:
            names = "; ".join(_domain_label(d) for d in missing)
            self.warnings.append(f"No result for {names}: planning will use the blueprint weight there.")
        report = ScoreReport(self.exam.code, tuple(entries), self.overall)
        return ParseResult(report, self.unparsed, self.warnings)


def _describe(result: DomainResult) -> str:
    if result.kind is ResultKind.PERCENT:
        return f"{result.percent:g}%"
    if result.kind is ResultKind.LEVEL and result.level is not None:
        return f"“{result.level.value}”"
    return "missed objectives"
