"""Each server's own Rebound setup: its channels, the features it switched off, the welcome panel."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db.connection import Tx

_COLUMNS = (
    "guild_id, quiz_channel_id, welcome_channel_id, welcome_message_id, disabled_features, "
    "guide_sent_at, setup_done_at, updated_by, updated_at"
)


@dataclass(frozen=True)
class GuildSettingsRow:
    guild_id: int
    quiz_channel_id: int | None = None
    welcome_channel_id: int | None = None
    welcome_message_id: int | None = None
    disabled_features: frozenset[str] | None = None  # None: never chosen, the defaults apply
    guide_sent_at: int | None = None
    setup_done_at: int | None = None
    updated_by: int | None = None
    updated_at: int = 0


#: Channel roles stored in this table (the check-in channel lives with accountability, the board with the board).
CHANNEL_COLUMNS = {
    "quiz": "quiz_channel_id",
    "welcome": "welcome_channel_id",
}


class GuildSettingsRepo:
    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def get(self, guild_id: int) -> GuildSettingsRow:
        """The server's row, or the defaults when it has none yet."""
        row = await self.tx.fetchone(f"SELECT {_COLUMNS} FROM guild_settings WHERE guild_id = ?", (guild_id,))
        if row is None:
            return GuildSettingsRow(guild_id)
        data = dict(row)
        raw = data["disabled_features"]
        data["disabled_features"] = None if raw is None else frozenset(f for f in raw.split(",") if f)
        return GuildSettingsRow(**data)

    async def ensure(self, guild_id: int, now: int) -> None:
        await self.tx.execute(
            "INSERT INTO guild_settings (guild_id, updated_at) VALUES (?, ?) ON CONFLICT (guild_id) DO NOTHING",
            (guild_id, now),
        )

    async def set_channel(self, guild_id: int, role: str, channel_id: int | None, by: int, now: int) -> None:
        column = CHANNEL_COLUMNS[role]  # a fixed column name from the table above, never member input
        await self.ensure(guild_id, now)
        await self.tx.execute(
            f"UPDATE guild_settings SET {column} = ?, updated_by = ?, updated_at = ? WHERE guild_id = ?",
            (channel_id, by, now, guild_id),
        )

    async def set_disabled_features(self, guild_id: int, disabled: frozenset[str], by: int, now: int) -> None:
        await self.ensure(guild_id, now)
        await self.tx.execute(
            "UPDATE guild_settings SET disabled_features = ?, updated_by = ?, updated_at = ? WHERE guild_id = ?",
            (",".join(sorted(disabled)), by, now, guild_id),
        )

    async def set_welcome_panel(self, guild_id: int, channel_id: int, message_id: int | None, now: int) -> None:
        await self.ensure(guild_id, now)
        await self.tx.execute(
            "UPDATE guild_settings SET welcome_channel_id = ?, welcome_message_id = ?, updated_at = ? "
            "WHERE guild_id = ?",
            (channel_id, message_id, now, guild_id),
        )

    async def mark_setup_done(self, guild_id: int, by: int, now: int) -> None:
        await self.ensure(guild_id, now)
        await self.tx.execute(
            "UPDATE guild_settings SET setup_done_at = COALESCE(setup_done_at, ?), updated_by = ?, updated_at = ? "
            "WHERE guild_id = ?",
            (now, by, now, guild_id),
        )

    async def guide_owed(self, guild_id: int, joined_since: int) -> bool:
        """The setup guide is owed for the current join and not posted yet: the bot joined (or came back) since
        ``joined_since``, and setup was not finished after that join."""
        row = await self.tx.fetchone(
            "SELECT 1 FROM guilds g JOIN guild_settings s ON s.guild_id = g.guild_id "
            "WHERE g.guild_id = ? AND g.left_at IS NULL AND g.joined_at >= ? AND s.guide_sent_at IS NULL "
            "AND (s.setup_done_at IS NULL OR s.setup_done_at < g.joined_at)",
            (guild_id, joined_since),
        )
        return row is not None

    async def mark_guide_sent(self, guild_id: int, now: int) -> None:
        await self.tx.execute(
            "UPDATE guild_settings SET guide_sent_at = ? WHERE guild_id = ? AND guide_sent_at IS NULL",
            (now, guild_id),
        )


class GuildPresence:
    """Which servers the bot is in, as the database remembers it (the ``guilds`` rows' join and leave times)."""

    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def active_ids(self) -> set[int]:
        rows = await self.tx.fetchall("SELECT guild_id FROM guilds WHERE left_at IS NULL")
        return {r["guild_id"] for r in rows}

    async def left_ids(self) -> set[int]:
        rows = await self.tx.fetchall("SELECT guild_id FROM guilds WHERE left_at IS NOT NULL")
        return {r["guild_id"] for r in rows}

    async def rejoin(self, guild_id: int, now: int) -> bool:
        """A server that had removed the bot added it again: a new join, owed a new setup guide."""
        changed = await self.tx.execute(
            "UPDATE guilds SET joined_at = ?, left_at = NULL WHERE guild_id = ? AND left_at IS NOT NULL",
            (now, guild_id),
        )
        if changed:
            await self.tx.execute("UPDATE guild_settings SET guide_sent_at = NULL WHERE guild_id = ?", (guild_id,))
        return changed > 0
