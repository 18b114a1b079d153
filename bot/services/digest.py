"""The weekly digest: one post in the board channel summing the server's week, in the server's time zone.

Each digest delivery schedules the next one first (idempotent by its key), so the weekly chain survives
a crash between the claim and the post; the ISO week it covered is remembered so it never posts twice.
Sums count everyone; names appear only for members who opted in to the board (readiness, improvement)
or allowed their pass to be shared.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock, from_epoch, to_epoch
from bot.db.connection import Database, Tx
from bot.db.repositories.board import BoardPrivacy, Boards, BoardStats
from bot.db.repositories.deliveries import Delivery
from bot.db.repositories.exams import Exams
from bot.db.repositories.mocks import MockAttempts
from bot.domain.board import DigestFacts, digest_lines, digest_title, week_improvement, week_label
from bot.domain.streaks import local_day
from bot.services.board import ensure_schedules, guild_zone, left_server

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class DigestPlan:
    guild_id: int
    skip: str | None = None
    channel_id: int | None = None
    week: str | None = None
    title: str = ""
    lines: tuple[str, ...] = ()


class DigestService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def plan(self, delivery: Delivery) -> DigestPlan:
        """What to post for this digest delivery (or why nothing is posted)."""
        guild_id = int(delivery.guild_id or 0)
        now = self.clock.now()
        due = from_epoch(delivery.due_at)
        async with self.db.transaction() as tx:
            board = await Boards(tx).get(guild_id)
            if board is None:
                return DigestPlan(guild_id, "no board in this server")
            if board.paused:
                return DigestPlan(guild_id, "the board is paused")
            if not board.digest_enabled:
                return DigestPlan(guild_id, "the digest is turned off")
            if await left_server(tx, guild_id):
                return DigestPlan(guild_id, "the bot left this server")
            await ensure_schedules(tx, board, now)
            tz = await guild_zone(tx, guild_id)
            week = week_label(local_day(due, tz))
            if board.digest_last_week == week:
                return DigestPlan(guild_id, f"the digest for {week} was already posted")
            facts = await self._facts(tx, guild_id, due - WEEK, due, tz)
        if facts.quiet:
            return DigestPlan(guild_id, "a quiet week: nothing to sum up")
        return DigestPlan(guild_id, None, board.channel_id, week, digest_title(facts),
                          tuple(digest_lines(facts)))

    async def facts(self, guild_id: int, end: datetime) -> DigestFacts:
        """The week ending at ``end`` (a read for previews and tests)."""
        async with self.db.read() as tx:
            tz = await guild_zone(tx, guild_id)
            return await self._facts(tx, guild_id, end - WEEK, end, tz)

    async def record_posted(self, guild_id: int, week: str) -> None:
        async with self.db.transaction() as tx:
            await Boards(tx).record_digest(guild_id, week, to_epoch(self.clock.now()))

    async def _facts(self, tx: Tx, guild_id: int, start: datetime, end: datetime, tz: str) -> DigestFacts:
        start_at, end_at = to_epoch(start), to_epoch(end)
        stats = BoardStats(tx)
        privacy = BoardPrivacy(tx)
        activity = await stats.activity(guild_id, start_at, end_at)
        shown = set(await privacy.shown(guild_id))
        sharing = await privacy.sharing_passes(guild_id)
        ready = tuple(dict.fromkeys(
            e.user_id for e in await stats.became_ready(guild_id, start_at, end_at) if e.user_id in shown
        ))
        passed = tuple(dict.fromkeys(
            e.user_id for e in await stats.passed(guild_id, start_at, end_at) if e.user_id in sharing
        ))
        improvements: dict[int, int | None] = {}
        for record in await Exams(tx).active_in_guild(guild_id):
            if record.user_id not in shown:
                continue
            finished = await MockAttempts(tx).finished_for_exam(guild_id, record.user_id, record.exam_code)
            scores = [(from_epoch(m.finished_at), m.raw_percent) for m in finished]
            improvements[record.user_id] = week_improvement(scores, start, end)
        return DigestFacts(
            first_day=local_day(start, tz),
            last_day=local_day(end - timedelta(seconds=1), tz),
            minutes=sum(a.minutes for a in activity.values()),
            checkins=sum(a.checkins for a in activity.values()),
            active_members=len(activity),
            ready=ready,
            passed=passed,
            improvements=improvements,
        )
