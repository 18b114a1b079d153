"""The exam catalogue: validated exams and retake policies, and how members find an exam.

``parse_catalogue`` turns the shipped YAML documents (already read by ``bot.data.loader``) into a
``Catalogue``; ``parse_exam`` does the same for one exam an admin defines for their server. Every
problem is collected, with where it is ("microsoft.yaml: exam AZ-900: domain 2: weight_min >
weight_max"), and raised together in one ``CatalogueError``, so a broken file is fixed in one go.
The schema is described in docs/exam-catalogue.md.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from bot.domain.exams import (
    AttemptCap,
    Confidence,
    Domain,
    Exam,
    ExamStatus,
    RetakePolicy,
    RetakeRule,
    Source,
    Wait,
)
from bot.domain.text import match_domain, normalise, suggestions
from bot.errors import InvalidInput, NotFound

DAY_COUNTINGS = ("calendar", "after_exam_day")
CAP_WINDOWS = ("rolling", "from_first_attempt")
COUNTED_PER = ("exam", "family")

_DOCUMENT_FIELDS = {"vendor", "policy", "exams", "policies"}
_EXAM_FIELDS = {
    "code", "name", "vendor", "policy", "status", "family", "successor", "retirement_date",
    "passing_score", "scale_min", "scale_max", "max_questions", "duration_minutes", "domains",
    "notes", "source",
}
_DOMAIN_FIELDS = {"number", "name", "weight", "weight_min", "weight_max", "objectives"}
_POLICY_FIELDS = {
    "id", "vendor", "scope", "day_counting", "counted_per", "rules", "cap", "free_retakes",
    "free_retake_window_months", "after_pass", "other_rules", "source",
}
_RULE_FIELDS = {"after_failure", "and_later", "wait", "notes"}
_CAP_FIELDS = {"max_attempts", "window_days", "window_months", "window"}
_SOURCE_FIELDS = {"urls", "as_of", "confidence"}
_POLICY_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_OBJECTIVE = re.compile(r"(\d+)\.\d+")
_STATUS_ORDER = {ExamStatus.CURRENT: 0, ExamStatus.RETIRING: 1, ExamStatus.RETIRED: 2}
# Weights are percentages written with at most a decimal or two; this absorbs float rounding only.
_TOLERANCE = 1e-6


class CatalogueError(InvalidInput):
    """One or more problems in exam data; ``errors`` lists each with its location."""

    code = "catalogue_invalid"

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = list(errors)
        lines = "\n".join(f"- {e}" for e in self.errors)
        super().__init__(f"The exam data has {len(self.errors)} problem(s):\n{lines}")


def code_key(code: str) -> str:
    """The form exam codes are compared in: 'sy0 701', 'SY0-701' and 'sy0701' are the same exam."""
    return re.sub(r"[^A-Z0-9]", "", str(code).upper())


class _Problems:
    """Collects readable problems; ``at`` gives a child that prefixes its location."""

    def __init__(self, where: str = "", sink: list[str] | None = None) -> None:
        self.where = where
        self.errors: list[str] = [] if sink is None else sink

    def at(self, part: str) -> _Problems:
        return _Problems(f"{self.where}: {part}" if self.where else part, self.errors)

    def add(self, message: str) -> None:
        self.errors.append(f"{self.where}: {message}" if self.where else message)


# -- field readers: each returns the value, or None after recording a problem -----------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _text(raw: Mapping[str, Any], key: str, p: _Problems, *, required: bool = True) -> str | None:
    value = raw.get(key)
    if value is None:
        if required:
            p.add(f"{key} is missing")
        return None
    if not isinstance(value, str) or not value.strip():
        p.add(f"{key} must be non-empty text, not {value!r}")
        return None
    return value.strip()


def _number(raw: Mapping[str, Any], key: str, p: _Problems) -> float | None:
    value = raw.get(key)
    if value is None:
        return None
    if not _is_number(value):
        p.add(f"{key} must be a number or null, not {value!r}")
        return None
    return float(value)


def _positive_int(raw: Mapping[str, Any], key: str, p: _Problems, *, required: bool = False) -> int | None:
    value = raw.get(key)
    if value is None:
        if required:
            p.add(f"{key} is missing")
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        p.add(f"{key} must be a whole number above 0, not {value!r}")
        return None
    return value


def _date(raw: Mapping[str, Any], key: str, p: _Problems, *, required: bool = False) -> date | None:
    value = raw.get(key)
    if value is None:
        if required:
            p.add(f"{key} is missing")
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    p.add(f"{key} must be a date written YYYY-MM-DD, not {value!r}")
    return None


def _text_list(raw: Mapping[str, Any], key: str, p: _Problems) -> tuple[str, ...]:
    value = raw.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        p.add(f"{key} must be a list of non-empty texts")
        return ()
    return tuple(v.strip() for v in value)


def _mapping(value: Any, what: str, p: _Problems) -> Mapping[str, Any] | None:
    if not isinstance(value, Mapping):
        p.add(f"{what} must be a mapping of fields, not {type(value).__name__}")
        return None
    return value


def _unknown_fields(raw: Mapping[str, Any], allowed: set[str], p: _Problems) -> None:
    for key in raw:
        if key not in allowed:
            near = suggestions(sorted(allowed), str(key), limit=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            p.add(f"unknown field {key!r}{hint}")


def _source(raw: Any, p: _Problems, *, default_as_of: date | None = None) -> Source | None:
    if raw is None:
        if default_as_of is not None:
            return Source((), default_as_of, Confidence.LOW)
        p.add("source is missing")
        return None
    p = p.at("source")
    raw = _mapping(raw, "source", p)
    if raw is None:
        return None
    _unknown_fields(raw, _SOURCE_FIELDS, p)
    urls = _text_list(raw, "urls", p)
    if not raw.get("urls"):
        p.add("urls must list at least one source")
    as_of = _date(raw, "as_of", p, required=True)
    confidence = raw.get("confidence")
    try:
        conf = Confidence(confidence)
    except ValueError:
        allowed = ", ".join(c.value for c in Confidence)
        p.add(f"confidence must be one of {allowed}, not {confidence!r}")
        return None
    if as_of is None or not urls:
        return None
    return Source(urls, as_of, conf)


# -- policies -------------------------------------------------------------------------------------


def _rule(raw: Any, p: _Problems) -> RetakeRule | None:
    raw = _mapping(raw, "a rule", p)
    if raw is None:
        return None
    _unknown_fields(raw, _RULE_FIELDS, p)
    after = _positive_int(raw, "after_failure", p, required=True)
    wait_raw = raw.get("wait")
    wait = None
    if wait_raw is None:
        p.add("wait is missing")
    else:
        try:
            wait = Wait.parse(wait_raw)
        except ValueError as exc:
            p.add(f"wait: {exc}")
    and_later = raw.get("and_later", False)
    if not isinstance(and_later, bool):
        p.add(f"and_later must be true or false, not {and_later!r}")
        and_later = False
    notes = raw.get("notes", "")
    if not isinstance(notes, str):
        p.add("notes must be text")
        notes = ""
    if after is None or wait is None:
        return None
    return RetakeRule(after_failure=after, wait=wait, and_later=and_later, notes=notes.strip())


def _cap(raw: Any, p: _Problems) -> AttemptCap | None:
    p = p.at("cap")
    raw = _mapping(raw, "cap", p)
    if raw is None:
        return None
    _unknown_fields(raw, _CAP_FIELDS, p)
    max_attempts = _positive_int(raw, "max_attempts", p, required=True)
    days = _positive_int(raw, "window_days", p)
    months = _positive_int(raw, "window_months", p)
    if (days is None) == (months is None):
        p.add("give exactly one of window_days or window_months")
    window = raw.get("window", "rolling")
    if window not in CAP_WINDOWS:
        p.add(f"window must be one of {', '.join(CAP_WINDOWS)}, not {window!r}")
        return None
    if max_attempts is None or (days is None) == (months is None):
        return None
    return AttemptCap(max_attempts=max_attempts, window_days=days or 0, window=window, window_months=months or 0)


def _policy(raw: Any, p: _Problems) -> RetakePolicy | None:
    raw = _mapping(raw, "a policy", p)
    if raw is None:
        return None
    _unknown_fields(raw, _POLICY_FIELDS, p)
    pid = _text(raw, "id", p)
    if pid is not None and not _POLICY_ID.fullmatch(pid):
        p.add(f"id must be lower-case words joined by '-', not {pid!r}")
        pid = None
    vendor = _text(raw, "vendor", p)
    scope = _text(raw, "scope", p)
    day_counting = raw.get("day_counting", "calendar")
    if day_counting not in DAY_COUNTINGS:
        p.add(f"day_counting must be one of {', '.join(DAY_COUNTINGS)}, not {day_counting!r}")
    counted_per = raw.get("counted_per", "exam")
    if counted_per not in COUNTED_PER:
        p.add(f"counted_per must be one of {', '.join(COUNTED_PER)}, not {counted_per!r}")
    rules: list[RetakeRule] = []
    raw_rules = raw.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        p.add("rules must list at least one rule")
    else:
        for i, item in enumerate(raw_rules, start=1):
            rule = _rule(item, p.at(f"rule {i}"))
            if rule is not None:
                rules.append(rule)
        numbers = [r.after_failure for r in rules]
        if numbers != sorted(set(numbers)):
            p.add("rules must be in order of after_failure, each number once")
        for r in rules[:-1]:
            if r.and_later:
                p.add(f"rule after failure {r.after_failure} says and_later, so no rule may follow it")
    cap = _cap(raw["cap"], p) if raw.get("cap") is not None else None
    free_retakes = raw.get("free_retakes", 0)
    if not isinstance(free_retakes, int) or isinstance(free_retakes, bool) or free_retakes < 0:
        p.add(f"free_retakes must be a whole number, 0 or more, not {free_retakes!r}")
        free_retakes = 0
    free_window = _positive_int(raw, "free_retake_window_months", p)
    after_pass = raw.get("after_pass", "")
    if not isinstance(after_pass, str):
        p.add("after_pass must be text")
        after_pass = ""
    other_rules = _text_list(raw, "other_rules", p)
    source = _source(raw.get("source"), p)
    if None in (pid, vendor, scope, source) or not rules:
        return None
    if day_counting not in DAY_COUNTINGS or counted_per not in COUNTED_PER:
        return None
    return RetakePolicy(
        id=pid,  # type: ignore[arg-type]
        vendor=vendor,  # type: ignore[arg-type]
        scope=scope,  # type: ignore[arg-type]
        rules=tuple(rules),
        source=source,  # type: ignore[arg-type]
        cap=cap,
        day_counting=day_counting,
        free_retakes=free_retakes,
        other_rules=other_rules,
        free_retake_window_months=free_window,
        after_pass=after_pass.strip(),
        counted_per=counted_per,
    )


# -- exams ----------------------------------------------------------------------------------------


def _domain(raw: Any, index: int, p: _Problems) -> Domain | None:
    number_raw = raw.get("number") if isinstance(raw, Mapping) else None
    label = number_raw if isinstance(number_raw, str) and number_raw.strip() else f"#{index}"
    p = p.at(f"domain {label}")
    raw = _mapping(raw, "a domain", p)
    if raw is None:
        return None
    _unknown_fields(raw, _DOMAIN_FIELDS, p)
    number = raw.get("number")
    if number is None:
        p.add("number is missing")
    elif not isinstance(number, str) or not number.strip():
        # YAML reads 1.0 as a float and drops the ".0"; the vendor's numbering must stay as written.
        p.add(f'number must be quoted text such as "1.0" or "1", not {number!r}')
        number = None
    name = _text(raw, "name", p)
    weight = _number(raw, "weight", p)
    low = _number(raw, "weight_min", p)
    high = _number(raw, "weight_max", p)
    if weight is not None and (low is not None or high is not None):
        p.add("give either weight or weight_min/weight_max, not both")
    elif weight is None and low is None and high is None:
        p.add("weight (or weight_min and weight_max) is missing")
    elif weight is None and (low is None or high is None):
        p.add("a weight range needs both weight_min and weight_max")
    for key, value in (("weight", weight), ("weight_min", low), ("weight_max", high)):
        if value is not None and not 0 < value <= 100:
            p.add(f"{key} must be a percentage above 0 and at most 100, not {value:g}")
    if low is not None and high is not None and low > high:
        p.add("weight_min > weight_max")
    objectives = _text_list(raw, "objectives", p)
    if number is not None:
        lead = re.match(r"\d+", number.strip())
        for obj in objectives:
            m = _OBJECTIVE.fullmatch(obj)
            if m is None:
                p.add(f"objective {obj!r} must be written like '3.4'")
            elif lead is not None and int(m.group(1)) != int(lead.group(0)):
                p.add(f"objective {obj} does not belong to domain {number}")
    if number is None or name is None:
        return None
    return Domain(number=number.strip(), name=name, weight=weight, weight_min=low, weight_max=high,
                  objectives=objectives)


def _check_weights(domains: Sequence[Domain], p: _Problems) -> None:
    if not all(d.weight is not None or (d.weight_min is not None and d.weight_max is not None)
               for d in domains):
        return
    low = sum(d.weight if d.weight is not None else d.weight_min for d in domains)  # type: ignore[misc]
    high = sum(d.weight if d.weight is not None else d.weight_max for d in domains)  # type: ignore[misc]
    if all(d.weight is not None for d in domains):
        if abs(low - 100) > _TOLERANCE:
            p.add(f"domain weights add up to {low:g}%, not 100%")
    elif low > 100 + _TOLERANCE or high < 100 - _TOLERANCE:
        p.add(f"domain weight ranges cover {low:g}-{high:g}%, which does not include 100%")


def _exam(
    raw: Any,
    p: _Problems,
    *,
    defaults: Mapping[str, Any],
    policy_ids: Collection[str] | None,
    guild_id: int | None,
    default_as_of: date | None,
) -> Exam | None:
    raw = _mapping(raw, "an exam", p)
    if raw is None:
        return None
    _unknown_fields(raw, _EXAM_FIELDS, p)
    merged = {**defaults, **raw}
    code = _text(merged, "code", p)
    name = _text(merged, "name", p)
    vendor = _text(merged, "vendor", p)
    policy_id = _text(merged, "policy", p)
    if policy_id is not None and policy_ids is not None and policy_id not in policy_ids:
        near = suggestions(sorted(policy_ids), policy_id, limit=1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        p.add(f"policy {policy_id!r} is not a known policy id{hint}")
    status_raw = merged.get("status")
    status = None
    try:
        status = ExamStatus(status_raw)
    except ValueError:
        allowed = ", ".join(s.value for s in ExamStatus)
        p.add(f"status must be one of {allowed}, not {status_raw!r}")
    family = _text(merged, "family", p, required=False)
    successor = _text(merged, "successor", p, required=False)
    if successor is not None and code is not None and code_key(successor) == code_key(code):
        p.add("successor cannot be the exam itself")
    retirement_date = _date(merged, "retirement_date", p)
    passing = _number(merged, "passing_score", p)
    scale_min = _number(merged, "scale_min", p)
    scale_max = _number(merged, "scale_max", p)
    if scale_min is not None and scale_max is not None and scale_min >= scale_max:
        p.add(f"scale_min ({scale_min:g}) must be below scale_max ({scale_max:g})")
    if passing is not None:
        if scale_max is not None and passing > scale_max:
            p.add(f"passing_score {passing:g} is above scale_max {scale_max:g}")
        if scale_min is not None and passing < scale_min:
            p.add(f"passing_score {passing:g} is below scale_min {scale_min:g}")
    max_questions = _positive_int(merged, "max_questions", p)
    duration = _positive_int(merged, "duration_minutes", p)
    domains: list[Domain] = []
    raw_domains = merged.get("domains")
    if not isinstance(raw_domains, list):
        p.add("domains must be a list")
    else:
        for i, item in enumerate(raw_domains, start=1):
            d = _domain(item, i, p)
            if d is not None:
                domains.append(d)
        if not raw_domains and status is not ExamStatus.RETIRED:
            p.add("domains must list at least one domain (only a retired exam may have none)")
        seen_numbers: set[str] = set()
        seen_names: set[str] = set()
        for d in domains:
            if d.number in seen_numbers:
                p.add(f"domain number {d.number} appears more than once")
            if normalise(d.name) in seen_names:
                p.add(f"domain name {d.name!r} appears more than once")
            seen_numbers.add(d.number)
            seen_names.add(normalise(d.name))
        if domains and len(domains) == len(raw_domains):
            _check_weights(domains, p)
    notes = _text_list(merged, "notes", p)
    source = _source(merged.get("source"), p, default_as_of=default_as_of)
    if None in (code, name, vendor, policy_id, status, source):
        return None
    return Exam(
        code=code,  # type: ignore[arg-type]
        name=name,  # type: ignore[arg-type]
        vendor=vendor,  # type: ignore[arg-type]
        policy_id=policy_id,  # type: ignore[arg-type]
        status=status,  # type: ignore[arg-type]
        domains=tuple(domains),
        source=source,  # type: ignore[arg-type]
        family=family,
        successor=successor,
        passing_score=passing,
        scale_min=scale_min,
        scale_max=scale_max,
        max_questions=max_questions,
        duration_minutes=duration,
        local_guild_id=guild_id,
        notes=notes,
        retirement_date=retirement_date,
    )


def _exam_label(raw: Any, index: int) -> str:
    code = raw.get("code") if isinstance(raw, Mapping) else None
    return f"exam {code.strip()}" if isinstance(code, str) and code.strip() else f"exam #{index}"


def parse_exam(
    doc: Mapping[str, Any],
    *,
    policy_ids: Collection[str] | None = None,
    guild_id: int | None = None,
    default_as_of: date | None = None,
) -> Exam:
    """One exam from its mapping (the schema of one entry of ``exams:``); raises ``CatalogueError``.

    ``policy_ids`` (when given) are the policy ids the exam may name. An exam an admin defines for
    their server may leave out ``source``: it then gets ``default_as_of`` and low confidence.
    """
    problems = _Problems()
    exam = _exam(doc, problems.at(_exam_label(doc, 1)), defaults={}, policy_ids=policy_ids,
                 guild_id=guild_id, default_as_of=default_as_of)
    if problems.errors or exam is None:
        raise CatalogueError(problems.errors or ["exam: could not be read"])
    return exam


def parse_catalogue(documents: list[dict], *, names: Sequence[str] | None = None) -> Catalogue:
    """Every document's policies and exams, validated together; raises ``CatalogueError``.

    A document is the mapping of one YAML file: ``policies:`` and/or ``exams:``, with optional
    ``vendor:`` and ``policy:`` defaults for its exams. ``names`` (file names) locate problems.
    """
    problems = _Problems()
    labels = list(names) if names is not None else [f"document {i}" for i in range(1, len(documents) + 1)]
    if len(labels) != len(documents):
        raise ValueError("names must give one name per document")
    checked: list[tuple[_Problems, Mapping[str, Any]]] = []
    for label, doc in zip(labels, documents, strict=True):
        p = problems.at(label)
        raw = _mapping(doc, "the document", p)
        if raw is None:
            continue
        _unknown_fields(raw, _DOCUMENT_FIELDS, p)
        checked.append((p, raw))

    policies: dict[str, RetakePolicy] = {}
    declared_ids: set[str] = set()
    for p, raw in checked:
        items = raw.get("policies")
        if items is None:
            continue
        if not isinstance(items, list):
            p.add("policies must be a list")
            continue
        for i, item in enumerate(items, start=1):
            pid = item.get("id") if isinstance(item, Mapping) else None
            where = p.at(f"policy {pid}" if isinstance(pid, str) and pid else f"policy #{i}")
            if isinstance(pid, str) and pid in declared_ids:
                where.add("this policy id is used more than once")
            if isinstance(pid, str):
                declared_ids.add(pid)
            policy = _policy(item, where)
            if policy is not None and policy.id not in policies:
                policies[policy.id] = policy

    exams: list[Exam] = []
    located: dict[str, _Problems] = {}
    for p, raw in checked:
        defaults = {k: raw[k] for k in ("vendor", "policy") if k in raw}
        items = raw.get("exams")
        if items is None:
            continue
        if not isinstance(items, list):
            p.add("exams must be a list")
            continue
        for i, item in enumerate(items, start=1):
            where = p.at(_exam_label(item, i))
            exam = _exam(item, where, defaults=defaults, policy_ids=declared_ids, guild_id=None,
                         default_as_of=None)
            if exam is None:
                continue
            key = code_key(exam.code)
            if key in located:
                where.add(f"exam code {exam.code} is already used ({located[key].where})")
                continue
            located[key] = where
            exams.append(exam)
    _check_successors(exams, {code_key(e.code) for e in exams}, located, problems)
    if not exams and not policies and not problems.errors:
        problems.add("no exams or policies found")
    if problems.errors:
        raise CatalogueError(problems.errors)
    return Catalogue(exams, policies)


def _check_successors(
    exams: Iterable[Exam], known: Collection[str], located: Mapping[str, _Problems], problems: _Problems
) -> None:
    for exam in exams:
        where = located.get(code_key(exam.code), problems.at(f"exam {exam.code}"))
        if exam.successor is not None and code_key(exam.successor) not in known:
            where.add(f"successor {exam.successor} is not an exam in the catalogue")
        if exam.status is ExamStatus.CURRENT and exam.successor is not None:
            where.add("a current exam has no successor; mark it retiring or retired")


def objective_domain(exam: Exam, objective: str) -> Domain | None:
    """The domain an objective number belongs to: listed objectives first, else the leading number.

    CompTIA (and ISC2) number objectives under their domain: objective "3.4" is part of domain
    "3.0" (or "3"), so the mapping needs no per-objective data.
    """
    wanted = objective.strip()
    for d in exam.domains:
        if wanted in d.objectives:
            return d
    m = _OBJECTIVE.fullmatch(wanted)
    if m is None:
        return None
    return match_domain(exam.domains, m.group(1))


class Catalogue:
    """The exams and policies the bot knows, with lookup that forgives how members type codes."""

    def __init__(self, exams: Iterable[Exam], policies: Mapping[str, RetakePolicy]) -> None:
        self._exams = tuple(exams)
        self._policies = dict(policies)
        self._by_key = {code_key(e.code): e for e in self._exams}

    def __len__(self) -> int:
        return len(self._exams)

    def exams(self, *, include_retired: bool = True) -> tuple[Exam, ...]:
        if include_retired:
            return self._exams
        return tuple(e for e in self._exams if e.status is not ExamStatus.RETIRED)

    def policies(self) -> tuple[RetakePolicy, ...]:
        return tuple(self._policies.values())

    def policy(self, policy_id: str) -> RetakePolicy | None:
        return self._policies.get(policy_id)

    def exam(self, code: str) -> Exam | None:
        """The exam with this code, however it is spaced or cased ('sy0 701' finds SY0-701)."""
        return self._by_key.get(code_key(code)) if code else None

    def require(self, code: str) -> Exam:
        """Like ``exam`` but a kind ``NotFound`` (with close codes as a hint) when it is unknown."""
        exam = self.exam(code)
        if exam is not None:
            return exam
        close = self.suggest(code)
        hint = f"Did you mean {', '.join(close)}?" if close else "Try the autocomplete list of exam codes."
        raise NotFound(f"I don't know an exam with the code {code.strip()!r} yet.", hint=hint)

    def policy_for(self, exam: Exam | str) -> RetakePolicy:
        found = self.require(exam) if isinstance(exam, str) else exam
        policy = self._policies.get(found.policy_id)
        if policy is None:
            raise KeyError(f"exam {found.code} names unknown policy {found.policy_id!r}")
        return policy

    def successor_of(self, exam: Exam) -> Exam | None:
        """The exam to take instead of a retired or retiring one (following a chain of successors)."""
        seen = {code_key(exam.code)}
        current = exam
        while current.successor is not None:
            nxt = self.exam(current.successor)
            if nxt is None or code_key(nxt.code) in seen:
                break
            seen.add(code_key(nxt.code))
            current = nxt
        return current if current is not exam else None

    def search(self, text: str, limit: int = 25) -> list[Exam]:
        """Exams whose code or name matches, current exams first; for autocomplete (max 25)."""
        limit = max(0, min(limit, 25))
        wanted_code = code_key(text or "")
        words = normalise(text or "").split()
        scored: list[tuple[int, int, str, Exam]] = []
        for exam in self._exams:
            score = self._match_score(exam, wanted_code, words)
            if score is not None:
                scored.append((_STATUS_ORDER[exam.status], score, code_key(exam.code), exam))
        scored.sort(key=lambda item: item[:3])
        return [item[3] for item in scored[:limit]]

    @staticmethod
    def _match_score(exam: Exam, wanted_code: str, words: list[str]) -> int | None:
        if not words:
            return 0
        key = code_key(exam.code)
        if wanted_code and key == wanted_code:
            return 0
        if wanted_code and key.startswith(wanted_code):
            return 1
        if wanted_code and len(wanted_code) >= 2 and wanted_code in key:
            return 2
        haystack = normalise(f"{exam.name} {exam.vendor} {exam.family or ''}")
        tokens = haystack.split()
        if all(any(t.startswith(w) for t in tokens) for w in words):
            return 3
        if all(w in haystack for w in words):
            return 4
        return None

    def suggest(self, code: str, limit: int = 3) -> list[str]:
        """Known codes close to an unknown one, for a 'did you mean …?' reply."""
        known = [e.code for e in self._exams]
        by_key = {code_key(c): c for c in known}
        close = suggestions(by_key, code_key(code), limit=limit)
        return [by_key[k] for k in close]

    def with_local(self, exams: Iterable[Exam]) -> Catalogue:
        """This catalogue plus a server's own exams; raises ``CatalogueError`` on clashes."""
        problems = _Problems()
        added = list(exams)
        known = dict(self._by_key)
        located: dict[str, _Problems] = {}
        for exam in added:
            where = problems.at(f"exam {exam.code}")
            key = code_key(exam.code)
            if key in known:
                where.add("this code is already used by another exam")
                continue
            if exam.policy_id not in self._policies:
                where.add(f"policy {exam.policy_id!r} is not a known policy id")
            known[key] = exam
            located[key] = where
        _check_successors(added, known, located, problems)
        if problems.errors:
            raise CatalogueError(problems.errors)
        return Catalogue((*self._exams, *added), self._policies)
