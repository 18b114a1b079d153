"""/progress: a member's own numbers, privately: mock scores against the pass mark and the readiness
band, domain mastery against the target, and study minutes by week.

These are the member's own scores shown only to them, so raw mock percentages appear here (unlike
the public board). A member without data gets a view whose ``empty`` is True and the cog explains
how to get started.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.clock import Clock, from_epoch, to_epoch
from bot.db.connection import Database
from bot.db.repositories.checkins import Checkins
from bot.db.repositories.exams import Exams
from bot.db.repositories.members import Members
from bot.db.repositories.mocks import MockAttempts
from bot.db.repositories.practice import Mastery
from bot.domain.board import minutes_by_week
from bot.domain.streaks import compute_streak, week_summary
from bot.services.board import STREAK_LOOKBACK_DAYS, zone_name
from bot.services.catalogue_service import CatalogueService
from bot.services.readiness import pass_percent_for, readiness_in
from bot.services.reminders import away_days

PROGRESS_WEEKS = 12


@dataclass(frozen=True)
class MockPoint:
    finished_at: datetime
    percent: float
    full: bool  # a full-length mock (only these count for readiness)


@dataclass(frozen=True)
class MasteryBar:
    number: str
    name: str
    percent: float | None  # None: not practised yet
    answered: int


@dataclass(frozen=True)
class ProgressView:
    exam_code: str | None
    exam_name: str | None
    timezone: str
    mocks: tuple[MockPoint, ...]
    pass_percent: float | None
    target_percent: float | None  # the readiness threshold: pass mark plus the server's buffer
    ready: bool
    readiness_text: str | None
    mastery: tuple[MasteryBar, ...]
    weeks: tuple[tuple[date, int], ...]
    streak: int
    week_minutes: int

    @property
    def has_mocks(self) -> bool:
        return bool(self.mocks) and self.pass_percent is not None

    @property
    def has_mastery(self) -> bool:
        return any(bar.percent is not None for bar in self.mastery)

    @property
    def has_minutes(self) -> bool:
        return any(minutes for _, minutes in self.weeks)

    @property
    def empty(self) -> bool:
        return not (self.has_mocks or self.has_mastery or self.has_minutes)


class ProgressService:
    def __init__(self, db: Database, clock: Clock, catalogues: CatalogueService) -> None:
        self.db = db
        self.clock = clock
        self.catalogues = catalogues

    async def progress(self, guild_id: int, user_id: int) -> ProgressView:
        now = self.clock.now()
        async with self.db.read() as tx:
            tz = zone_name(await Members(tx).effective_timezone(guild_id, user_id))
            since = to_epoch(now - timedelta(days=STREAK_LOOKBACK_DAYS))
            checkins = await Checkins(tx).for_member(guild_id, user_id, since=since)
            away = await away_days(tx, guild_id, user_id)
            record = await Exams(tx).active(guild_id, user_id)
            catalogue = await self.catalogues.for_guild(tx, guild_id)
            exam = catalogue.exam(record.exam_code) if record else None
            mocks: tuple[MockPoint, ...] = ()
            mastery: tuple[MasteryBar, ...] = ()
            pass_percent = target = None
            ready = False
            readiness_text = None
            if exam is not None:
                finished = await MockAttempts(tx).finished_for_exam(guild_id, user_id, exam.code)
                mocks = tuple(MockPoint(from_epoch(m.finished_at), m.raw_percent, m.length == "full")
                              for m in finished)
                gate = await readiness_in(tx, guild_id, user_id, exam, catalogue, now)
                pass_percent = pass_percent_for(exam)
                target = gate.readiness.threshold
                ready = gate.readiness.ready
                readiness_text = gate.readiness.missing_text
                known = await Mastery(tx).for_exam(guild_id, user_id, exam.code)
                mastery = tuple(
                    MasteryBar(
                        d.number, d.name,
                        round(100 * known[d.number].mastery, 1) if d.number in known else None,
                        known[d.number].answered if d.number in known else 0,
                    )
                    for d in exam.domains
                )
        instants = [from_epoch(r.checked_in_at) for r in checkins]
        streak = compute_streak(instants, tz=tz, now=now, away_periods=away)
        week = week_summary(((r.minutes, from_epoch(r.checked_in_at)) for r in checkins), tz, now)
        weeks = minutes_by_week(((r.minutes, from_epoch(r.checked_in_at)) for r in checkins), tz, now,
                                weeks=PROGRESS_WEEKS)
        return ProgressView(
            exam_code=exam.code if exam else (record.exam_code if record else None),
            exam_name=exam.name if exam else None,
            timezone=tz, mocks=mocks, pass_percent=pass_percent, target_percent=target, ready=ready,
            readiness_text=readiness_text, mastery=mastery, weeks=tuple(weeks), streak=streak.current,
            week_minutes=week.minutes,
        )
