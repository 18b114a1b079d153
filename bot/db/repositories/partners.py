"""The study-partner pool, blocks, pairing rounds and the groups (pairs and trios) each round made."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.db.connection import Tx


@dataclass(frozen=True)
class PoolEntry:
    guild_id: int
    user_id: int
    exam_code: str
    vendor: str
    preferred_hours: tuple[int, ...]
    joined_at: int
    inactive_since: int | None
    waited_last_round: bool


@dataclass(frozen=True)
class RoundRow:
    id: int
    guild_id: int
    number: int
    started_at: int
    ends_at: int


@dataclass(frozen=True)
class GroupRow:
    id: int
    round_id: int
    guild_id: int
    thread_id: int | None
    members: tuple[int, ...]


def _pool(row: Any) -> PoolEntry:
    data = dict(row)
    data["preferred_hours"] = tuple(int(h) for h in (data["preferred_hours"] or "").split(",") if h)
    data["waited_last_round"] = bool(data["waited_last_round"])
    return PoolEntry(**data)


_POOL_COLUMNS = "guild_id, user_id, exam_code, vendor, preferred_hours, joined_at, inactive_since, waited_last_round"


class Partners:
    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    # --- pool ----------------------------------------------------------------------------------
    async def join(self, guild_id: int, user_id: int, *, exam_code: str, vendor: str,
                   preferred_hours: tuple[int, ...], now: int) -> None:
        """Add or refresh a pool entry; joining again also makes an inactive member active."""
        await self.tx.execute(
            "INSERT INTO partner_pool (guild_id, user_id, exam_code, vendor, preferred_hours, joined_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, user_id) DO UPDATE SET exam_code = excluded.exam_code, "
            "vendor = excluded.vendor, preferred_hours = excluded.preferred_hours, inactive_since = NULL",
            (guild_id, user_id, exam_code, vendor, ",".join(str(h) for h in preferred_hours), now),
        )

    async def leave(self, guild_id: int, user_id: int) -> bool:
        return await self.tx.execute(
            "DELETE FROM partner_pool WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        ) == 1

    async def entry(self, guild_id: int, user_id: int) -> PoolEntry | None:
        row = await self.tx.fetchone(
            f"SELECT {_POOL_COLUMNS} FROM partner_pool WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        )
        return _pool(row) if row else None

    async def pool(self, guild_id: int) -> list[PoolEntry]:
        rows = await self.tx.fetchall(
            f"SELECT {_POOL_COLUMNS} FROM partner_pool WHERE guild_id = ? ORDER BY joined_at, user_id", (guild_id,)
        )
        return [_pool(r) for r in rows]

    async def set_inactive(self, guild_id: int, user_id: int, since: int | None) -> None:
        await self.tx.execute(
            "UPDATE partner_pool SET inactive_since = ? WHERE guild_id = ? AND user_id = ?",
            (since, guild_id, user_id),
        )

    async def set_waited(self, guild_id: int, user_ids: set[int]) -> None:
        await self.tx.execute("UPDATE partner_pool SET waited_last_round = 0 WHERE guild_id = ?", (guild_id,))
        await self.tx.executemany(
            "UPDATE partner_pool SET waited_last_round = 1 WHERE guild_id = ? AND user_id = ?",
            [(guild_id, u) for u in sorted(user_ids)],
        )

    # --- blocks --------------------------------------------------------------------------------
    async def block(self, guild_id: int, user_id: int, blocked_id: int, now: int) -> bool:
        return await self.tx.execute(
            "INSERT INTO partner_blocks (guild_id, user_id, blocked_id, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (guild_id, user_id, blocked_id) DO NOTHING",
            (guild_id, user_id, blocked_id, now),
        ) == 1

    async def blocks_in_guild(self, guild_id: int) -> dict[int, set[int]]:
        rows = await self.tx.fetchall(
            "SELECT user_id, blocked_id FROM partner_blocks WHERE guild_id = ?", (guild_id,)
        )
        found: dict[int, set[int]] = {}
        for r in rows:
            found.setdefault(r["user_id"], set()).add(r["blocked_id"])
        return found

    # --- rounds and groups ---------------------------------------------------------------------
    async def latest_round(self, guild_id: int) -> RoundRow | None:
        row = await self.tx.fetchone(
            "SELECT id, guild_id, number, started_at, ends_at FROM partner_rounds WHERE guild_id = ? "
            "ORDER BY number DESC LIMIT 1",
            (guild_id,),
        )
        return RoundRow(**dict(row)) if row else None

    async def add_round(self, guild_id: int, number: int, started_at: int, ends_at: int) -> int:
        return await self.tx.insert(
            "INSERT INTO partner_rounds (guild_id, number, started_at, ends_at) VALUES (?, ?, ?, ?)",
            (guild_id, number, started_at, ends_at),
        )

    async def add_group(self, round_id: int, guild_id: int, members: tuple[int, ...], now: int) -> int:
        group_id = await self.tx.insert(
            "INSERT INTO partner_groups (round_id, guild_id, created_at) VALUES (?, ?, ?)", (round_id, guild_id, now)
        )
        await self.tx.executemany(
            "INSERT INTO partner_group_members (group_id, guild_id, user_id) VALUES (?, ?, ?)",
            [(group_id, guild_id, m) for m in members],
        )
        return group_id

    async def group(self, group_id: int) -> GroupRow | None:
        row = await self.tx.fetchone(
            "SELECT id, round_id, guild_id, thread_id FROM partner_groups WHERE id = ?", (group_id,)
        )
        if row is None:
            return None
        members = await self.tx.fetchall(
            "SELECT user_id FROM partner_group_members WHERE group_id = ? ORDER BY user_id", (group_id,)
        )
        return GroupRow(**dict(row), members=tuple(m["user_id"] for m in members))

    async def groups_of_round(self, round_id: int) -> list[GroupRow]:
        rows = await self.tx.fetchall("SELECT id FROM partner_groups WHERE round_id = ? ORDER BY id", (round_id,))
        return [g for r in rows if (g := await self.group(r["id"])) is not None]

    async def set_thread(self, group_id: int, thread_id: int) -> None:
        await self.tx.execute("UPDATE partner_groups SET thread_id = ? WHERE id = ?", (thread_id, group_id))

    async def current_group(self, guild_id: int, user_id: int) -> GroupRow | None:
        """The member's group in the server's latest round, if they have one."""
        row = await self.tx.fetchone(
            "SELECT g.id FROM partner_groups g JOIN partner_group_members m ON m.group_id = g.id "
            "WHERE g.round_id = (SELECT id FROM partner_rounds WHERE guild_id = ? ORDER BY number DESC LIMIT 1) "
            "AND m.user_id = ?",
            (guild_id, user_id),
        )
        return await self.group(row["id"]) if row else None

    async def previous_partners(self, guild_id: int) -> dict[int, set[int]]:
        rows = await self.tx.fetchall(
            "SELECT a.user_id AS a, b.user_id AS b FROM partner_group_members a "
            "JOIN partner_group_members b ON a.group_id = b.group_id AND a.user_id <> b.user_id "
            "WHERE a.guild_id = ?",
            (guild_id,),
        )
        found: dict[int, set[int]] = {}
        for r in rows:
            found.setdefault(r["a"], set()).add(r["b"])
        return found

    async def answer_connected(self, group_id: int, user_id: int, connected: bool, now: int) -> bool:
        return await self.tx.execute(
            "UPDATE partner_group_members SET connected = ?, answered_at = ? WHERE group_id = ? AND user_id = ?",
            (int(connected), now, group_id, user_id),
        ) == 1

    async def answered(self, group_id: int, user_id: int) -> bool:
        value = await self.tx.scalar(
            "SELECT answered_at FROM partner_group_members WHERE group_id = ? AND user_id = ?", (group_id, user_id)
        )
        return value is not None
