"""Servers and members, and each member's own settings."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db.connection import Tx


@dataclass(frozen=True)
class GuildRecord:
    guild_id: int
    timezone: str
    joined_at: int
    left_at: int | None


@dataclass(frozen=True)
class MemberRecord:
    guild_id: int
    user_id: int
    timezone: str | None
    created_at: int
    updated_at: int


class Guilds:
    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def ensure(self, guild_id: int, now: int) -> None:
        """Make sure the server has a row; a server that had left and came back is active again."""
        await self.tx.execute(
            "INSERT INTO guilds (guild_id, joined_at) VALUES (?, ?) "
            "ON CONFLICT (guild_id) DO UPDATE SET left_at = NULL WHERE guilds.left_at IS NOT NULL",
            (guild_id, now),
        )

    async def get(self, guild_id: int) -> GuildRecord | None:
        row = await self.tx.fetchone(
            "SELECT guild_id, timezone, joined_at, left_at FROM guilds WHERE guild_id = ?", (guild_id,)
        )
        return GuildRecord(**dict(row)) if row else None

    async def set_timezone(self, guild_id: int, timezone: str) -> None:
        await self.tx.execute("UPDATE guilds SET timezone = ? WHERE guild_id = ?", (timezone, guild_id))

    async def mark_left(self, guild_id: int, now: int) -> None:
        await self.tx.execute("UPDATE guilds SET left_at = ? WHERE guild_id = ?", (now, guild_id))

    async def left_before(self, cutoff: int) -> list[int]:
        rows = await self.tx.fetchall(
            "SELECT guild_id FROM guilds WHERE left_at IS NOT NULL AND left_at <= ? ORDER BY guild_id", (cutoff,)
        )
        return [r["guild_id"] for r in rows]

    async def delete(self, guild_id: int) -> None:
        await self.tx.execute("DELETE FROM guilds WHERE guild_id = ?", (guild_id,))


class Members:
    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def ensure(self, guild_id: int, user_id: int, now: int) -> None:
        await Guilds(self.tx).ensure(guild_id, now)
        await self.tx.execute(
            "INSERT INTO members (guild_id, user_id, created_at, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (guild_id, user_id) DO NOTHING",
            (guild_id, user_id, now, now),
        )

    async def get(self, guild_id: int, user_id: int) -> MemberRecord | None:
        row = await self.tx.fetchone(
            "SELECT guild_id, user_id, timezone, created_at, updated_at FROM members "
            "WHERE guild_id = ? AND user_id = ?",
            (guild_id, user_id),
        )
        return MemberRecord(**dict(row)) if row else None

    async def set_timezone(self, guild_id: int, user_id: int, timezone: str, now: int) -> None:
        await self.tx.execute(
            "UPDATE members SET timezone = ?, updated_at = ? WHERE guild_id = ? AND user_id = ?",
            (timezone, now, guild_id, user_id),
        )

    async def effective_timezone(self, guild_id: int, user_id: int) -> str:
        """The member's own zone, else the server's, else UTC."""
        row = await self.tx.fetchone(
            "SELECT COALESCE(m.timezone, g.timezone, 'UTC') AS tz FROM guilds g "
            "LEFT JOIN members m ON m.guild_id = g.guild_id AND m.user_id = ? WHERE g.guild_id = ?",
            (user_id, guild_id),
        )
        return row["tz"] if row else "UTC"

    async def delete(self, guild_id: int, user_id: int) -> None:
        await self.tx.execute("DELETE FROM members WHERE guild_id = ? AND user_id = ?", (guild_id, user_id))
