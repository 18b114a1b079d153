"""/readiness: whether the member's recent full mocks say "book the retake now", and each server's rule.

The gate itself is ``bot.domain.readiness.evaluate_readiness``. Mock scores are raw percentages, so
the pass mark they are compared with is the raw percentage we map onto the vendor's passing score
(``bot.domain.mock.raw_pass_anchor``), the same anchor the scaled-score estimate uses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.clock import Clock, from_epoch, to_epoch
from bot.data.loader import load_catalogue
from bot.db.connection import Database, Tx
from bot.db.repositories.exams import Exams
from bot.db.repositories.members import Members
from bot.db.repositories.mocks import MockAttempts, ReadinessRule, ReadinessSettings
from bot.domain.catalogue import Catalogue
from bot.domain.exams import Exam
from bot.domain.mock import raw_pass_anchor
from bot.domain.readiness import BUFFER_RANGE, REQUIRED_RANGE, MockResult, Readiness, evaluate_readiness
from bot.domain.retake import Attempt, eligible_retake
from bot.errors import InvalidInput, NotAllowed, NotFound

DEFAULT_RULE = ReadinessRule(required=3, buffer=10.0)
# Exams without a published score scale have no pass mark to anchor on; 70 % is the common cut.
FALLBACK_PASS_PERCENT = 70.0


def pass_percent_for(exam: Exam) -> float:
    """The raw mock percentage that counts as a pass for this exam."""
    anchor = raw_pass_anchor(exam)
    return anchor if anchor is not None and 0 < anchor <= 100 else FALLBACK_PASS_PERCENT


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


async def rule_for(tx: Tx, guild_id: int) -> ReadinessRule:
    return await ReadinessSettings(tx).get(guild_id) or DEFAULT_RULE


async def eligible_date_for(tx: Tx, guild_id: int, user_id: int, exam: Exam, catalogue: Catalogue,
                            now: datetime) -> date | None:
    """The first day the member may sit the exam again under the vendor's retake policy, when known."""
    policy = catalogue.policy(exam.policy_id)
    if policy is None:
        return None
    codes: tuple[str, ...] = (exam.code,)
    if policy.counted_per == "family" and exam.family:
        codes = tuple(e.code for e in catalogue.exams() if e.family == exam.family)
    records = await Exams(tx).attempts(guild_id, user_id, codes)
    if not records:
        return None
    tz = _zone(await Members(tx).effective_timezone(guild_id, user_id))
    result = eligible_retake(policy, [Attempt(from_epoch(r.taken_at), r.passed) for r in records], tz=tz, now=now)
    return result.earliest.date() if result.earliest is not None else None


@dataclass(frozen=True)
class GateState:
    readiness: Readiness
    rule: ReadinessRule
    booked_date: date | None
    eligible_date: date | None


async def readiness_in(tx: Tx, guild_id: int, user_id: int, exam: Exam, catalogue: Catalogue,
                       now: datetime) -> GateState:
    """The gate as it stands, read inside the caller's unit of work."""
    rule = await rule_for(tx, guild_id)
    finished = await MockAttempts(tx).finished_for_exam(guild_id, user_id, exam.code)
    results = [MockResult(from_epoch(m.finished_at), m.length, m.mode, m.raw_percent) for m in finished]
    record = await Exams(tx).get(guild_id, user_id, exam.code)
    booked = date.fromisoformat(record.booked_date) if record and record.booked_date else None
    eligible = await eligible_date_for(tx, guild_id, user_id, exam, catalogue, now)
    readiness = evaluate_readiness(
        results, passing_percent=pass_percent_for(exam), required=rule.required, buffer=rule.buffer, now=now,
        eligible_date=eligible, booked_date=booked,
    )
    return GateState(readiness, rule, booked, eligible)


@dataclass(frozen=True)
class ReadinessView:
    exam_code: str
    exam_name: str
    ready: bool
    streak: int
    required: int
    buffer: float
    pass_percent: float
    threshold: float
    trend: tuple[float, ...]
    missing_text: str
    eligible_date: date | None
    booked_date: date | None
    can_book_from: date | None
    warning: str | None
    full_mocks: int
    half_mocks: int
    retake_open: bool = False  # the earliest retake date has come already


class ReadinessService:
    def __init__(self, db: Database, clock: Clock, *, catalogue: Callable[[], Catalogue] | None = None) -> None:
        self.db = db
        self.clock = clock
        self._catalogue = catalogue or load_catalogue

    @property
    def catalogue(self) -> Catalogue:
        return self._catalogue()

    async def status(self, guild_id: int, user_id: int) -> ReadinessView:
        now = self.clock.now()
        catalogue = self.catalogue
        async with self.db.read() as tx:
            active = await Exams(tx).active(guild_id, user_id)
            if active is None:
                raise NotFound("I don't know which exam you're preparing for yet.",
                               hint="Pick it with /exam set; then your full mocks will show here.")
            exam = catalogue.require(active.exam_code)
            gate = await readiness_in(tx, guild_id, user_id, exam, catalogue, now)
            finished = await MockAttempts(tx).finished_for_exam(guild_id, user_id, exam.code)
        readiness, rule = gate.readiness, gate.rule
        return ReadinessView(
            exam_code=exam.code, exam_name=exam.name, ready=readiness.ready, streak=readiness.qualifying_streak,
            required=readiness.required, buffer=rule.buffer, pass_percent=pass_percent_for(exam),
            threshold=readiness.threshold, trend=readiness.trend, missing_text=readiness.missing_text,
            eligible_date=gate.eligible_date, booked_date=gate.booked_date, can_book_from=readiness.can_book_from,
            warning=readiness.warn_booked_before_ready,
            full_mocks=sum(1 for m in finished if m.length == "full"),
            half_mocks=sum(1 for m in finished if m.length == "half"),
            retake_open=gate.eligible_date is not None and gate.eligible_date <= now.date(),
        )

    async def rule(self, guild_id: int) -> ReadinessRule:
        async with self.db.read() as tx:
            return await rule_for(tx, guild_id)

    async def configure(
        self, guild_id: int, user_id: int, *, can_manage: bool, required: int | None = None,
        buffer: float | None = None,
    ) -> ReadinessRule:
        """Set this server's readiness rule (Manage Server only); options left out keep their value."""
        if not can_manage:
            raise NotAllowed("Only members with the Manage Server permission can change the readiness rule.")
        low, high = REQUIRED_RANGE
        if required is not None and not low <= required <= high:
            raise InvalidInput(f"The number of strong full mocks in a row can be {low} or {high}, not {required}.")
        blow, bhigh = BUFFER_RANGE
        if buffer is not None and not blow <= buffer <= bhigh:
            raise InvalidInput(f"The margin above the pass mark can be {blow:g} to {bhigh:g} points, not {buffer:g}.")
        now = to_epoch(self.clock.now())
        async with self.db.transaction() as tx:
            current = await rule_for(tx, guild_id)
            updated = ReadinessRule(required if required is not None else current.required,
                                    float(buffer) if buffer is not None else current.buffer)
            await Members(tx).ensure(guild_id, user_id, now)
            await ReadinessSettings(tx).save(guild_id, updated, user_id, now)
        return updated
