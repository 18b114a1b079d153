"""Check-ins, weekly goals, /away periods, study sessions, the server's accountability settings and
notes about deliveries Discord refused."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.db.connection import Tx

WEEK = 7 * 86400
_FIRST_MONDAY = 4 * 86400  # 1970-01-05 00:00 UTC, as in migration 0009's backfill


def week_start(at: int) -> int:
    """Monday 00:00 UTC of the week holding ``at``: the key of ``checkin_weeks``."""
    return at - (at - _FIRST_MONDAY) % WEEK


_CHECKIN_COLUMNS = (
    "id, guild_id, user_id, checked_in_at, minutes, domains, resource_type, confidence, anxiety, note"
)


@dataclass(frozen=True)
class CheckinRow:
    id: int
    guild_id: int
    user_id: int
    checked_in_at: int
    minutes: int
    domains: tuple[str, ...]
    resource_type: str | None
    confidence: int | None
    anxiety: int | None
    note: str | None

    @classmethod
    def from_row(cls, row: Any) -> CheckinRow:
        data = dict(row)
        data["domains"] = tuple(d for d in (data["domains"] or "").split(",") if d)
        return cls(**data)


@dataclass(frozen=True)
class AwayRow:
    id: int
    first_day: str
    last_day: str
    starts_at: int
    ends_at: int


@dataclass(frozen=True)
class SessionRow:
    id: int
    guild_id: int
    user_id: int
    starts_at: int
    duration_minutes: int
    topic: str | None
    happened: bool | None
    cancelled: bool


@dataclass(frozen=True)
class AccountabilitySettings:
    guild_id: int
    checkin_channel_id: int | None = None
    pairing_channel_id: int | None = None
    pairing_every_days: int = 7
    quiet_days: int = 2


@dataclass(frozen=True)
class LogContext:
    """Everything ``/checkin log`` reads before it writes, in one statement."""

    known: bool  # the member has a row and the server is active: nothing to create first
    timezone: str  # the member's own zone, else the server's, else UTC
    exam_code: str | None  # the member's active exam
    weekly_goal_minutes: int | None
    share: bool
    settings: AccountabilitySettings
    partner_inactive: bool  # in the study-partner pool, marked inactive after a quiet spell
    has_notice: bool  # a refused delivery the member has not been told about yet


class Checkins:
    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def log_context(self, guild_id: int, user_id: int) -> LogContext:
        row = await self.tx.fetchone(
            "SELECT g.guild_id IS NOT NULL AND g.left_at IS NULL AND m.user_id IS NOT NULL AS known, "
            "COALESCE(m.timezone, g.timezone, 'UTC') AS tz, "
            "(SELECT e.exam_code FROM member_exams e WHERE e.guild_id = k.guild_id AND e.user_id = k.user_id "
            "AND e.active = 1 LIMIT 1) AS exam_code, "
            "p.weekly_goal_minutes, p.share_checkins, s.guild_id AS has_settings, s.checkin_channel_id, "
            "s.pairing_channel_id, s.pairing_every_days, s.quiet_days, pp.inactive_since AS partner_inactive_since, "
            "EXISTS (SELECT 1 FROM delivery_problems d WHERE d.guild_id = k.guild_id AND d.user_id = k.user_id "
            "AND d.reported_at IS NULL) AS has_notice "
            "FROM (SELECT ? AS guild_id, ? AS user_id) k "
            "LEFT JOIN guilds g ON g.guild_id = k.guild_id "
            "LEFT JOIN members m ON m.guild_id = k.guild_id AND m.user_id = k.user_id "
            "LEFT JOIN accountability_prefs p ON p.guild_id = k.guild_id AND p.user_id = k.user_id "
            "LEFT JOIN accountability_settings s ON s.guild_id = k.guild_id "
            "LEFT JOIN partner_pool pp ON pp.guild_id = k.guild_id AND pp.user_id = k.user_id",
            (guild_id, user_id),
        )
        assert row is not None  # the FROM is one constant row
        settings = AccountabilitySettings(
            guild_id, row["checkin_channel_id"], row["pairing_channel_id"], row["pairing_every_days"],
            row["quiet_days"],
        ) if row["has_settings"] is not None else AccountabilitySettings(guild_id)
        return LogContext(
            known=bool(row["known"]), timezone=row["tz"], exam_code=row["exam_code"],
            weekly_goal_minutes=row["weekly_goal_minutes"], share=bool(row["share_checkins"]), settings=settings,
            partner_inactive=row["partner_inactive_since"] is not None, has_notice=bool(row["has_notice"]),
        )

    # --- check-ins -----------------------------------------------------------------------------
    async def add(
        self, *, guild_id: int, user_id: int, at: int, minutes: int, domains: tuple[str, ...],
        resource_type: str | None, confidence: int | None, anxiety: int | None, note: str | None,
    ) -> int:
        """Record a check-in and add it to the member's week and all-time sums, which the board reads."""
        checkin_id = await self.tx.insert(
            "INSERT INTO checkins (guild_id, user_id, checked_in_at, minutes, domains, resource_type, confidence, "
            "anxiety, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (guild_id, user_id, at, minutes, ",".join(domains), resource_type, confidence, anxiety, note),
        )
        await self.tx.execute(
            "INSERT INTO checkin_weeks (guild_id, user_id, week_start, minutes, checkins) VALUES (?, ?, ?, ?, 1) "
            "ON CONFLICT (guild_id, user_id, week_start) DO UPDATE SET "
            "minutes = checkin_weeks.minutes + excluded.minutes, checkins = checkin_weeks.checkins + 1",
            (guild_id, user_id, week_start(at), minutes),
        )
        await self.tx.execute(
            "INSERT INTO checkin_totals (guild_id, user_id, minutes, checkins) VALUES (?, ?, ?, 1) "
            "ON CONFLICT (guild_id, user_id) DO UPDATE SET "
            "minutes = checkin_totals.minutes + excluded.minutes, checkins = checkin_totals.checkins + 1",
            (guild_id, user_id, minutes),
        )
        return checkin_id

    async def for_member(self, guild_id: int, user_id: int, *, since: int | None = None,
                         limit: int | None = None) -> list[CheckinRow]:
        """Oldest first; ``limit`` keeps the latest ones."""
        sql = f"SELECT {_CHECKIN_COLUMNS} FROM checkins WHERE guild_id = ? AND user_id = ?"
        params: list[Any] = [guild_id, user_id]
        if since is not None:
            sql += " AND checked_in_at >= ?"
            params.append(since)
        sql += " ORDER BY checked_in_at DESC, id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        rows = await self.tx.fetchall(sql, params)
        return [CheckinRow.from_row(r) for r in reversed(rows)]

    async def last_at(self, guild_id: int, user_id: int) -> int | None:
        return await self.tx.scalar(
            "SELECT MAX(checked_in_at) FROM checkins WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        )

    async def any_between(self, guild_id: int, user_id: int, start: int, end: int) -> bool:
        found = await self.tx.scalar(
            "SELECT 1 FROM checkins WHERE guild_id = ? AND user_id = ? AND checked_in_at >= ? AND checked_in_at < ? "
            "LIMIT 1",
            (guild_id, user_id, start, end),
        )
        return found is not None

    # --- preferences ---------------------------------------------------------------------------
    async def prefs(self, guild_id: int, user_id: int) -> tuple[int | None, bool]:
        """(weekly goal in minutes, whether check-ins are shared in the server's channel)."""
        row = await self.tx.fetchone(
            "SELECT weekly_goal_minutes, share_checkins FROM accountability_prefs WHERE guild_id = ? AND user_id = ?",
            (guild_id, user_id),
        )
        if row is None:
            return None, False
        return row["weekly_goal_minutes"], bool(row["share_checkins"])

    async def set_prefs(self, guild_id: int, user_id: int, *, goal: int | None, share: bool, now: int) -> None:
        await self.tx.execute(
            "INSERT INTO accountability_prefs (guild_id, user_id, weekly_goal_minutes, share_checkins, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (guild_id, user_id) DO UPDATE SET "
            "weekly_goal_minutes = excluded.weekly_goal_minutes, share_checkins = excluded.share_checkins, "
            "updated_at = excluded.updated_at",
            (guild_id, user_id, goal, int(share), now),
        )

    # --- away ----------------------------------------------------------------------------------
    async def add_away(self, guild_id: int, user_id: int, *, first_day: str, last_day: str, starts_at: int,
                       ends_at: int, now: int) -> int:
        return await self.tx.insert(
            "INSERT INTO away_periods (guild_id, user_id, first_day, last_day, starts_at, ends_at, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (guild_id, user_id, first_day, last_day, starts_at, ends_at, now),
        )

    async def away_periods(self, guild_id: int, user_id: int) -> list[AwayRow]:
        rows = await self.tx.fetchall(
            "SELECT id, first_day, last_day, starts_at, ends_at FROM away_periods WHERE guild_id = ? AND user_id = ? "
            "ORDER BY starts_at, id",
            (guild_id, user_id),
        )
        return [AwayRow(**dict(r)) for r in rows]

    async def away_at(self, guild_id: int, user_id: int, at: int) -> AwayRow | None:
        row = await self.tx.fetchone(
            "SELECT id, first_day, last_day, starts_at, ends_at FROM away_periods WHERE guild_id = ? AND user_id = ? "
            "AND starts_at <= ? AND ends_at > ? ORDER BY ends_at DESC LIMIT 1",
            (guild_id, user_id, at, at),
        )
        return AwayRow(**dict(row)) if row else None

    async def end_away(self, guild_id: int, user_id: int, *, at: int, last_day: str) -> int:
        """Cut every period still running at ``at`` short (``/away days:0``: back early)."""
        return await self.tx.execute(
            "UPDATE away_periods SET ends_at = ?, last_day = ? WHERE guild_id = ? AND user_id = ? "
            "AND starts_at <= ? AND ends_at > ?",
            (at, last_day, guild_id, user_id, at, at),
        )

    # --- study sessions ------------------------------------------------------------------------
    async def add_session(self, guild_id: int, user_id: int, *, starts_at: int, duration: int, topic: str | None,
                          now: int) -> int:
        return await self.tx.insert(
            "INSERT INTO study_sessions (guild_id, user_id, starts_at, duration_minutes, topic, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (guild_id, user_id, starts_at, duration, topic, now),
        )

    async def session(self, session_id: int) -> SessionRow | None:
        row = await self.tx.fetchone(
            "SELECT id, guild_id, user_id, starts_at, duration_minutes, topic, happened, cancelled "
            "FROM study_sessions WHERE id = ?",
            (session_id,),
        )
        return _session(row) if row else None

    async def upcoming_sessions(self, guild_id: int, user_id: int, after: int) -> list[SessionRow]:
        rows = await self.tx.fetchall(
            "SELECT id, guild_id, user_id, starts_at, duration_minutes, topic, happened, cancelled "
            "FROM study_sessions WHERE guild_id = ? AND user_id = ? AND cancelled = 0 AND starts_at > ? "
            "ORDER BY starts_at, id",
            (guild_id, user_id, after),
        )
        return [_session(r) for r in rows]

    async def cancel_session(self, session_id: int) -> bool:
        return await self.tx.execute(
            "UPDATE study_sessions SET cancelled = 1 WHERE id = ? AND cancelled = 0", (session_id,)
        ) == 1

    async def answer_session(self, session_id: int, happened: bool) -> None:
        await self.tx.execute("UPDATE study_sessions SET happened = ? WHERE id = ?", (int(happened), session_id))

    # --- server settings -----------------------------------------------------------------------
    async def settings(self, guild_id: int) -> AccountabilitySettings:
        row = await self.tx.fetchone(
            "SELECT guild_id, checkin_channel_id, pairing_channel_id, pairing_every_days, quiet_days "
            "FROM accountability_settings WHERE guild_id = ?",
            (guild_id,),
        )
        return AccountabilitySettings(**dict(row)) if row else AccountabilitySettings(guild_id)

    async def save_settings(self, settings: AccountabilitySettings, now: int) -> None:
        await self.tx.execute(
            "INSERT INTO accountability_settings (guild_id, checkin_channel_id, pairing_channel_id, "
            "pairing_every_days, quiet_days, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id) DO UPDATE "
            "SET checkin_channel_id = excluded.checkin_channel_id, pairing_channel_id = excluded.pairing_channel_id, "
            "pairing_every_days = excluded.pairing_every_days, quiet_days = excluded.quiet_days, "
            "updated_at = excluded.updated_at",
            (settings.guild_id, settings.checkin_channel_id, settings.pairing_channel_id,
             settings.pairing_every_days, settings.quiet_days, now),
        )

    # --- refused deliveries --------------------------------------------------------------------
    async def note_problem(self, guild_id: int, user_id: int, reason: str, now: int) -> bool:
        """Record a refused delivery; True when this is the first one of its kind for the member."""
        existing = await self.tx.scalar(
            "SELECT 1 FROM delivery_problems WHERE guild_id = ? AND user_id = ? AND reason = ?",
            (guild_id, user_id, reason),
        )
        if existing:
            await self.tx.execute(
                "UPDATE delivery_problems SET last_at = ? WHERE guild_id = ? AND user_id = ? AND reason = ?",
                (now, guild_id, user_id, reason),
            )
            return False
        await self.tx.execute(
            "INSERT INTO delivery_problems (guild_id, user_id, reason, first_at, last_at) VALUES (?, ?, ?, ?, ?)",
            (guild_id, user_id, reason, now, now),
        )
        return True

    async def unreported_problems(self, guild_id: int, user_id: int) -> list[str]:
        rows = await self.tx.fetchall(
            "SELECT reason FROM delivery_problems WHERE guild_id = ? AND user_id = ? AND reported_at IS NULL "
            "ORDER BY first_at",
            (guild_id, user_id),
        )
        return [r["reason"] for r in rows]

    async def mark_reported(self, guild_id: int, user_id: int, now: int) -> int:
        return await self.tx.execute(
            "UPDATE delivery_problems SET reported_at = ? WHERE guild_id = ? AND user_id = ? AND reported_at IS NULL",
            (now, guild_id, user_id),
        )

    async def clear_problem(self, guild_id: int, user_id: int, reason: str) -> None:
        await self.tx.execute(
            "DELETE FROM delivery_problems WHERE guild_id = ? AND user_id = ? AND reason = ?",
            (guild_id, user_id, reason),
        )


def _session(row: Any) -> SessionRow:
    data = dict(row)
    data["happened"] = None if data["happened"] is None else bool(data["happened"])
    data["cancelled"] = bool(data["cancelled"])
    return SessionRow(**data)
