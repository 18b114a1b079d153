"""The exam a member prepares for: attempts, retake dates, bookings, score reports, weak domains,
the diagnosis and the study plan; and exams a server defines for itself.

Each public method is one unit of work: it validates what the member typed and raises a
``UserError`` before anything is written, then calls the domain (``bot.domain.retake``,
``reports``, ``priority``, ``diagnosis``, ``plan``) and the repositories inside one transaction,
and returns a view-model for the cog to render.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from bot.clock import Clock, from_epoch, to_epoch
from bot.db.connection import Database, Tx
from bot.db.repositories.exams import AttemptRecord, Exams, MemberExam, ReportDomainRecord, ReportRecord
from bot.db.repositories.members import Members
from bot.db.repositories.report_drafts import ReportDraft, ReportDrafts
from bot.domain.catalogue import Catalogue, CatalogueError, code_key, parse_exam
from bot.domain.diagnosis import QUESTIONS, REMEDY_ACTIONS, Diagnosis, Question, Remedy, diagnose
from bot.domain.exams import Exam, ExamStatus, RetakePolicy, Source
from bot.domain.plan import StudyPlan, build_plan
from bot.domain.priority import Ranking, rank_domains
from bot.domain.reports import (
    DomainResult,
    Level,
    ParseResult,
    ResultKind,
    ScoreReport,
    estimate_percent,
    parse_domain_entries,
    parse_report_text,
)
from bot.domain.retake import Attempt, RetakeEligibility, can_book, eligible_retake
from bot.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.services.catalogue_service import CatalogueService
from bot.services.countdown import reschedule_milestones

#: Hours a week a plan assumes until the member tells us theirs.
DEFAULT_HOURS_PER_WEEK = 6.0
#: A booked or past exam is taken to start at this local time unless the member says otherwise.
EXAM_LOCAL_TIME = time(9, 0)
#: Discord modals hold at most five text inputs.
FIELDS_PER_PAGE = 5
#: Discord caps a text input's label at 45 characters.
LABEL_LIMIT = 45
#: A draft untouched this long is cleaned away when the member starts a new one.
DRAFT_LIFETIME = timedelta(days=14)
MAX_LOCAL_EXAM_BYTES = 64 * 1024
#: Test centres book months ahead, not years; a far date is a typo (and would overflow the countdown's dates).
MAX_BOOKING_AHEAD = timedelta(days=2 * 366)
MAX_PASTE_CHARS = 4000
OBJECTIVES_KEY = "objectives"
SCORE_KEY = "score"

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

NO_ACTIVE_EXAM = "You have not chosen an exam yet."
NO_ACTIVE_EXAM_HINT = "Pick the exam you are preparing for with /exam set."


# --- view-models --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExamChoice:
    code: str
    label: str  # for an autocomplete entry (at most 100 characters)


@dataclass(frozen=True)
class RetakeView:
    """When the next attempt is possible, in the member's zone, and the rule that decided it."""

    earliest: datetime | None
    earliest_text: str
    rule: str
    cap_text: str | None
    cap_reached: bool
    free_retake_until: date | None
    blocked_reason: str | None
    attempt_number: int
    source: Source
    timezone: str

    @property
    def earliest_date(self) -> date | None:
        return self.earliest.date() if self.earliest is not None else None


@dataclass(frozen=True)
class ExamSet:
    exam: Exam
    other_codes: tuple[str, ...]  # the member's other exams, now inactive
    note: str | None  # e.g. "retired; take AZ-104 instead"


@dataclass(frozen=True)
class AttemptRecorded:
    exam: Exam
    taken_on: date
    passed: bool
    score: float | None
    attempt_number: int
    retake: RetakeView | None  # set after a failed attempt
    booking_cleared: date | None  # a booking on or before this attempt is used up


@dataclass(frozen=True)
class ExamInfo:
    exam: Exam
    policy: RetakePolicy
    successor: Exam | None
    is_member_exam: bool
    booked_date: date | None
    retake: RetakeView | None  # when the member has attempts of this exam


@dataclass(frozen=True)
class BookingMade:
    exam: Exam
    booked_date: date
    explanation: str
    retake: RetakeView


@dataclass(frozen=True)
class BookedExam:
    exam_code: str
    booked_date: date
    booked_at: datetime  # aware UTC
    timezone: str


@dataclass(frozen=True)
class ReportField:
    key: str
    label: str
    placeholder: str


@dataclass(frozen=True)
class ReportPage:
    title: str
    fields: tuple[ReportField, ...]


@dataclass(frozen=True)
class ReportLine:
    domain: str  # "4.0 Security Operations"
    value: str  # "55%", "near the target (≈75%, estimate)", "missed 4.2, 4.5 (≈53%, estimate)"


@dataclass(frozen=True)
class ReportPreview:
    draft_id: int
    exam_code: str
    kind: str  # "pages" | "paste"
    pages: tuple[ReportPage, ...]
    values: dict[str, str]  # what the member typed so far, per field key (modal pages)
    lines: tuple[ReportLine, ...]
    overall: float | None
    unparsed: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def can_save(self) -> bool:
        return bool(self.lines)


@dataclass(frozen=True)
class ReportSaved:
    exam_code: str
    report_id: int
    lines: tuple[ReportLine, ...]
    ranking: Ranking


@dataclass(frozen=True)
class WeakView:
    exam: Exam
    ranking: Ranking
    report_date: date | None


@dataclass(frozen=True)
class DiagnosisView:
    exam_code: str
    diagnosis: Diagnosis
    remedy_actions: tuple[str, ...]


@dataclass(frozen=True)
class PlanView:
    exam: Exam
    plan: StudyPlan
    ranking: Ranking
    domain_names: dict[str, str]  # number -> "number name"
    remedies: tuple[Remedy, ...]
    remedy_actions: tuple[str, ...]
    hours_from: str  # "given" | "saved" | "default"
    report_date: date | None
    diagnosis_date: date | None
    eligible: RetakeView | None
    notes: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class LocalExamsDefined:
    exams: tuple[Exam, ...]
    replaced: tuple[str, ...]  # codes that already existed on this server and were updated


# --- helpers --------------------------------------------------------------------------------------


def parse_day(text: str, what: str) -> date:
    cleaned = (text or "").strip()
    if _DATE.fullmatch(cleaned):
        try:
            return date.fromisoformat(cleaned)
        except ValueError:
            pass
    raise InvalidInput(
        f"“{cleaned[:40]}” is not a date I can read for the {what}.",
        hint="Write it as YYYY-MM-DD, for example 2026-03-14.",
    )


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _when_text(when: datetime) -> str:
    if when.timetz().replace(tzinfo=None) == time(0):
        return when.date().isoformat()
    return f"{when:%Y-%m-%d %H:%M} ({when.tzname()})"


def _local_instant(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, EXAM_LOCAL_TIME, tzinfo=tz).astimezone(UTC)


def _retake_view(result: RetakeEligibility, tz_name: str) -> RetakeView:
    earliest = result.earliest
    return RetakeView(
        earliest=earliest,
        earliest_text=_when_text(earliest) if earliest is not None else "—",
        rule=result.rule,
        cap_text=result.cap_text,
        cap_reached=result.cap_reached,
        free_retake_until=result.free_retake_until.date() if result.free_retake_until else None,
        blocked_reason=result.blocked_reason,
        attempt_number=result.attempt_number,
        source=result.source,
        timezone=tz_name,
    )


def _domain_label(exam: Exam, number: str) -> str:
    domain = next((d for d in exam.domains if d.number == number), None)
    return f"{number} {domain.name}" if domain else number


def _short_label(text: str) -> str:
    return text if len(text) <= LABEL_LIMIT else text[: LABEL_LIMIT - 1].rstrip() + "…"


_LEVEL_TEXT = {Level.BELOW: "below the target", Level.NEAR: "near the target", Level.ABOVE: "above the target"}


def _line_for(exam: Exam, entry: DomainResult) -> ReportLine:
    label = _domain_label(exam, entry.domain_number)
    estimate = estimate_percent(exam, entry)
    approx = f" (≈{estimate:g}%, estimate)" if estimate is not None else ""
    if entry.kind is ResultKind.PERCENT:
        value = f"{entry.percent:g}%"
    elif entry.kind is ResultKind.LEVEL and entry.level is not None:
        value = _LEVEL_TEXT[entry.level] + approx
    elif entry.missed_objectives:
        value = f"missed {', '.join(entry.missed_objectives)}{approx}"
    else:
        value = f"no objective missed{approx}"
    return ReportLine(label, value)


def _report_from_record(record: ReportRecord) -> ScoreReport:
    entries = tuple(
        DomainResult(
            d.domain_number,
            ResultKind(d.kind),
            percent=d.percent,
            level=Level(d.level) if d.level else None,
            missed_objectives=d.missed_objectives,
        )
        for d in record.domains
    )
    return ScoreReport(record.exam_code, entries, record.overall)


def report_pages(exam: Exam) -> tuple[ReportPage, ...]:
    """The modal pages for entering a report: ≤ 5 domains a page, then objectives and overall score."""
    pages: list[ReportPage] = []
    domains = list(exam.domains)
    chunks = [domains[i : i + FIELDS_PER_PAGE] for i in range(0, len(domains), FIELDS_PER_PAGE)]
    for chunk in chunks:
        first, last = chunk[0].number, chunk[-1].number
        title = f"Domains {first}–{last}" if first != last else f"Domain {first}"
        fields = tuple(
            ReportField(d.number, _short_label(f"{d.number} {d.name}"), "62%, or below / near / above")
            for d in chunk
        )
        pages.append(ReportPage(title, fields))
    pages.append(
        ReportPage(
            "Missed objectives and score",
            (
                ReportField(OBJECTIVES_KEY, "Objectives missed (if your report lists them)", "e.g. 1.2, 3.4, 4.7"),
                ReportField(SCORE_KEY, "Overall score (optional)", "as printed, e.g. 690"),
            ),
        )
    )
    return tuple(pages)


def _entries_for_parser(values: Mapping[str, str]) -> dict[str, str]:
    renamed = {OBJECTIVES_KEY: "Objectives missed", SCORE_KEY: "Overall score"}
    return {renamed.get(k, k): v for k, v in values.items() if (v or "").strip()}


def _family_codes(catalogue: Catalogue, exam: Exam, policy: RetakePolicy) -> tuple[str, ...]:
    if policy.counted_per == "family" and exam.family:
        return tuple(e.code for e in catalogue.exams() if e.family == exam.family)
    return (exam.code,)


def _attempts_for_policy(records: Sequence[AttemptRecord]) -> list[Attempt]:
    return [Attempt(from_epoch(r.taken_at), r.passed) for r in records]


def _local_exam_documents(doc: Any) -> list[dict]:
    """One exam mapping, or a document with ``exams:`` (and optional ``vendor``/``policy`` defaults)."""
    if not isinstance(doc, Mapping):
        raise InvalidInput(
            "That file does not describe an exam: it should be a YAML mapping with code, name, domains….",
            hint="See docs/exam-catalogue.md for the format, or copy an entry from the shipped exam files.",
        )
    if "exams" not in doc:
        return [dict(doc)]
    items = doc.get("exams")
    if not isinstance(items, list) or not items:
        raise InvalidInput("`exams:` must list at least one exam.")
    defaults = {k: doc[k] for k in ("vendor", "policy") if k in doc}
    unknown = sorted(set(doc) - {"exams", "vendor", "policy"})
    if unknown:
        raise InvalidInput(f"Unknown top-level field(s) in the file: {', '.join(map(str, unknown))}.")
    out = []
    for item in items:
        if not isinstance(item, Mapping):
            raise InvalidInput("Every entry under `exams:` must be a mapping of fields.")
        out.append({**defaults, **item})
    return out


# --- the service ----------------------------------------------------------------------------------


class ExamService:
    def __init__(self, db: Database, clock: Clock, catalogues: CatalogueService) -> None:
        self.db = db
        self.clock = clock
        self.catalogues = catalogues

    # -- shared steps inside a unit of work -----------------------------------------------------------

    async def _zone_for(self, tx: Tx, guild_id: int, user_id: int) -> tuple[str, ZoneInfo]:
        name = await Members(tx).effective_timezone(guild_id, user_id)
        return name, _zone(name)

    async def _today(self, tx: Tx, guild_id: int, user_id: int) -> tuple[date, str, ZoneInfo]:
        name, tz = await self._zone_for(tx, guild_id, user_id)
        return self.clock.now().astimezone(tz).date(), name, tz

    async def _active(self, tx: Tx, guild_id: int, user_id: int) -> tuple[Catalogue, MemberExam, Exam]:
        catalogue = await self.catalogues.for_guild(tx, guild_id)
        record = await Exams(tx).active(guild_id, user_id)
        if record is None:
            raise NotFound(NO_ACTIVE_EXAM, hint=NO_ACTIVE_EXAM_HINT)
        exam = catalogue.exam(record.exam_code)
        if exam is None:
            raise NotFound(
                f"Your exam {record.exam_code} is no longer in this server's catalogue.",
                hint="Pick another one with /exam set.",
            )
        return catalogue, record, exam

    async def _eligibility(
        self, tx: Tx, catalogue: Catalogue, exam: Exam, guild_id: int, user_id: int
    ) -> tuple[RetakePolicy, list[Attempt], RetakeView | None]:
        policy = catalogue.policy_for(exam)
        records = await Exams(tx).attempts(guild_id, user_id, _family_codes(catalogue, exam, policy))
        attempts = _attempts_for_policy(records)
        if not attempts:
            return policy, attempts, None
        tz_name, tz = await self._zone_for(tx, guild_id, user_id)
        result = eligible_retake(policy, attempts, tz=tz, now=self.clock.now())
        return policy, attempts, _retake_view(result, tz_name)

    async def _ranking(self, tx: Tx, guild_id: int, user_id: int, exam: Exam) -> tuple[Ranking, date | None]:
        record = await Exams(tx).latest_report(guild_id, user_id, exam.code)
        report = _report_from_record(record) if record else None
        ranking = rank_domains(exam, report)
        return ranking, (from_epoch(record.created_at).date() if record else None)

    # -- autocomplete and read helpers other features call ------------------------------------------

    async def exam_choices(self, guild_id: int | None, user_id: int, typed: str) -> list[ExamChoice]:
        """Up to 25 exams for autocomplete: the member's own first, then current exams, then older."""
        async with self.db.read() as tx:
            catalogue = await self.catalogues.for_guild(tx, guild_id)
            mine = await Exams(tx).for_member(guild_id, user_id) if guild_id is not None else []
        found = catalogue.search(typed or "", limit=25)
        matching = {e.code for e in found}
        own = [catalogue.exam(m.exam_code) for m in mine]
        ordered = [e for e in own if e is not None and (not typed or e.code in matching)]
        ordered += [e for e in found if e not in ordered]
        choices = []
        for exam in ordered[:25]:
            status = "" if exam.status is ExamStatus.CURRENT else f" ({exam.status.value})"
            label = f"{exam.code} · {exam.name}{status}"
            choices.append(ExamChoice(exam.code, label[:100]))
        return choices

    async def active_exam(self, guild_id: int, user_id: int) -> Exam | None:
        async with self.db.read() as tx:
            catalogue = await self.catalogues.for_guild(tx, guild_id)
            record = await Exams(tx).active(guild_id, user_id)
            return catalogue.exam(record.exam_code) if record else None

    async def weak_domains(self, guild_id: int, user_id: int) -> Ranking:
        """The active exam's domains, most urgent first (empty when no exam is chosen)."""
        async with self.db.read() as tx:
            try:
                _, _, exam = await self._active(tx, guild_id, user_id)
            except NotFound:
                return Ranking([])
            ranking, _ = await self._ranking(tx, guild_id, user_id, exam)
            return ranking

    async def booked(self, guild_id: int, user_id: int) -> BookedExam | None:
        async with self.db.read() as tx:
            record = await Exams(tx).active(guild_id, user_id)
            if record is None or not record.booked_date:
                return None
            tz_name, tz = await self._zone_for(tx, guild_id, user_id)
        day = date.fromisoformat(record.booked_date)
        at = from_epoch(record.booked_at) if record.booked_at is not None else _local_instant(day, tz)
        return BookedExam(record.exam_code, day, at, tz_name)

    async def eligible_date(self, guild_id: int, user_id: int) -> RetakeView | None:
        """When the active exam may be retaken; None without an exam or an attempt."""
        async with self.db.read() as tx:
            try:
                catalogue, _, exam = await self._active(tx, guild_id, user_id)
            except NotFound:
                return None
            _, _, view = await self._eligibility(tx, catalogue, exam, guild_id, user_id)
            return view

    # -- /exam set | attempt | info | book ------------------------------------------------------------

    async def set_exam(self, guild_id: int, user_id: int, code: str) -> ExamSet:
        now = to_epoch(self.clock.now())
        async with self.db.transaction() as tx:
            catalogue = await self.catalogues.for_guild(tx, guild_id)
            exam = catalogue.require(code)
            await Members(tx).ensure(guild_id, user_id, now)
            exams = Exams(tx)
            await exams.set_active(guild_id, user_id, exam.code, now)
            others = tuple(m.exam_code for m in await exams.for_member(guild_id, user_id) if m.exam_code != exam.code)
        note = None
        if exam.status is not ExamStatus.CURRENT:
            successor = catalogue.successor_of(exam)
            when = f" on {exam.retirement_date.isoformat()}" if exam.retirement_date else ""
            verb = "was retired" if exam.status is ExamStatus.RETIRED else "is being retired"
            note = f"{exam.code} {verb}{when}."
            if successor is not None:
                note += (f" Its successor is {successor.code} ({successor.name}); "
                         "switch with /exam set if you sit that one.")
        return ExamSet(exam, others, note)

    async def record_attempt(
        self, guild_id: int, user_id: int, day_text: str, passed: bool, score: float | None = None
    ) -> AttemptRecorded:
        day = parse_day(day_text, "attempt")
        now_dt = self.clock.now()
        now = to_epoch(now_dt)
        async with self.db.transaction() as tx:
            catalogue, record, exam = await self._active(tx, guild_id, user_id)
            today, _, tz = await self._today(tx, guild_id, user_id)
            if day > today:
                raise InvalidInput(
                    f"{day.isoformat()} is in the future, so it cannot be an attempt yet.",
                    hint="To plan a future exam, use /exam book with that date.",
                )
            if score is not None:
                self._check_score(exam, score)
            exams = Exams(tx)
            earlier = await exams.attempts(guild_id, user_id, (exam.code,))
            if any(a.taken_on == day.isoformat() for a in earlier):
                raise Conflict(f"You already recorded a {exam.code} attempt on {day.isoformat()}.")
            taken_at = min(_local_instant(day, tz), now_dt)
            await exams.add_attempt(
                guild_id, user_id, exam.code, day.isoformat(), to_epoch(taken_at), passed, score, now
            )
            cleared = None
            if record.booked_date and date.fromisoformat(record.booked_date) <= day:
                cleared = date.fromisoformat(record.booked_date)
                await exams.set_booking(guild_id, user_id, exam.code, None, None, now)
                await reschedule_milestones(tx, guild_id, user_id, self.clock.now())
            _, attempts, view = await self._eligibility(tx, catalogue, exam, guild_id, user_id)
        return AttemptRecorded(
            exam=exam,
            taken_on=day,
            passed=passed,
            score=score,
            attempt_number=len(attempts),
            retake=None if passed else view,
            booking_cleared=cleared,
        )

    @staticmethod
    def _check_score(exam: Exam, score: float) -> None:
        low = exam.scale_min if exam.scale_min is not None else 0.0
        high = exam.scale_max
        if score < low or (high is not None and score > high):
            scale = f"{low:g}–{high:g}" if high is not None else f"from {low:g}"
            raise InvalidInput(
                f"A score of {score:g} is outside the {exam.code} scale ({scale}).",
                hint="Enter the overall score exactly as your score report prints it, or leave it out.",
            )

    async def info(self, guild_id: int, user_id: int, code: str | None = None) -> ExamInfo:
        async with self.db.read() as tx:
            catalogue = await self.catalogues.for_guild(tx, guild_id)
            active = await Exams(tx).active(guild_id, user_id)
            if code:
                exam = catalogue.require(code)
            elif active is not None and catalogue.exam(active.exam_code) is not None:
                exam = catalogue.require(active.exam_code)
            else:
                raise NotFound(
                    NO_ACTIVE_EXAM, hint="Name an exam, e.g. /exam info code:SY0-701, or pick yours with /exam set."
                )
            mine = await Exams(tx).get(guild_id, user_id, exam.code)
            policy, _, view = await self._eligibility(tx, catalogue, exam, guild_id, user_id)
        successor = catalogue.successor_of(exam)
        booked = date.fromisoformat(mine.booked_date) if mine and mine.booked_date else None
        return ExamInfo(exam, policy, successor, mine is not None, booked, view)

    async def book(self, guild_id: int, user_id: int, day_text: str) -> BookingMade:
        day = parse_day(day_text, "booking")
        now = to_epoch(self.clock.now())
        async with self.db.transaction() as tx:
            catalogue, _, exam = await self._active(tx, guild_id, user_id)
            today, tz_name, tz = await self._today(tx, guild_id, user_id)
            if day < today:
                raise InvalidInput(
                    f"{day.isoformat()} has already passed, so it cannot be booked.",
                    hint="Enter the date of your upcoming exam. If you sat it already, record it with /exam attempt.",
                )
            if day > today + MAX_BOOKING_AHEAD:
                raise InvalidInput(f"{day.isoformat()} is more than two years away; is the year right?",
                                   hint="Enter the date of your booked exam, for example 2026-03-14.")
            policy = catalogue.policy_for(exam)
            records = await Exams(tx).attempts(guild_id, user_id, _family_codes(catalogue, exam, policy))
            attempts = _attempts_for_policy(records)
            ok, explanation = can_book(policy, attempts, day, tz, now=self.clock.now())
            if not ok:
                raise Conflict(
                    explanation,
                    hint=f"Source: {policy.vendor} retake policy, {policy.source.as_of_text()}.",
                )
            booked_at = _local_instant(day, tz)
            await Exams(tx).set_booking(guild_id, user_id, exam.code, day.isoformat(), to_epoch(booked_at), now)
            # The exam countdown (T-21 … T+1) follows the booking in the same unit of work.
            await reschedule_milestones(tx, guild_id, user_id, self.clock.now())
            result = eligible_retake(policy, attempts, tz=tz, now=self.clock.now())
        return BookingMade(exam, day, explanation, _retake_view(result, tz_name))

    # -- /exam define ---------------------------------------------------------------------------------

    async def define_local_exam(
        self, guild_id: int, user_id: int, *, can_manage: bool, filename: str, data: bytes
    ) -> LocalExamsDefined:
        if not can_manage:
            raise NotAllowed("Defining a server exam needs the Manage Server permission.")
        if not filename.lower().endswith((".yaml", ".yml")):
            raise InvalidInput(f"“{filename}” is not a YAML file.", hint="Upload a .yaml file describing the exam.")
        if len(data) > MAX_LOCAL_EXAM_BYTES:
            raise InvalidInput(f"That file is larger than {MAX_LOCAL_EXAM_BYTES // 1024} KB; an exam needs far less.")
        try:
            text = data.decode("utf-8")
            raw = yaml.safe_load(text)
        except UnicodeDecodeError as exc:
            raise InvalidInput("That file is not UTF-8 text.") from exc
        except yaml.YAMLError as exc:
            raise InvalidInput(f"That file is not valid YAML: {str(exc)[:300]}") from exc
        except RecursionError as exc:  # thousands of nested brackets exhaust the YAML parser's stack
            raise InvalidInput("That file is nested too deeply to describe an exam.") from exc
        documents = _local_exam_documents(raw)
        now_dt = self.clock.now()
        now = to_epoch(now_dt)
        problems: list[str] = []
        exams: list[Exam] = []
        for doc in documents:
            try:
                exams.append(parse_exam(doc, policy_ids=self.catalogues.policy_ids(), guild_id=guild_id,
                                        default_as_of=now_dt.date()))
            except CatalogueError as exc:
                problems.extend(exc.errors)
        if problems:
            raise CatalogueError(problems)
        codes = [e.code for e in exams]
        if len({code_key(c) for c in codes}) != len(codes):
            raise InvalidInput("The file defines the same exam code twice.")
        async with self.db.transaction() as tx:
            current = await self.catalogues.for_guild(tx, guild_id)
            existing = [e for e in current.exams() if e.local_guild_id == guild_id]
            new_keys = {code_key(c) for c in codes}
            kept = [e for e in existing if code_key(e.code) not in new_keys]
            self.catalogues.shipped.with_local([*kept, *exams])  # raises CatalogueError on a clash
            replaced = tuple(e.code for e in existing if code_key(e.code) in new_keys)
            await Members(tx).ensure(guild_id, user_id, now)
            repo = Exams(tx)
            for exam, doc in zip(exams, documents, strict=True):
                await repo.save_local_exam(guild_id, exam.code, doc, user_id, now)
        self.catalogues.forget(guild_id)
        return LocalExamsDefined(tuple(exams), replaced)

    # -- /report ----------------------------------------------------------------------------------------

    def _preview(self, exam: Exam, draft: ReportDraft, result: ParseResult | None) -> ReportPreview:
        lines = tuple(_line_for(exam, e) for e in result.report.entries) if result else ()
        return ReportPreview(
            draft_id=draft.id,
            exam_code=exam.code,
            kind=draft.kind,
            pages=report_pages(exam) if draft.kind == "pages" else (),
            values=dict(draft.entries),
            lines=lines,
            overall=result.report.overall if result else None,
            unparsed=tuple(result.unparsed) if result else (),
            warnings=tuple(result.warnings) if result else (),
        )

    @staticmethod
    def _parse_draft(exam: Exam, draft: ReportDraft) -> ParseResult | None:
        if draft.kind == "paste":
            return parse_report_text(exam, draft.pasted)
        entries = _entries_for_parser(draft.entries)
        return parse_domain_entries(exam, entries) if entries else None

    async def _draft(self, tx: Tx, guild_id: int, user_id: int, draft_id: int) -> ReportDraft:
        draft = await ReportDrafts(tx).get(draft_id)
        if draft is None or draft.guild_id != guild_id or draft.user_id != user_id:
            raise NotFound(
                "That score-report draft is no longer open (it was saved or cancelled).",
                hint="Start again with /report.",
            )
        return draft

    async def _exam_of_draft(self, tx: Tx, guild_id: int, draft: ReportDraft) -> Exam:
        catalogue = await self.catalogues.for_guild(tx, guild_id)
        exam = catalogue.exam(draft.exam_code)
        if exam is None:
            raise NotFound(f"{draft.exam_code} is no longer in this server's catalogue.")
        return exam

    async def start_report(self, guild_id: int, user_id: int) -> ReportPreview:
        """Open an empty draft for the active exam, to be filled page by page."""
        now_dt = self.clock.now()
        now = to_epoch(now_dt)
        async with self.db.transaction() as tx:
            _, _, exam = await self._active(tx, guild_id, user_id)
            if not exam.domains:
                raise InvalidInput(f"{exam.code} has no domains in our records, so there is nothing to enter.")
            drafts = ReportDrafts(tx)
            await drafts.delete_older_than(guild_id, user_id, to_epoch(now_dt - DRAFT_LIFETIME))
            draft_id = await drafts.create(guild_id, user_id, exam.code, "pages", {}, "", now)
            draft = await drafts.get(draft_id)
        assert draft is not None
        return self._preview(exam, draft, None)

    async def report_draft(self, guild_id: int, user_id: int, draft_id: int) -> ReportPreview:
        async with self.db.read() as tx:
            draft = await self._draft(tx, guild_id, user_id, draft_id)
            exam = await self._exam_of_draft(tx, guild_id, draft)
        return self._preview(exam, draft, self._parse_draft(exam, draft))

    async def save_report_page(
        self, guild_id: int, user_id: int, draft_id: int, values: Mapping[str, str]
    ) -> ReportPreview:
        """Merge one page of the form into the draft; a value we must reject leaves the draft as it was."""
        now = to_epoch(self.clock.now())
        async with self.db.transaction() as tx:
            draft = await self._draft(tx, guild_id, user_id, draft_id)
            if draft.kind != "pages":
                raise InvalidInput("That draft came from pasted text; paste it again to change it.")
            exam = await self._exam_of_draft(tx, guild_id, draft)
            allowed = {f.key for page in report_pages(exam) for f in page.fields}
            merged = dict(draft.entries)
            for key, value in values.items():
                if key not in allowed:
                    raise InvalidInput(f"“{key}” is not a field of the {exam.code} report form.")
                cleaned = (value or "").strip()
                if cleaned:
                    merged[key] = cleaned
                else:
                    merged.pop(key, None)
            updated = ReportDraft(**{**draft.__dict__, "entries": merged})
            result = self._parse_draft(exam, updated)  # raises InvalidInput before the draft changes
            await ReportDrafts(tx).set_entries(draft_id, merged, now)
        return self._preview(exam, updated, result)

    async def preview_paste(self, guild_id: int, user_id: int, text: str) -> ReportPreview:
        """Read pasted report text into a draft; the member confirms the preview before it is saved."""
        cleaned = (text or "").strip()
        if not cleaned:
            raise InvalidInput("The pasted text was empty.", hint="Copy the domain section of your score report.")
        if len(cleaned) > MAX_PASTE_CHARS:
            raise InvalidInput(f"That is more than {MAX_PASTE_CHARS} characters; paste only the domain results.")
        now_dt = self.clock.now()
        now = to_epoch(now_dt)
        async with self.db.transaction() as tx:
            _, _, exam = await self._active(tx, guild_id, user_id)
            result = parse_report_text(exam, cleaned)  # raises InvalidInput before anything is written
            drafts = ReportDrafts(tx)
            await drafts.delete_older_than(guild_id, user_id, to_epoch(now_dt - DRAFT_LIFETIME))
            draft_id = await drafts.create(guild_id, user_id, exam.code, "paste", {}, cleaned, now)
            draft = await drafts.get(draft_id)
        assert draft is not None
        return self._preview(exam, draft, result)

    async def confirm_report(self, guild_id: int, user_id: int, draft_id: int) -> ReportSaved:
        now = to_epoch(self.clock.now())
        async with self.db.transaction() as tx:
            draft = await self._draft(tx, guild_id, user_id, draft_id)
            exam = await self._exam_of_draft(tx, guild_id, draft)
            result = self._parse_draft(exam, draft)
            if result is None or not result.report.entries:
                raise InvalidInput(
                    "There is no domain result to save yet.",
                    hint="Fill in at least one domain, or paste the domain section of your report.",
                )
            report = result.report
            exams = Exams(tx)
            failed = [a for a in await exams.attempts(guild_id, user_id, (exam.code,)) if not a.passed]
            domains = [
                ReportDomainRecord(
                    e.domain_number,
                    e.kind.value,
                    e.percent,
                    e.level.value if e.level else None,
                    e.missed_objectives,
                    estimate_percent(exam, e),
                )
                for e in report.entries
            ]
            report_id = await exams.add_report(
                guild_id, user_id, exam.code, failed[-1].id if failed else None, report.overall, domains, now
            )
            await ReportDrafts(tx).delete(draft_id)
        return ReportSaved(exam.code, report_id, tuple(_line_for(exam, e) for e in report.entries),
                           rank_domains(exam, report))

    async def cancel_report(self, guild_id: int, user_id: int, draft_id: int) -> None:
        async with self.db.transaction() as tx:
            await self._draft(tx, guild_id, user_id, draft_id)
            await ReportDrafts(tx).delete(draft_id)

    # -- /weak, /diagnose, /plan ------------------------------------------------------------------------

    async def weak(self, guild_id: int, user_id: int) -> WeakView:
        async with self.db.read() as tx:
            _, _, exam = await self._active(tx, guild_id, user_id)
            ranking, report_date = await self._ranking(tx, guild_id, user_id, exam)
        return WeakView(exam, ranking, report_date)

    @staticmethod
    def diagnosis_questions() -> tuple[Question, ...]:
        return QUESTIONS

    async def diagnose(self, guild_id: int, user_id: int, answers: Mapping[str, Sequence[str]]) -> DiagnosisView:
        chosen = {k: list(v) for k, v in answers.items() if v}
        if not chosen:
            raise InvalidInput("Answer at least one question so there is something to go on.")
        now = to_epoch(self.clock.now())
        async with self.db.transaction() as tx:
            _, _, exam = await self._active(tx, guild_id, user_id)
            ranking, _ = await self._ranking(tx, guild_id, user_id, exam)
            result = diagnose(chosen, exam=exam, priorities=ranking if ranking.has_report else None)
            await Exams(tx).add_diagnosis(
                guild_id, user_id, exam.code, chosen, [c.id.value for c in result.causes],
                [r.value for r in result.remedies], now,
            )
        return DiagnosisView(exam.code, result, tuple(REMEDY_ACTIONS[r] for r in result.remedies))

    async def plan(self, guild_id: int, user_id: int, hours_per_week: float | None = None) -> PlanView:
        """Build the plan from today; re-built on every call, so it follows new reports and bookings."""
        now = to_epoch(self.clock.now())
        async with self.db.transaction() as tx:
            catalogue, record, exam = await self._active(tx, guild_id, user_id)
            today, _, _ = await self._today(tx, guild_id, user_id)
            if hours_per_week is not None:
                hours, hours_from = float(hours_per_week), "given"
            elif record.hours_per_week:
                hours, hours_from = float(record.hours_per_week), "saved"
            else:
                hours, hours_from = DEFAULT_HOURS_PER_WEEK, "default"
            ranking, report_date = await self._ranking(tx, guild_id, user_id, exam)
            diagnosis = await Exams(tx).latest_diagnosis(guild_id, user_id, exam.code)
            known = {r.value for r in Remedy}
            remedies = tuple(Remedy(r) for r in diagnosis.remedies if r in known) if diagnosis else ()
            _, _, eligible = await self._eligibility(tx, catalogue, exam, guild_id, user_id)
            notes: list[str] = []
            booked = date.fromisoformat(record.booked_date) if record.booked_date else None
            if booked is not None and booked < today:
                notes.append(
                    f"Your booked date {booked.isoformat()} has passed. Record how it went with /exam attempt, "
                    "or book the new date with /exam book."
                )
                booked = None
            eligible_day = eligible.earliest_date if eligible and eligible.blocked_reason is None else None
            if eligible_day is not None and eligible_day < today:
                eligible_day = None
            plan = build_plan(
                exam, ranking, start=today, exam_date=booked, hours_per_week=hours,
                remedies=remedies, eligible_date=eligible_day,
            )  # raises InvalidInput (hours out of range) before the hours are saved
            if hours_from == "given":
                await Exams(tx).set_hours_per_week(guild_id, user_id, exam.code, hours, now)
        if hours_from == "default":
            notes.append(
                f"This plan assumes {DEFAULT_HOURS_PER_WEEK:g} hours a week. Tell me yours with "
                "/plan hours_per_week:<hours> and I will keep it."
            )
        names = {d.number: f"{d.number} {d.name}" for d in exam.domains}
        return PlanView(
            exam=exam,
            plan=plan,
            ranking=ranking,
            domain_names=names,
            remedies=remedies,
            remedy_actions=tuple(REMEDY_ACTIONS[r] for r in remedies),
            hours_from=hours_from,
            report_date=report_date,
            diagnosis_date=from_epoch(diagnosis.created_at).date() if diagnosis else None,
            eligible=eligible,
            notes=tuple(notes),
        )

