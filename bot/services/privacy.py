"""A member's data: export everything Rebound stores about them, delete it, and purge servers that left.

``export`` and ``delete`` follow the registry in ``bot.db.repositories.privacy``, so a table added to the schema
without a registry entry fails a test instead of being silently left out of both. ``delete`` is one unit of
work: it either removes everything or nothing. A study partner of the member is told neutrally (a scheduled
notice that never says why) and goes first in line at the next pairing round.

``purge_departed_guilds`` deletes a server's data once the bot has been gone from it for the grace period. It
runs daily through the delivery ledger (``PURGE_KIND``), so a restart neither skips nor repeats it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from bot.clock import Clock, from_epoch, to_epoch
from bot.db.connection import Database
from bot.db.repositories.deliveries import Deliveries, Delivery
from bot.db.repositories.members import Guilds
from bot.db.repositories.privacy import MEMBER_DATA, GuildData, MemberData
from bot.services.board import touch_in
from bot.services.reminders import Kinds

EXPORT_FORMAT = "rebound-member-export/1"
PURGE_KIND = "privacy_purge"
#: When the daily purge runs (UTC): a quiet hour for most study servers.
PURGE_AT = time(3, 30)
DEFAULT_GRACE_DAYS = 30

PARTNER_LEFT = (
    "Your study partner is no longer taking part in study partners on this server. That's nothing you did. "
    "You're first in line when the next round pairs people; until then, your check-ins and streak carry on as usual."
)


@dataclass(frozen=True)
class DeletionSummary:
    rows_deleted: int
    rows_anonymised: int
    partners_told: tuple[int, ...]
    tables: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class PurgeSummary:
    guilds: tuple[int, ...]
    rows_deleted: int


def purge_key(day: str) -> str:
    return f"privacy:purge:{day}"


class PrivacyService:
    def __init__(self, db: Database, clock: Clock, *, grace_days: int = DEFAULT_GRACE_DAYS) -> None:
        if not 0 <= grace_days <= 365:
            raise ValueError("grace_days must be between 0 and 365")
        self.db = db
        self.clock = clock
        self.grace_days = grace_days

    async def export(self, guild_id: int, user_id: int) -> dict[str, Any]:
        """Everything stored about the member in this server, as a JSON-able mapping (one consistent read)."""
        tables: dict[str, Any] = {}
        async with self.db.read() as tx:
            data = MemberData(tx)
            for entry in MEMBER_DATA:
                if not entry.exported:
                    continue
                rows = await data.rows(entry, guild_id, user_id)
                if not rows:
                    continue
                tables[entry.export_name] = {"why": entry.why, "rows": rows}
        return {
            "format": EXPORT_FORMAT,
            "exported_at": self.clock.now().isoformat(),
            "server_id": str(guild_id),
            "member_id": str(user_id),
            "note": ("Times are UTC seconds since 1970 unless a field says otherwise. Rows another member owns "
                     "are not included, even when they mention you."),
            "tables": tables,
        }

    async def delete(self, guild_id: int, user_id: int) -> DeletionSummary:
        """Remove everything about the member in this server, in one unit of work."""
        now = to_epoch(self.clock.now())
        deleted = anonymised = 0
        per_table: dict[str, int] = {}
        told: list[int] = []
        async with self.db.transaction() as tx:
            data = MemberData(tx)
            deliveries = Deliveries(tx)
            for group_id, members in await data.partner_groups(guild_id, user_id):
                others = [m for m in members if m != user_id]
                if len(others) < 2:
                    await data.drop_group_deliveries(group_id)
                for other in others:
                    await data.put_first_in_line(guild_id, other)
                    await deliveries.schedule(
                        kind=Kinds.NOTICE, due_at=now, key=f"privacy:partner-left:{group_id}:{other}", now=now,
                        guild_id=guild_id, user_id=other, payload={"text": PARTNER_LEFT, "recipient": other},
                    )
                    told.append(other)
            deleted += await data.erase_mentions(guild_id, user_id)
            for entry in MEMBER_DATA:
                changed = await data.erase(entry, guild_id, user_id)
                if entry.action == "delete":
                    deleted += changed
                elif entry.action == "anonymise":
                    anonymised += changed
                if changed:
                    per_table[entry.key] = per_table.get(entry.key, 0) + changed
            # The public board is redrawn without them within about a minute.
            await touch_in(tx, guild_id, self.clock.now())
        return DeletionSummary(deleted, anonymised, tuple(told), per_table)

    async def purge_departed_guilds(self) -> PurgeSummary:
        """Delete the data of every server the bot left more than ``grace_days`` ago (one unit of work each)."""
        cutoff = to_epoch(self.clock.now() - timedelta(days=self.grace_days))
        async with self.db.read() as tx:
            departed = await Guilds(tx).left_before(cutoff)
        purged: list[int] = []
        total = 0
        for guild_id in departed:
            async with self.db.transaction() as tx:
                record = await Guilds(tx).get(guild_id)
                # The bot may have been invited back since the read above.
                if record is None or record.left_at is None or record.left_at > cutoff:
                    continue
                total += sum((await GuildData(tx).erase(guild_id)).values())
            purged.append(guild_id)
        return PurgeSummary(tuple(purged), total)

    async def schedule_purge(self, after: datetime | None = None) -> datetime:
        """Make sure the next daily purge is in the ledger (idempotent: one row per day)."""
        now = self.clock.now()
        base = after or now
        due = datetime.combine(base.date(), PURGE_AT, tzinfo=base.tzinfo)
        if due <= base:
            due += timedelta(days=1)
        async with self.db.transaction() as tx:
            await Deliveries(tx).schedule(kind=PURGE_KIND, due_at=to_epoch(due), key=purge_key(due.date().isoformat()),
                                          now=to_epoch(now))
        return due

    async def run_scheduled_purge(self, delivery: Delivery) -> PurgeSummary:
        """The ledger's daily purge: purge, then schedule the next day's run."""
        summary = await self.purge_departed_guilds()
        await self.schedule_purge(after=max(self.clock.now(), from_epoch(delivery.due_at)))
        return summary
