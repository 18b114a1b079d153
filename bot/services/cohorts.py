"""Exam cohorts: members preparing for the same exam find each other (opted-in members only).

A cohort is one exam on one server. Joining lists the member in /cohort; the cohort's optional role and
its thread are created on Discord's side by the cog when the bot may, and recorded here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.clock import Clock, to_epoch
from bot.db.connection import Database, Tx
from bot.db.repositories.community import CohortRepo
from bot.db.repositories.exams import Exams
from bot.db.repositories.members import Members
from bot.db.repositories.quiz import QuizRounds
from bot.domain.exams import Exam
from bot.errors import InvalidInput, NotAllowed, NotFound
from bot.services.catalogue_service import CatalogueService
from bot.services.guild_settings import settings_in
from bot.services.readiness import eligible_date_for

NO_EXAM = "Cohorts group people by exam, and you haven't chosen yours yet."
NO_EXAM_HINT = "Pick it with /exam set, or press “I failed an exam” on the welcome panel."
COHORTS_OFF = "Exam cohorts are switched off on this server."


@dataclass(frozen=True)
class CohortMate:
    user_id: int
    booked_month: date | None  # first day of the month of the booked retake
    eligible_month: date | None  # first day of the month the member may retake from, when not booked


@dataclass(frozen=True)
class QuizInfo:
    channel_id: int
    exam_code: str
    status: str  # joining | asking
    joining_ends_at: int | None  # epoch seconds, while people can still join


@dataclass(frozen=True)
class CohortView:
    exam_code: str
    exam_name: str
    is_member: bool
    mates: tuple[CohortMate, ...]  # opted-in members, the asking member included when listed
    role_id: int | None
    thread_id: int | None
    quiz_channel_id: int | None
    live_quiz: QuizInfo | None


@dataclass(frozen=True)
class CohortJoined:
    exam_code: str
    exam_name: str
    newly_joined: bool
    role_id: int | None
    thread_id: int | None
    board_channel_id: int | None  # where the cohort thread should open, when it has none yet
    member_count: int


def _month(day: date | None) -> date | None:
    return day.replace(day=1) if day is not None else None


class CohortService:
    def __init__(self, db: Database, clock: Clock, catalogues: CatalogueService) -> None:
        self.db = db
        self.clock = clock
        self.catalogues = catalogues

    async def _exam(self, tx: Tx, guild_id: int, user_id: int, exam_code: str | None) -> Exam:
        catalogue = await self.catalogues.for_guild(tx, guild_id)
        if exam_code:
            return catalogue.require(exam_code)
        active = await Exams(tx).active(guild_id, user_id)
        if active is None:
            raise NotFound(NO_EXAM, hint=NO_EXAM_HINT)
        return catalogue.require(active.exam_code)

    async def join(self, guild_id: int, user_id: int) -> CohortJoined:
        """List the member in the cohort of the exam they prepare for now."""
        now = to_epoch(self.clock.now())
        async with self.db.transaction() as tx:
            settings = await settings_in(tx, guild_id)
            if not settings.enabled("cohorts"):
                raise NotAllowed(COHORTS_OFF)
            active = await Exams(tx).active(guild_id, user_id)
            if active is None:
                raise InvalidInput(NO_EXAM, hint=NO_EXAM_HINT)
            exam = (await self.catalogues.for_guild(tx, guild_id)).require(active.exam_code)
            await Members(tx).ensure(guild_id, user_id, now)
            repo = CohortRepo(tx)
            cohort = await repo.ensure(guild_id, exam.code, now)
            newly = await repo.join(guild_id, user_id, exam.code, now)
            count = len(await repo.members(guild_id, exam.code))
        return CohortJoined(exam.code, exam.name, newly, cohort.role_id, cohort.thread_id,
                            settings.board_channel_id, count)

    async def leave(self, guild_id: int, user_id: int) -> str:
        """Stop being listed in the cohort of the member's exam; returns its exam code."""
        async with self.db.transaction() as tx:
            exam = await self._exam(tx, guild_id, user_id, None)
            if not await CohortRepo(tx).leave(guild_id, user_id, exam.code):
                raise NotFound(f"You're not listed in the {exam.code} cohort.")
        return exam.code

    async def cohort_extras(self, guild_id: int, exam_code: str) -> tuple[int | None, int | None]:
        """(role id, thread id) of a cohort, for removing the role when someone leaves."""
        async with self.db.read() as tx:
            cohort = await CohortRepo(tx).get(guild_id, exam_code)
        return (cohort.role_id, cohort.thread_id) if cohort else (None, None)

    async def record_role(self, guild_id: int, exam_code: str, role_id: int | None) -> None:
        async with self.db.transaction() as tx:
            await CohortRepo(tx).set_role(guild_id, exam_code, role_id)

    async def record_thread(self, guild_id: int, exam_code: str, thread_id: int | None) -> None:
        async with self.db.transaction() as tx:
            await CohortRepo(tx).set_thread(guild_id, exam_code, thread_id)

    async def show(self, guild_id: int, user_id: int, exam_code: str | None = None) -> CohortView:
        """Who prepares for the same exam (opted-in members only), when they retake, and a live quiz."""
        now = self.clock.now()
        async with self.db.read() as tx:
            settings = await settings_in(tx, guild_id)
            if not settings.enabled("cohorts"):
                raise NotAllowed(COHORTS_OFF)
            exam = await self._exam(tx, guild_id, user_id, exam_code)
            catalogue = await self.catalogues.for_guild(tx, guild_id)
            repo = CohortRepo(tx)
            cohort = await repo.get(guild_id, exam.code)
            mates: list[CohortMate] = []
            for row in await repo.members(guild_id, exam.code):
                record = await Exams(tx).get(guild_id, row.user_id, exam.code)
                booked = date.fromisoformat(record.booked_date) if record and record.booked_date else None
                eligible = None
                if booked is None:
                    eligible = await eligible_date_for(tx, guild_id, row.user_id, exam, catalogue, now)
                    if eligible is not None and eligible < now.date():
                        eligible = now.date()
                mates.append(CohortMate(row.user_id, _month(booked), _month(eligible)))
            is_member = await repo.is_member(guild_id, user_id, exam.code)
            live = None
            if settings.quiz_channel_id is not None:
                found = await QuizRounds(tx).live_in_channel(settings.quiz_channel_id)
                if found is not None and found.exam_code == exam.code:
                    live = QuizInfo(found.channel_id, found.exam_code, found.status,
                                    found.phase_ends_at if found.status == "joining" else None)
        return CohortView(
            exam_code=exam.code, exam_name=exam.name, is_member=is_member, mates=tuple(mates),
            role_id=cohort.role_id if cohort else None, thread_id=cohort.thread_id if cohort else None,
            quiz_channel_id=settings.quiz_channel_id, live_quiz=live,
        )

    async def live_quiz(self, guild_id: int) -> tuple[int | None, QuizInfo | None]:
        """(the quiz channel, the round running there), for the welcome panel's quiz button."""
        async with self.db.read() as tx:
            settings = await settings_in(tx, guild_id)
            if not settings.enabled("quiz"):
                raise NotAllowed("Group quiz rounds are switched off on this server.")
            if settings.quiz_channel_id is None:
                return None, None
            found = await QuizRounds(tx).live_in_channel(settings.quiz_channel_id)
        info = None
        if found is not None:
            info = QuizInfo(found.channel_id, found.exam_code, found.status,
                            found.phase_ends_at if found.status == "joining" else None)
        return settings.quiz_channel_id, info

