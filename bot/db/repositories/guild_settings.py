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

    async def claim_guide(self, guild_id: int, now: int, *, rejoined: bool) -> bool:
        """True once per join (the caller sends the setup guide); a server that removed the bot and added it
        again gets it again. A server that finished setup never gets it."""
        await self.ensure(guild_id, now)
        condition = "" if rejoined else " AND guide_sent_at IS NULL AND setup_done_at IS NULL"
        changed = await self.tx.execute(
            f"UPDATE guild_settings SET guide_sent_at = ? WHERE guild_id = ?{condition}", (now, guild_id)
        )
        return changed > 0
