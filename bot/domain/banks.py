"""Question banks: the model, the validator and the export format.

A bank is one YAML document per exam (``bot/data/banks/<exam-code-lowercase>.yaml``, format in
``docs/question-banks.md``). ``parse_bank`` checks a whole document and reports *every* problem at
once, each naming the file, the question and the field, so an author fixes a bank in one pass.
The same checks serve a single question proposed through a modal (``validate_question_fields``).

Every length limit lives in ``LIMITS``: they are set by what Discord can show (a select option label
is at most 100 characters, an embed field value at most 1024) with room left for numbering and markup.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from bot.domain.exams import Exam
from bot.domain.text import match_domain
from bot.errors import InvalidInput


@dataclass(frozen=True)
class Limits:
    id_length: int = 40
    stem: int = 1000
    option: int = 100
    explanation: int = 600
    rationale: int = 200
    min_options: int = 2
    max_options: int = 6
    objective: int = 20
    reference: int = 200
    tag: int = 30
    tags: int = 10
    title: int = 200
    author: int = 200
    licence: int = 64
    questions: int = 5000
    # Checked by the caller before parsing (the parser only sees the loaded document).
    document_bytes: int = 2_000_000
    min_difficulty: int = 1
    max_difficulty: int = 3


LIMITS = Limits()

OPTION_IDS = "abcdef"
DEFAULT_DIFFICULTY = 2
# Errors shown in a Discord reply; the full list stays on ``BankError.errors``.
_SHOWN_ERRORS = 10
_QUOTE_HINT = " (quote it: YAML reads yes/no/on/off as true/false)"

_ID_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Tags may carry dots for standards names such as 802.1x.
_TAG_PATTERN = re.compile(r"[a-z0-9]+(?:[.-][a-z0-9]+)*")
_LICENCE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+-]*")

_QUESTION_REQUIRED = ("id", "domain", "type", "stem", "options", "answer", "explanation")
_QUESTION_OPTIONAL = ("objective", "choose", "rationale", "difficulty", "tags", "reference")
_META_REQUIRED = ("exam", "version", "title", "author", "licence")
_META_OPTIONAL = ("as_of",)


class QuestionType(StrEnum):
    SINGLE = "single"
    MULTI = "multi"


@dataclass(frozen=True)
class Option:
    id: str
    text: str


@dataclass(frozen=True)
class Question:
    id: str
    exam: str
    domain: str  # the blueprint's own domain number, e.g. "2.0"
    objective: str | None
    type: QuestionType
    choose: int  # how many answers to pick: 1 for single
    stem: str
    options: tuple[Option, ...]
    answer: frozenset[str]
    explanation: str
    rationale: dict[str, str] = field(default_factory=dict)
    difficulty: int = DEFAULT_DIFFICULTY
    tags: tuple[str, ...] = ()
    reference: str | None = None

    def __hash__(self) -> int:
        return hash((self.exam, self.id))

    def is_correct(self, chosen: Iterable[str]) -> bool:
        """All of the answers and nothing else; multi questions get no partial credit, as on the exam."""
        return frozenset(c.strip().lower() for c in chosen) == self.answer

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True)
class BankMeta:
    exam: str
    version: int
    title: str
    author: str
    licence: str
    as_of: date | None = None


@dataclass(frozen=True)
class Bank:
    meta: BankMeta
    questions: tuple[Question, ...]

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def by_domain(self) -> dict[str, list[Question]]:
        out: dict[str, list[Question]] = {}
        for q in self.questions:
            out.setdefault(q.domain, []).append(q)
        return out


class BankError(InvalidInput):
    """A bank or a proposed question has problems; ``errors`` lists every one of them."""

    code = "invalid_bank"

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = list(errors)
        shown = self.errors[:_SHOWN_ERRORS]
        more = len(self.errors) - len(shown)
        noun = "problem" if len(self.errors) == 1 else "problems"
        lines = [f"I found {len(self.errors)} {noun} to fix:"] + [f"• {e}" for e in shown]
        if more:
            lines.append(f"…and {more} more.")
        super().__init__("\n".join(lines))


# --- parsing ---------------------------------------------------------------------------------------


class _Collector:
    """Gathers problems under one prefix ("sy0-701.yaml: question sy0701-d2-014")."""

    def __init__(self, errors: list[str], prefix: str) -> None:
        self.errors = errors
        self.prefix = prefix
        self.count_before = len(errors)

    def add(self, field_name: str, message: str) -> None:
        self.errors.append(f"{self.prefix}: {field_name}: {message}")

    @property
    def clean(self) -> bool:
        return len(self.errors) == self.count_before


def _type_name(value: object) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, int | float):
        return "a number"
    return type(value).__name__


def _text(value: object, *, numbers_ok: bool = False) -> str | None:
    """Text as YAML gave it. Unquoted numbers become text where they are numbers by nature (domains)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (numbers_ok and isinstance(value, float)):
        return str(value)
    return None


def _check_text(
    out: _Collector,
    raw: Mapping[str, Any],
    name: str,
    limit: int,
    *,
    required: bool,
    numbers_ok: bool = False,
) -> str | None:
    value = raw.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            out.add(name, "is required")
        return None
    text = _text(value, numbers_ok=numbers_ok)
    if text is None:
        hint = _QUOTE_HINT if isinstance(value, bool) else ""
        out.add(name, f"must be text, not {_type_name(value)}{hint}")
        return None
    text = text.strip()
    if len(text) > limit:
        out.add(name, f"is {len(text):,} characters; the limit is {limit:,}")
    return text


def _unknown_fields(out: _Collector, raw: Mapping[str, Any], known: Sequence[str]) -> None:
    for key in raw:
        if key in known:
            continue
        close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.7)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        out.add(str(key), f"unknown field{hint}")


def _check_id(out: _Collector, value: object) -> str | None:
    if value is None or value == "":
        out.add("id", "is required")
        return None
    if not isinstance(value, str):
        out.add("id", f"must be text, not {_type_name(value)}")
        return None
    if len(value) > LIMITS.id_length:
        out.add("id", f"is {len(value)} characters; the limit is {LIMITS.id_length}")
    if not _ID_PATTERN.fullmatch(value):
        out.add("id", f"'{value}' may use only lowercase letters, digits and single hyphens")
    return value


def _check_domain(out: _Collector, raw: Mapping[str, Any], exam: Exam) -> str | None:
    text = _check_text(out, raw, "domain", 40, required=True, numbers_ok=True)
    if text is None:
        return None
    found = match_domain(exam.domains, text)
    if found is None:
        known = ", ".join(d.number for d in exam.domains)
        out.add("domain", f"'{text}' is not a domain of {exam.code} (domains: {known})")
        return None
    return found.number


def _check_objective(out: _Collector, raw: Mapping[str, Any], exam: Exam, domain: str | None) -> str | None:
    objective = _check_text(out, raw, "objective", LIMITS.objective, required=False, numbers_ok=True)
    if objective is None or domain is None:
        return objective
    blueprint = match_domain(exam.domains, domain)
    # Only checkable where the catalogue lists the domain's objectives.
    if blueprint is not None and blueprint.objectives and objective not in blueprint.objectives:
        listed = ", ".join(blueprint.objectives)
        out.add("objective", f"'{objective}' is not an objective of domain {domain} ({listed})")
    return objective


def _check_options(out: _Collector, raw: Mapping[str, Any]) -> tuple[Option, ...] | None:
    value = raw.get("options")
    if value is None:
        out.add("options", "is required")
        return None
    if not isinstance(value, Mapping):
        out.add("options", f"must be a mapping of a, b, c… to option text, not {_type_name(value)}")
        return None
    if not LIMITS.min_options <= len(value) <= LIMITS.max_options:
        out.add("options", f"has {len(value)}; a question needs {LIMITS.min_options} to {LIMITS.max_options}")
    ids = [str(k).strip().lower() for k in value]
    expected = list(OPTION_IDS[: len(ids)])
    if ids != expected and len(ids) <= LIMITS.max_options:
        out.add("options", f"ids must be {', '.join(expected)} in that order, not {', '.join(ids)}")
    options: list[Option] = []
    seen: dict[str, str] = {}
    for key, text_value in value.items():
        oid = str(key).strip().lower()
        text = _text(text_value)
        if text is None or not text.strip():
            hint = _QUOTE_HINT if isinstance(text_value, bool) else ""
            out.add(f"options: {oid}", f"must be text, not {_type_name(text_value)}{hint}")
            continue
        text = text.strip()
        if len(text) > LIMITS.option:
            out.add(f"options: {oid}", f"is {len(text)} characters; the limit is {LIMITS.option}")
        folded = " ".join(text.lower().split())
        if folded in seen:
            out.add("options", f"duplicate text '{text}' ({seen[folded]} and {oid})")
        else:
            seen[folded] = oid
        options.append(Option(oid, text))
    return tuple(options)


def _check_type(out: _Collector, raw: Mapping[str, Any]) -> QuestionType | None:
    value = raw.get("type")
    if value is None:
        out.add("type", "is required (single or multi)")
        return None
    try:
        return QuestionType(str(value).strip().lower())
    except ValueError:
        out.add("type", f"'{value}' must be single or multi")
        return None


def _check_answer(
    out: _Collector,
    raw: Mapping[str, Any],
    qtype: QuestionType | None,
    options: tuple[Option, ...] | None,
) -> tuple[frozenset[str] | None, int | None]:
    value = raw.get("answer")
    if value is None or value == "" or value == []:
        out.add("answer", "is required")
        return None, None
    if isinstance(value, str):
        items = [value]
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        items = list(value)
    else:
        out.add("answer", "must be an option id such as b, or a list such as [a, c]")
        return None, None
    ids = [v.strip().lower() for v in items]
    if len(set(ids)) != len(ids):
        out.add("answer", f"lists an option more than once: {', '.join(ids)}")
    answer = frozenset(ids)
    if options is not None:
        known = {o.id for o in options}
        for a in sorted(answer - known):
            out.add("answer", f"'{a}' is not one of the options ({', '.join(sorted(known))})")

    choose_raw = raw.get("choose")
    choose: int | None = None
    if choose_raw is not None:
        if isinstance(choose_raw, bool) or not isinstance(choose_raw, int):
            out.add("choose", f"must be a whole number, not {_type_name(choose_raw)}")
        else:
            choose = choose_raw

    if qtype is QuestionType.SINGLE:
        if len(answer) != 1:
            out.add("answer", f"a single question has exactly one answer, not {len(answer)}")
        if choose is not None and choose != 1:
            out.add("choose", "is only for multi questions")
        return answer, 1
    if qtype is QuestionType.MULTI:
        if choose_raw is None:
            out.add("choose", "is required for a multi question")
        elif choose is not None and choose != len(answer):
            out.add("choose", f"is {choose} but the answer lists {len(answer)}")
        if len(answer) < 2:
            out.add("answer", "a multi question needs at least two answers")
        if options is not None and answer <= {o.id for o in options} and len(answer) >= len(options):
            out.add("answer", f"a multi question must leave a wrong option; all {len(options)} are answers")
        return answer, len(answer)
    return answer, choose


def _check_rationale(
    out: _Collector,
    raw: Mapping[str, Any],
    options: tuple[Option, ...] | None,
    answer: frozenset[str] | None,
) -> dict[str, str]:
    value = raw.get("rationale")
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        out.add("rationale", f"must be a mapping of wrong option ids to reasons, not {_type_name(value)}")
        return {}
    known = {o.id for o in options} if options is not None else None
    rationale: dict[str, str] = {}
    for key, reason in value.items():
        oid = str(key).strip().lower()
        where = f"rationale: {oid}"
        if known is not None and oid not in known:
            out.add(where, "is not one of the options")
            continue
        if answer is not None and oid in answer:
            out.add(where, "is a correct answer; say why it is right in the explanation")
            continue
        text = _text(reason)
        if text is None or not text.strip():
            out.add(where, f"must be text, not {_type_name(reason)}")
            continue
        text = text.strip()
        if len(text) > LIMITS.rationale:
            out.add(where, f"is {len(text)} characters; the limit is {LIMITS.rationale}")
        rationale[oid] = text
    return {k: rationale[k] for k in sorted(rationale)}


def _check_difficulty(out: _Collector, raw: Mapping[str, Any]) -> int:
    value = raw.get("difficulty")
    if value is None:
        return DEFAULT_DIFFICULTY
    if isinstance(value, bool) or not isinstance(value, int):
        out.add("difficulty", f"must be 1, 2 or 3, not {_type_name(value)}")
        return DEFAULT_DIFFICULTY
    if not LIMITS.min_difficulty <= value <= LIMITS.max_difficulty:
        out.add("difficulty", f"is {value}; it must be 1 (easy), 2 (medium) or 3 (hard)")
        return DEFAULT_DIFFICULTY
    return value


def _check_tags(out: _Collector, raw: Mapping[str, Any]) -> tuple[str, ...]:
    value = raw.get("tags")
    if value is None:
        return ()
    if not isinstance(value, list):
        out.add("tags", f"must be a list such as [ports, pki], not {_type_name(value)}")
        return ()
    if len(value) > LIMITS.tags:
        out.add("tags", f"has {len(value)}; the limit is {LIMITS.tags}")
    tags: list[str] = []
    for tag in value:
        if not isinstance(tag, str) or not _TAG_PATTERN.fullmatch(tag) or len(tag) > LIMITS.tag:
            out.add("tags", f"'{tag}' must be lowercase letters, digits, dots and hyphens, at most {LIMITS.tag}")
            continue
        if tag in tags:
            out.add("tags", f"'{tag}' is listed twice")
            continue
        tags.append(tag)
    return tuple(tags)


def _parse_question(
    raw: object, *, exam: Exam, errors: list[str], where: str, label: str | None = None
) -> Question | None:
    """Check one question, appending problems to ``errors``; returns the question only if it is clean."""
    if not isinstance(raw, Mapping):
        errors.append(f"{where}: {label or 'question'}: must be a mapping of fields, not {_type_name(raw)}")
        return None
    raw_id = raw.get("id")
    shown = raw_id if isinstance(raw_id, str) and raw_id else None
    out = _Collector(errors, f"{where}: {label or 'question'}" if shown is None else f"{where}: question {shown}")
    _unknown_fields(out, raw, _QUESTION_REQUIRED + _QUESTION_OPTIONAL)
    qid = _check_id(out, raw_id)
    domain = _check_domain(out, raw, exam)
    objective = _check_objective(out, raw, exam, domain)
    qtype = _check_type(out, raw)
    stem = _check_text(out, raw, "stem", LIMITS.stem, required=True)
    options = _check_options(out, raw)
    answer, choose = _check_answer(out, raw, qtype, options)
    explanation = _check_text(out, raw, "explanation", LIMITS.explanation, required=True)
    rationale = _check_rationale(out, raw, options, answer)
    difficulty = _check_difficulty(out, raw)
    tags = _check_tags(out, raw)
    reference = _check_text(out, raw, "reference", LIMITS.reference, required=False)
    if not out.clean:
        return None
    assert qid and domain and qtype and stem and options and answer and choose and explanation
    return Question(
        id=qid,
        exam=exam.code,
        domain=domain,
        objective=objective,
        type=qtype,
        choose=choose,
        stem=stem,
        options=options,
        answer=answer,
        explanation=explanation,
        rationale=rationale,
        difficulty=difficulty,
        tags=tags,
        reference=reference,
    )


def _parse_meta(raw: object, *, exam: Exam, errors: list[str], where: str) -> BankMeta | None:
    out = _Collector(errors, f"{where}: bank")
    if not isinstance(raw, Mapping):
        errors.append(f"{where}: bank: is required (exam, version, title, author, licence)")
        return None
    _unknown_fields(out, raw, _META_REQUIRED + _META_OPTIONAL)
    code = _check_text(out, raw, "exam", 40, required=True)
    if code is not None and code.upper() != exam.code.upper():
        out.add("exam", f"'{code}' does not match the exam {exam.code}")
    version = raw.get("version")
    if version is None:
        out.add("version", "is required")
    elif isinstance(version, bool) or not isinstance(version, int) or version < 1:
        out.add("version", f"must be a whole number from 1, not {version!r}")
    title = _check_text(out, raw, "title", LIMITS.title, required=True)
    author = _check_text(out, raw, "author", LIMITS.author, required=True)
    licence = _check_text(out, raw, "licence", LIMITS.licence, required=True)
    if licence is not None and not _LICENCE_PATTERN.fullmatch(licence):
        out.add("licence", f"'{licence}' should be an SPDX licence id such as CC-BY-SA-4.0")
    as_of_raw = raw.get("as_of")
    as_of: date | None = None
    if isinstance(as_of_raw, date):
        as_of = as_of_raw
    elif isinstance(as_of_raw, str):
        try:
            as_of = date.fromisoformat(as_of_raw.strip())
        except ValueError:
            out.add("as_of", f"'{as_of_raw}' must be a date like 2026-11-26")
    elif as_of_raw is not None:
        out.add("as_of", f"must be a date like 2026-11-26, not {_type_name(as_of_raw)}")
    if not out.clean:
        return None
    assert title and author and licence and isinstance(version, int)
    return BankMeta(exam=exam.code, version=version, title=title, author=author, licence=licence, as_of=as_of)


def parse_bank(doc: object, *, exam: Exam, source_name: str) -> Bank:
    """Validate a loaded bank document for ``exam``; raise ``BankError`` listing every problem."""
    errors: list[str] = []
    if not isinstance(doc, Mapping):
        raise BankError([f"{source_name}: must be a mapping with 'bank' and 'questions', not {_type_name(doc)}"])
    top = _Collector(errors, source_name)
    _unknown_fields(top, doc, ("bank", "questions"))
    meta = _parse_meta(doc.get("bank"), exam=exam, errors=errors, where=source_name)
    raw_questions = doc.get("questions")
    questions: list[Question] = []
    if not isinstance(raw_questions, list) or not raw_questions:
        top.add("questions", "the bank needs a list of at least one question")
        raw_questions = []
    elif len(raw_questions) > LIMITS.questions:
        top.add("questions", f"has {len(raw_questions):,}; a bank holds at most {LIMITS.questions:,}")
        raw_questions = []
    first_index: dict[str, int] = {}
    for index, raw in enumerate(raw_questions, start=1):
        q = _parse_question(raw, exam=exam, errors=errors, where=source_name, label=f"question #{index}")
        raw_id = raw.get("id") if isinstance(raw, Mapping) else None
        if isinstance(raw_id, str) and raw_id:
            if raw_id in first_index:
                first = first_index[raw_id]
                errors.append(f"{source_name}: question {raw_id}: id: used again (question #{first} and #{index})")
                continue
            first_index[raw_id] = index
        if q is not None:
            questions.append(q)
    if errors:
        raise BankError(errors)
    assert meta is not None
    return Bank(meta=meta, questions=tuple(questions))


def validate_question_fields(
    raw: Mapping[str, Any],
    *,
    exam: Exam,
    existing_ids: Iterable[str] = (),
    source_name: str = "proposed question",
) -> Question:
    """Check one question (a member's proposal from a modal); raise ``BankError`` listing every problem.

    ``raw`` has the same fields as a question in a bank file. ``existing_ids`` are the ids already in
    the bank, so a proposal cannot take one.
    """
    errors: list[str] = []
    q = _parse_question(raw, exam=exam, errors=errors, where=source_name, label="question")
    raw_id = raw.get("id") if isinstance(raw, Mapping) else None
    if isinstance(raw_id, str) and raw_id in set(existing_ids):
        errors.append(f"{source_name}: question {raw_id}: id: is already used in the {exam.code} bank")
    if errors or q is None:
        raise BankError(errors)
    return q


def next_question_id(exam: Exam, domain_number: str, existing_ids: Iterable[str]) -> str:
    """The next free id in the shipped style, e.g. ``sy0701-d2-015`` for SY0-701 domain 2.0."""
    prefix = re.sub(r"[^a-z0-9]", "", exam.code.lower())
    found = match_domain(exam.domains, domain_number)
    number = (found.number if found else domain_number).split(".")[0]
    slug = re.sub(r"[^a-z0-9]", "", number.lower()) or "x"
    stem = f"{prefix}-d{slug}-"
    taken = set(existing_ids)
    used = [int(i[len(stem) :]) for i in taken if i.startswith(stem) and i[len(stem) :].isdigit()]
    n = max(used, default=0) + 1
    while f"{stem}{n:03d}" in taken:
        n += 1
    return f"{stem}{n:03d}"[: LIMITS.id_length]


# --- export ----------------------------------------------------------------------------------------


def question_to_doc(q: Question) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": q.id, "domain": q.domain}
    if q.objective is not None:
        doc["objective"] = q.objective
    doc["type"] = q.type.value
    if q.type is QuestionType.MULTI:
        doc["choose"] = q.choose
    doc["stem"] = q.stem
    doc["options"] = {o.id: o.text for o in q.options}
    doc["answer"] = next(iter(q.answer)) if q.type is QuestionType.SINGLE else sorted(q.answer)
    doc["explanation"] = q.explanation
    if q.rationale:
        doc["rationale"] = dict(q.rationale)
    doc["difficulty"] = q.difficulty
    if q.tags:
        doc["tags"] = list(q.tags)
    if q.reference is not None:
        doc["reference"] = q.reference
    return doc


def bank_to_doc(bank: Bank) -> dict[str, Any]:
    """The bank as a plain document (for ``/bank export``); ``parse_bank`` reads it back unchanged.

    Dates are ISO text so the document is JSON-safe as well as YAML-safe.
    """
    meta: dict[str, Any] = {
        "exam": bank.meta.exam,
        "version": bank.meta.version,
        "title": bank.meta.title,
        "author": bank.meta.author,
        "licence": bank.meta.licence,
    }
    if bank.meta.as_of is not None:
        meta["as_of"] = bank.meta.as_of.isoformat()
    return {"bank": meta, "questions": [question_to_doc(q) for q in bank.questions]}
