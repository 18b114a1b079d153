"""A member's own settings (time zone for now)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import available_timezones

from bot.clock import Clock, to_epoch
from bot.db.connection import Database
from bot.db.repositories.members import Members
from bot.db.repositories.rules import Rules
from bot.domain.timezones import resolve_timezone, timezone_choices


@lru_cache(maxsize=1)
def known_timezones() -> frozenset[str]:
    return frozenset(available_timezones())


@dataclass(frozen=True)
class MemberSettings:
    timezone: str
    timezone_is_default: bool


class SettingsService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def timezone_suggestions(self, typed: str) -> list[str]:
        return timezone_choices(typed, known_timezones())

    async def set_timezone(self, guild_id: int, user_id: int, typed: str) -> MemberSettings:
        name = resolve_timezone(typed, known_timezones())  # raises before anything is written
        now = to_epoch(self.clock.now())
        async with self.db.transaction() as tx:
            members = Members(tx)
            await members.ensure(guild_id, user_id, now)
            await members.set_timezone(guild_id, user_id, name, now)
            # Recurring reminders follow the member to the new zone from their next occurrence on.
            await Rules(tx).set_timezone_for_member(guild_id, user_id, name)
        return MemberSettings(timezone=name, timezone_is_default=False)

    async def show(self, guild_id: int, user_id: int) -> MemberSettings:
        async with self.db.read() as tx:
            record = await Members(tx).get(guild_id, user_id)
            if record is not None and record.timezone:
                return MemberSettings(record.timezone, False)
            return MemberSettings(await Members(tx).effective_timezone(guild_id, user_id), True)
