"""Fill a Rebound database for the benchmarks through the repositories (the bot's own SQL)."""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import datetime, timedelta

from bot.clock import FakeClock, to_epoch
from bot.db.connection import Database
from bot.db.migrations import migrate
from bot.db.repositories.board import BoardPrivacy, PrivacyChoice
from bot.db.repositories.checkins import Checkins
from bot.db.repositories.deliveries import Deliveries
from bot.db.repositories.members import Guilds, Members
from bot.db.repositories.rules import Rules
from bot.scheduling.dispatcher import rule_key
from bot.services.container import Services
from bot.services.reminders import Kinds

BATCH = 2000  # rows per transaction while seeding


async def migrated(path: str, now: datetime) -> Database:
    db = Database(path)
    await db.connect()
    await migrate(db, FakeClock(now))
    return db


async def members(db: Database, guild_id: int, user_ids: Iterable[int], now: datetime) -> None:
    at = to_epoch(now)
    ids = list(user_ids)
    async with db.transaction() as tx:
        await Guilds(tx).ensure(guild_id, at)
    for start in range(0, len(ids), BATCH):
        async with db.transaction() as tx:
            for user_id in ids[start:start + BATCH]:
                await Members(tx).ensure(guild_id, user_id, at)


async def daily_reminders(db: Database, guild_id: int, user_ids: Iterable[int], due: datetime,
                          now: datetime) -> dict[int, str]:
    """A daily check-in reminder rule per member, each with its next occurrence at ``due`` in the ledger,
    written as ``ReminderService.add_checkin_reminder`` does. Returns each member's idempotency key."""
    at, due_at = to_epoch(now), to_epoch(due)
    keys: dict[int, str] = {}
    ids = list(user_ids)
    for start in range(0, len(ids), BATCH):
        async with db.transaction() as tx:
            for user_id in ids[start:start + BATCH]:
                rule_id = await Rules(tx).add(
                    guild_id=guild_id, user_id=user_id, kind=Kinds.CHECKIN_REMINDER, hour=due.hour,
                    minute=due.minute, days="*", timezone="UTC", payload={}, now=at,
                )
                key = rule_key(rule_id, due_at)
                await Deliveries(tx).schedule(
                    kind=Kinds.CHECKIN_REMINDER, due_at=due_at, key=key, now=at, guild_id=guild_id,
                    user_id=user_id, payload={"rule_id": rule_id},
                )
                keys[user_id] = key
    return keys


async def checkins(db: Database, guild_id: int, user_ids: Iterable[int], per_member: int, now: datetime,
                   rng: random.Random) -> int:
    """About ``per_member`` check-ins a member on random days of the year before ``now``; returns how many."""
    year_ago = to_epoch(now - timedelta(days=365))
    rows = [(u, year_ago + rng.randrange(365 * 86400)) for u in user_ids for _ in range(per_member)]
    chunk = 20 * BATCH
    for start in range(0, len(rows), chunk):
        async with db.transaction() as tx:
            repository = Checkins(tx)
            for user_id, at in rows[start:start + chunk]:
                minutes = rng.choice((15, 30, 45, 60, 90))
                await repository.add(guild_id=guild_id, user_id=user_id, at=at, minutes=minutes, domains=("1.0",),
                                     resource_type="book", confidence=3, anxiety=2, note=None)
    return len(rows)


async def board(db: Database, services: Services, guild_id: int, channel_id: int, admin_id: int,
                user_ids: Iterable[int], now: datetime) -> None:
    """The progress board in ``channel_id`` with every given member shown on it (opted in)."""
    await services.board.set_up(guild_id, admin_id, channel_id, can_manage=True)
    at = to_epoch(now)
    ids = list(user_ids)
    for start in range(0, len(ids), BATCH):
        async with db.transaction() as tx:
            privacy = BoardPrivacy(tx)
            for user_id in ids[start:start + BATCH]:
                await privacy.save(guild_id, user_id, PrivacyChoice(show_on_board=True), at)
