"""The progress board: each server's board and digest settings, members' board choices, and the
server-wide sums the board and the weekly digest show (read from the other features' tables)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.db.connection import Tx
from bot.db.repositories.checkins import WEEK, week_start

_BOARD_COLUMNS = (
    "guild_id, channel_id, message_id, shown_window, paused, pause_reason, admin_id, admin_told_at, "
    "dirty_since, last_edit_at, content_hash, digest_enabled, digest_day, digest_hour, digest_last_week, "
    "chart_hash, chart_attachment_id"
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
    chart_hash: str | None = None
    chart_attachment_id: int | None = None

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
class Ranking:
    shown: int  # members who opted in to the board
    contenders: dict[int, MemberActivity]  # opted-in members who can reach a line (with no activity: zeros)
    minutes: int  # everyone's, opted in or not
    checkins: int


@dataclass(frozen=True)
class ActiveExam:
    exam_code: str
    booked_date: str | None  # ISO date of the booked retake


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
            "ELSE NULL END, content_hash = NULL, chart_hash = NULL, chart_attachment_id = NULL, "
            "channel_id = excluded.channel_id, "
            "admin_id = excluded.admin_id, paused = 0, pause_reason = NULL, admin_told_at = NULL, "
            "dirty_since = excluded.dirty_since, updated_at = excluded.updated_at",
            (guild_id, channel_id, admin_id, now, now, now),
        )

    async def mark_dirty(self, guild_id: int, now: int) -> BoardRecord | None:
        """Note a change the board does not show yet; returns the live board (None: no live board)."""
        row = await self.tx.fetchone(
            "UPDATE boards SET dirty_since = COALESCE(dirty_since, ?) WHERE guild_id = ? AND paused = 0 "
            f"RETURNING {_BOARD_COLUMNS}",
            (now, guild_id),
        )
        return BoardRecord.from_row(row) if row else None

    async def record_edit(self, guild_id: int, *, message_id: int, content_hash: str, composed_at: int,
                          now: int, chart_hash: str | None = None, chart_attachment_id: int | None = None) -> None:
        """The board now shows everything composed at ``composed_at``; later changes stay dirty. The chart's
        hash and attachment are kept only together (without an attachment, the next edit draws it again)."""
        if chart_attachment_id is None:
            chart_hash = None
        await self.tx.execute(
            "UPDATE boards SET message_id = ?, content_hash = ?, chart_hash = ?, chart_attachment_id = ?, "
            "last_edit_at = ?, updated_at = ?, "
            "dirty_since = CASE WHEN dirty_since IS NOT NULL AND dirty_since <= ? THEN NULL "
            "ELSE dirty_since END WHERE guild_id = ?",
            (message_id, content_hash, chart_hash, chart_attachment_id, now, now, composed_at, guild_id),
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

    async def activity(self, guild_id: int, start: int | None, end: int, *,
                       now: int | None = None) -> dict[int, MemberActivity]:
        """Minutes and check-ins per member in ``[start, end)`` (``start`` None: since the beginning).

        ``now``: no check-in is later than this (the clock), so reading past it costs nothing.
        """
        parts, params = _signed_parts(guild_id, start, end, now, "user_id")
        rows = await self.tx.fetchall(
            f"SELECT k AS user_id, SUM(minutes) AS minutes, SUM(n) AS checkins FROM ({' UNION ALL '.join(parts)}) "
            "GROUP BY k HAVING SUM(n) > 0",
            params,
        )
        return {r["user_id"]: MemberActivity(r["user_id"], int(r["minutes"]), int(r["checkins"]))
                for r in rows}

    async def ranking(self, guild_id: int, start: int | None, end: int, *, lines: int,
                      now: int | None = None) -> Ranking:
        """The board's order worked out in the database: the server's sums in ``[start, end)``, how many
        members opted in, and those of them ahead of or tied with the ``lines``-th by (minutes, check-ins)."""
        parts, params = _signed_parts(guild_id, start, end, now, "user_id")
        union = " UNION ALL ".join(parts)
        sums = await self.tx.fetchone(
            f"SELECT COALESCE(SUM(minutes), 0) AS minutes, COALESCE(SUM(n), 0) AS checkins FROM ({union})", params)
        shown = int(await self.tx.scalar(
            "SELECT COUNT(*) FROM board_privacy WHERE guild_id = ? AND show_on_board = 1", (guild_id,)) or 0)
        contenders: dict[int, MemberActivity] = {}
        if shown:
            rows = await self.tx.fetchall(
                f"WITH a AS (SELECT k, SUM(minutes) AS minutes, SUM(n) AS checkins FROM ({union}) GROUP BY k), "
                "s AS (SELECT p.user_id, COALESCE(a.minutes, 0) AS minutes, COALESCE(a.checkins, 0) AS checkins "
                "FROM board_privacy p LEFT JOIN a ON a.k = p.user_id WHERE p.guild_id = ? AND p.show_on_board = 1) "
                "SELECT user_id, minutes, checkins FROM s WHERE (minutes, checkins) >= "
                "(SELECT minutes, checkins FROM s ORDER BY minutes DESC, checkins DESC LIMIT 1 OFFSET ?)",
                (*params, guild_id, min(lines, shown) - 1),
            )
            contenders = {r["user_id"]: MemberActivity(r["user_id"], int(r["minutes"]), int(r["checkins"]))
                          for r in rows}
        return Ranking(shown, contenders, int(sums["minutes"]), int(sums["checkins"]))

    async def minutes_in(self, guild_id: int, spans: Sequence[tuple[int, int]], *,
                         now: int | None = None) -> list[int]:
        """The server's minutes in each ``[start, end)`` of ``spans``, in one statement."""
        if not spans:
            return []
        parts: list[str] = []
        params: list[int] = []
        for number, (start, end) in enumerate(spans):
            more, values = _signed_parts(guild_id, start, end, now, str(number))
            parts += more
            params += values
        rows = await self.tx.fetchall(
            f"SELECT k AS span, SUM(minutes) AS minutes FROM ({' UNION ALL '.join(parts)}) GROUP BY k",
            params,
        )
        found = {int(r["span"]): int(r["minutes"] or 0) for r in rows}
        return [found.get(number, 0) for number in range(len(spans))]

    # --- the members who can reach a line, all at once ----------------------------------------------------
    async def member_zones(self, guild_id: int, user_ids: Sequence[int]) -> dict[int, str]:
        """Each member's own zone, else the server's (members without a row are left out)."""
        found: dict[int, str] = {}
        for chunk, marks in _chunks(user_ids):
            rows = await self.tx.fetchall(
                "SELECT m.user_id, COALESCE(m.timezone, g.timezone, 'UTC') AS tz FROM members m "
                f"JOIN guilds g ON g.guild_id = m.guild_id WHERE m.guild_id = ? AND m.user_id IN ({marks})",
                (guild_id, *chunk),
            )
            found.update((r["user_id"], r["tz"]) for r in rows)
        return found

    async def exam_counts(self, guild_id: int) -> dict[str, int]:
        """How many members prepare each exam (their active one)."""
        rows = await self.tx.fetchall(
            "SELECT exam_code, COUNT(*) AS members FROM member_exams WHERE guild_id = ? AND active = 1 "
            "GROUP BY exam_code",
            (guild_id,),
        )
        return {r["exam_code"]: int(r["members"]) for r in rows}

    async def active_exams(self, guild_id: int, user_ids: Sequence[int]) -> dict[int, ActiveExam]:
        """Each member's active exam and booked retake, for members who have one."""
        found: dict[int, ActiveExam] = {}
        for chunk, marks in _chunks(user_ids):
            rows = await self.tx.fetchall(
                "SELECT user_id, exam_code, booked_date FROM member_exams "
                f"WHERE guild_id = ? AND active = 1 AND user_id IN ({marks}) ORDER BY user_id",
                (guild_id, *chunk),
            )
            found.update((r["user_id"], ActiveExam(r["exam_code"], r["booked_date"])) for r in rows)
        return found

    async def checkin_times(self, guild_id: int, user_ids: Sequence[int], since: int) -> dict[int, list[int]]:
        """Each member's check-in instants since ``since``, oldest first."""
        found: dict[int, list[int]] = {}
        for chunk, marks in _chunks(user_ids):
            rows = await self.tx.fetchall(
                f"SELECT user_id, checked_in_at FROM checkins WHERE guild_id = ? AND user_id IN ({marks}) "
                "AND checked_in_at >= ? ORDER BY user_id, checked_in_at, id",
                (guild_id, *chunk, since),
            )
            for r in rows:
                found.setdefault(r["user_id"], []).append(int(r["checked_in_at"]))
        return found

    async def away_days(self, guild_id: int, user_ids: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
        """Each member's away periods as (first day, last day) ISO dates, in the order they started."""
        found: dict[int, list[tuple[str, str]]] = {}
        for chunk, marks in _chunks(user_ids):
            rows = await self.tx.fetchall(
                f"SELECT user_id, first_day, last_day FROM away_periods WHERE guild_id = ? AND user_id IN ({marks}) "
                "ORDER BY user_id, starts_at, id",
                (guild_id, *chunk),
            )
            for r in rows:
                found.setdefault(r["user_id"], []).append((r["first_day"], r["last_day"]))
        return found

    async def mock_scores(self, guild_id: int, exam_of: dict[int, str]) -> dict[int, list[float]]:
        """Raw percentages of each member's scored mocks (submitted or timed out) of their given exam, oldest
        first; private, for the improvement text only."""
        found: dict[int, list[float]] = {}
        for chunk, marks in _chunks(sorted(exam_of)):
            rows = await self.tx.fetchall(
                "SELECT user_id, exam_code, raw_percent FROM mock_attempts "
                f"WHERE guild_id = ? AND user_id IN ({marks}) AND status IN ('submitted', 'timed_out') "
                "AND raw_percent IS NOT NULL ORDER BY user_id, finished_at, id",
                (guild_id, *chunk),
            )
            for r in rows:
                if exam_of[r["user_id"]] == r["exam_code"]:
                    found.setdefault(r["user_id"], []).append(float(r["raw_percent"]))
        return found

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



@dataclass(frozen=True)
class WeekSplit:
    """``[start, end)`` as whole UTC weeks of ``checkin_weeks`` plus and minus raw check-ins at the edges."""

    weeks: tuple[int | None, int] | None  # week_start in [first, last) (first None: every week before last)
    add: tuple[tuple[int, int], ...] = ()
    subtract: tuple[tuple[int, int], ...] = ()


def split_by_weeks(start: int | None, end: int, now: int | None = None) -> WeekSplit:
    """Each edge reads the shorter side of its week from ``checkins``; nothing is checked in after ``now``, so
    reading past it costs nothing. A span within about a week is read from ``checkins`` whole."""
    if start is not None and start >= end:
        return WeekSplit(None)
    add: list[tuple[int, int]] = []
    subtract: list[tuple[int, int]] = []
    first: int | None = None
    if start is not None:
        low = week_start(start)
        if start == low:
            first = low
        elif _cost(low, start, now) <= _cost(start, low + WEEK, now):
            first = low
            subtract.append((low, start))
        else:
            first = low + WEEK
            add.append((start, low + WEEK))
    low = week_start(end)
    if end == low:
        last = low
    elif _cost(low, end, now) < _cost(end, low + WEEK, now):
        last = low
        add.append((low, end))
    else:
        last = low + WEEK
        subtract.append((end, low + WEEK))
    if start is not None and first is not None and first >= last:
        return WeekSplit(None, ((start, end),))
    return WeekSplit((first, last), tuple(add), tuple(subtract))


def _cost(begin: int, end: int, now: int | None) -> int:
    if now is not None:
        end = min(end, now + 1)
    return max(0, end - begin)


def _signed_parts(guild_id: int, start: int | None, end: int, now: int | None,
                  key: str) -> tuple[list[str], list[int]]:
    """SELECTs of (k, minutes, n) whose sums are the check-ins' sums in ``[start, end)``; ``key`` names k."""
    if start is None:
        # All time: the running totals, less anything at or after ``end`` (normally nothing: end is now).
        return ([f"SELECT {key} AS k, minutes, checkins AS n FROM checkin_totals WHERE guild_id = ?",
                 f"SELECT {key} AS k, -minutes AS minutes, -1 AS n FROM checkins "
                 "WHERE guild_id = ? AND checked_in_at >= ?"], [guild_id, guild_id, end])
    split = split_by_weeks(start, end, now)
    parts: list[str] = []
    params: list[int] = []
    if split.weeks is not None:
        first, last = split.weeks
        where = "week_start < ?" if first is None else "week_start >= ? AND week_start < ?"
        parts.append(f"SELECT {key} AS k, minutes, checkins AS n FROM checkin_weeks WHERE guild_id = ? AND {where}")
        params += [guild_id, last] if first is None else [guild_id, first, last]
    for (low, high), sign in [(span, "") for span in split.add] + [(span, "-") for span in split.subtract]:
        parts.append(f"SELECT {key} AS k, {sign}minutes AS minutes, {sign}1 AS n FROM checkins "
                     "WHERE guild_id = ? AND checked_in_at >= ? AND checked_in_at < ?")
        params += [guild_id, low, high]
    if not parts:
        parts.append("SELECT 0 AS k, 0 AS minutes, 0 AS n WHERE 0 = 1")
    return parts, params


_CHUNK = 500  # ids per IN list, far below SQLite's limit on bound parameters


def _chunks(ids: Sequence[int]) -> list[tuple[list[int], str]]:
    ordered = list(ids)
    return [(ordered[i:i + _CHUNK], ", ".join("?" * len(ordered[i:i + _CHUNK])))
            for i in range(0, len(ordered), _CHUNK)]
