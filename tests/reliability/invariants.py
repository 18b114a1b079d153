"""What must hold in the database whatever members typed or whatever failed: SQLite's own checks and ours."""

from __future__ import annotations

from datetime import date

from bot.clock import Clock
from bot.db.connection import Database
from bot.services.checkins import CheckinService

#: Rows that point at another row without a foreign key (so PRAGMA foreign_key_check cannot see them).
ORPHANS = {
    "practice answers of a group round that does not exist":
        "SELECT COUNT(*) FROM practice_answers WHERE round_id IS NOT NULL "
        "AND round_id NOT IN (SELECT id FROM quiz_rounds)",
    "mock answers outside their mock's questions":
        "SELECT COUNT(*) FROM mock_answers a JOIN mock_attempts m ON m.id = a.attempt_id "
        "WHERE a.position < 0 OR a.position >= json_array_length(m.question_ids)",
    "scheduled rows left half-sent":
        "SELECT COUNT(*) FROM scheduled_deliveries WHERE status = 'sending'",
    "recurring reminders with no pending occurrence":
        "SELECT COUNT(*) FROM recurring_rules r WHERE r.active = 1 AND NOT EXISTS (SELECT 1 FROM "
        "scheduled_deliveries d WHERE d.status = 'pending' AND d.idempotency_key LIKE 'rule:' || r.id || ':%')",
    "running timed mocks without a deadline":
        "SELECT COUNT(*) FROM mock_attempts WHERE status = 'running' AND mode <> 'relaxed' AND deadline_at IS NULL",
    "running mocks without their time-out":
        "SELECT COUNT(*) FROM mock_attempts m WHERE m.status = 'running' AND m.deadline_at IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM scheduled_deliveries d WHERE d.kind = 'mock_timeout' AND d.status IN ('pending', 'sending') "
        "AND d.payload LIKE '%\"attempt_id\": ' || m.id || '}%')",
    "live quiz rounds without their next step":
        "SELECT COUNT(*) FROM quiz_rounds q WHERE q.status IN ('joining', 'asking') AND NOT EXISTS "
        "(SELECT 1 FROM scheduled_deliveries d WHERE d.kind = 'quiz_reveal' AND d.status IN ('pending', 'sending') "
        "AND d.idempotency_key = 'quiz:' || q.id || ':' || q.position)",
    "guild rows missing for member rows":
        "SELECT COUNT(*) FROM members WHERE guild_id NOT IN (SELECT guild_id FROM guilds)",
}


async def problems(db: Database, clock: Clock) -> list[str]:
    """Everything wrong, in words; an empty list means the database is sound."""
    found: list[str] = []
    async with db.read() as tx:
        integrity = await tx.scalar("PRAGMA integrity_check")
        if integrity != "ok":
            found.append(f"integrity_check: {integrity}")
        orphans = await tx.fetchall("PRAGMA foreign_key_check")
        found += [f"foreign key: {tuple(r)}" for r in orphans]
        for what, sql in ORPHANS.items():
            n = await tx.scalar(sql)
            if n:
                found.append(f"{what}: {n}")
        bad_dates = await tx.fetchall("SELECT booked_date FROM member_exams WHERE booked_date IS NOT NULL")
        members = await tx.fetchall("SELECT DISTINCT guild_id, user_id FROM checkins")
    for row in bad_dates:
        try:
            date.fromisoformat(row["booked_date"])
        except (TypeError, ValueError):
            found.append(f"a booked date that is no date: {row['booked_date']!r}")
    found += await streak_problems(db, clock, [(r["guild_id"], r["user_id"]) for r in members])
    return found


async def streak_problems(db: Database, clock: Clock, members: list[tuple[int, int]]) -> list[str]:
    """A streak is never negative, never longer than the longest one, nor than the days with a check-in."""
    service = CheckinService(db, clock)
    found = []
    for guild_id, user_id in members:
        history = await service.history(guild_id, user_id, days=90)
        async with db.read() as tx:
            days = await tx.scalar("SELECT COUNT(*) FROM checkins WHERE guild_id = ? AND user_id = ?",
                                   (guild_id, user_id))
        streak = history.streak
        if not 0 <= streak.current <= streak.longest or streak.longest > max(days, 0):
            found.append(f"streak of {user_id}: current {streak.current}, longest {streak.longest}, {days} check-ins")
    return found
