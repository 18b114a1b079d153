"""The progress board: each server's board and digest settings, members' board choices, and the
server-wide sums the board and the weekly digest show (read from the other features' tables)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.db.connection import Tx

_BOARD_COLUMNS = (
    "guild_id, channel_id, message_id, shown_window, paused, pause_reason, admin_id, admin_told_at, "
    "dirty_since, last_edit_at, content_hash, digest_enabled, digest_day, digest_hour, digest_last_week"
)


@dataclass(frozen=True)
class BoardRecord:
    guild_id: int
    channel_id: int
    message_id: int | None
    shown_window: str
    paused: bool
    pause_reason: str | None
    admin_id: int
    admin_told_at: int | None
    dirty_since: int | None
    last_edit_at: int | None
    content_hash: str | None
    digest_enabled: bool
    digest_day: str
    digest_hour: int
    digest_last_week: str | None

    @classmethod
    def from_row(cls, row: Any) -> BoardRecord:
        data = dict(row)
        data["paused"] = bool(data["paused"])
        data["digest_enabled"] = bool(data["digest_enabled"])
        return cls(**data)


@dataclass(frozen=True)
class PrivacyChoice:
    show_on_board: bool = False
    share_pass: bool = False


@dataclass(frozen=True)
class MemberActivity:
    user_id: int
    minutes: int
    checkins: int


@dataclass(frozen=True)
class ReadyEvent:
    user_id: int
    exam_code: str
    at: int


@dataclass(frozen=True)
class PassEvent:
    user_id: int
    exam_code: str
    at: int


class Boards:
    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def get(self, guild_id: int) -> BoardRecord | None:
        row = await self.tx.fetchone(f"SELECT {_BOARD_COLUMNS} FROM boards WHERE guild_id = ?", (guild_id,))
        return BoardRecord.from_row(row) if row else None

    async def set_up(self, guild_id: int, channel_id: int, admin_id: int, now: int) -> None:
        """Create the board or point it at a channel; either way it is live again and must be redrawn.

        A new channel forgets the old message (a fresh one is posted there); the same channel keeps it,
        so running setup again edits the board instead of posting a second one.
        """
        await self.tx.execute(
            "INSERT INTO boards (guild_id, channel_id, admin_id, dirty_since, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id) DO UPDATE SET "
            "message_id = CASE WHEN boards.channel_id = excluded.channel_id THEN boards.message_id "
            "ELSE NULL END, content_hash = NULL, channel_id = excluded.channel_id, "
            "admin_id = excluded.admin_id, paused = 0, pause_reason = NULL, admin_told_at = NULL, "
            "dirty_since = excluded.dirty_since, updated_at = excluded.updated_at",
            (guild_id, channel_id, admin_id, now, now, now),
        )

    async def mark_dirty(self, guild_id: int, now: int) -> bool:
        """Note a change the board does not show yet; False when there is no live board."""
        changed = await self.tx.execute(
            "UPDATE boards SET dirty_since = COALESCE(dirty_since, ?) WHERE guild_id = ? AND paused = 0",
            (now, guild_id),
        )
        return changed == 1

    async def record_edit(self, guild_id: int, *, message_id: int, content_hash: str, composed_at: int,
                          now: int) -> None:
        """The board now shows everything composed at ``composed_at``; later changes stay dirty."""
        await self.tx.execute(
            "UPDATE boards SET message_id = ?, content_hash = ?, last_edit_at = ?, updated_at = ?, "
            "dirty_since = CASE WHEN dirty_since IS NOT NULL AND dirty_since <= ? THEN NULL "
            "ELSE dirty_since END WHERE guild_id = ?",
            (message_id, content_hash, now, now, composed_at, guild_id),
        )

    async def record_unchanged(self, guild_id: int, composed_at: int) -> None:
        await self.tx.execute(
            "UPDATE boards SET dirty_since = NULL WHERE guild_id = ? AND dirty_since IS NOT NULL "
            "AND dirty_since <= ?",
            (guild_id, composed_at),
        )

    async def set_window(self, guild_id: int, window: str, now: int) -> None:
        await self.tx.execute(
            "UPDATE boards SET shown_window = ?, updated_at = ? WHERE guild_id = ?", (window, now, guild_id)
        )

    async def pause(self, guild_id: int, reason: str, now: int) -> bool:
        """Pause a live board; False when it was already paused (or there is none)."""
        changed = await self.tx.execute(
            "UPDATE boards SET paused = 1, pause_reason = ?, updated_at = ? "
            "WHERE guild_id = ? AND paused = 0",
            (reason, now, guild_id),
        )
        return changed == 1

    async def claim_admin_notice(self, guild_id: int, now: int) -> bool:
        """True exactly once per pause: the caller tells the admin."""
        changed = await self.tx.execute(
            "UPDATE boards SET admin_told_at = ? WHERE guild_id = ? AND paused = 1 AND admin_told_at IS NULL",
            (now, guild_id),
        )
        return changed == 1

    async def set_digest(self, guild_id: int, *, enabled: bool, day: str, hour: int, now: int) -> None:
        await self.tx.execute(
            "UPDATE boards SET digest_enabled = ?, digest_day = ?, digest_hour = ?, updated_at = ? "
            "WHERE guild_id = ?",
            (int(enabled), day, hour, now, guild_id),
        )

    async def record_digest(self, guild_id: int, week: str, now: int) -> None:
        await self.tx.execute(
            "UPDATE boards SET digest_last_week = ?, updated_at = ? WHERE guild_id = ?", (week, now, guild_id)
        )


class BoardPrivacy:
    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def get(self, guild_id: int, user_id: int) -> PrivacyChoice:
        row = await self.tx.fetchone(
            "SELECT show_on_board, share_pass FROM board_privacy WHERE guild_id = ? AND user_id = ?",
            (guild_id, user_id),
        )
        return PrivacyChoice(bool(row["show_on_board"]), bool(row["share_pass"])) if row else PrivacyChoice()

    async def save(self, guild_id: int, user_id: int, choice: PrivacyChoice, now: int) -> None:
        await self.tx.execute(
            "INSERT INTO board_privacy (guild_id, user_id, show_on_board, share_pass, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (guild_id, user_id) DO UPDATE SET "
            "show_on_board = excluded.show_on_board, share_pass = excluded.share_pass, "
            "updated_at = excluded.updated_at",
            (guild_id, user_id, int(choice.show_on_board), int(choice.share_pass), now),
        )

    async def shown(self, guild_id: int) -> list[int]:
        rows = await self.tx.fetchall(
            "SELECT user_id FROM board_privacy WHERE guild_id = ? AND show_on_board = 1 ORDER BY user_id",
            (guild_id,),
        )
        return [r["user_id"] for r in rows]

    async def sharing_passes(self, guild_id: int) -> set[int]:
        rows = await self.tx.fetchall(
            "SELECT user_id FROM board_privacy WHERE guild_id = ? AND share_pass = 1", (guild_id,)
        )
        return {r["user_id"] for r in rows}

    async def hide(self, guild_id: int, user_ids: list[int], now: int) -> int:
        """Take members off the board (e.g. they left the server); they can opt in again later."""
        changed = 0
        for user_id in user_ids:
            changed += await self.tx.execute(
                "UPDATE board_privacy SET show_on_board = 0, updated_at = ? "
                "WHERE guild_id = ? AND user_id = ? AND show_on_board = 1",
                (now, guild_id, user_id),
            )
        return changed


class BoardStats:
    """Server-wide sums over the check-in, partner, readiness and attempt tables (read only)."""

    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def activity(self, guild_id: int, start: int | None, end: int) -> dict[int, MemberActivity]:
        """Minutes and check-ins per member in ``[start, end)`` (``start`` None: since the beginning)."""
        rows = await self.tx.fetchall(
            "SELECT user_id, COALESCE(SUM(minutes), 0) AS minutes, COUNT(*) AS checkins FROM checkins "
            "WHERE guild_id = ? AND checked_in_at >= ? AND checked_in_at < ? GROUP BY user_id",
            (guild_id, start if start is not None else 0, end),
        )
        return {r["user_id"]: MemberActivity(r["user_id"], int(r["minutes"]), int(r["checkins"]))
                for r in rows}

    async def checkins_since(self, guild_id: int, since: int, end: int) -> list[tuple[int, int]]:
        """(minutes, checked_in_at) of every check-in in the server in ``[since, end)``."""
        rows = await self.tx.fetchall(
            "SELECT minutes, checked_in_at FROM checkins WHERE guild_id = ? AND checked_in_at >= ? "
            "AND checked_in_at < ? ORDER BY checked_in_at",
            (guild_id, since, end),
        )
        return [(int(r["minutes"]), int(r["checked_in_at"])) for r in rows]

    async def active_pairs(self, guild_id: int, now: int) -> int:
        """Partner groups (pairs and trios) of the server's latest round, while that round runs."""
        return int(await self.tx.scalar(
            "SELECT COUNT(*) FROM partner_groups g JOIN partner_rounds r ON r.id = g.round_id "
            "WHERE r.guild_id = ? AND r.ends_at > ? "
            "AND r.number = (SELECT MAX(number) FROM partner_rounds WHERE guild_id = ?)",
            (guild_id, now, guild_id),
        ) or 0)

    async def became_ready(self, guild_id: int, start: int, end: int) -> list[ReadyEvent]:
        rows = await self.tx.fetchall(
            "SELECT user_id, exam_code, MIN(sent_at) AS at FROM readiness_notices WHERE guild_id = ? "
            "AND sent_at >= ? AND sent_at < ? GROUP BY user_id, exam_code ORDER BY at, user_id",
            (guild_id, start, end),
        )
        return [ReadyEvent(r["user_id"], r["exam_code"], int(r["at"])) for r in rows]

    async def passed(self, guild_id: int, start: int, end: int) -> list[PassEvent]:
        """Passes recorded in ``[start, end)``: members record an attempt days after sitting it."""
        rows = await self.tx.fetchall(
            "SELECT user_id, exam_code, MIN(created_at) AS at FROM exam_attempts "
            "WHERE guild_id = ? AND passed = 1 AND created_at >= ? AND created_at < ? "
            "GROUP BY user_id, exam_code ORDER BY at, user_id",
            (guild_id, start, end),
        )
        return [PassEvent(r["user_id"], r["exam_code"], int(r["at"])) for r in rows]
