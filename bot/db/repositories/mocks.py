"""Mock attempts and their answers, each server's readiness rule, and the readiness-gate notices."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.db.connection import Tx

_ATTEMPT_COLUMNS = (
    "id, guild_id, user_id, exam_code, length, mode, question_ids, position, duration_minutes, started_at, "
    "deadline_at, status, finished_at, shown_in, channel_id, message_id, raw_percent, result, created_at, updated_at"
)


@dataclass(frozen=True)
class AttemptRecord:
    id: int
    guild_id: int
    user_id: int
    exam_code: str
    length: str
    mode: str
    question_ids: tuple[str, ...]
    position: int
    duration_minutes: int
    started_at: int
    deadline_at: int | None
    status: str  # running | submitted | abandoned | timed_out
    finished_at: int | None
    shown_in: str  # dm | reply
    channel_id: int | None
    message_id: int | None
    raw_percent: float | None
    result: dict[str, Any] | None
    created_at: int
    updated_at: int

    @classmethod
    def from_row(cls, row: Any) -> AttemptRecord:
        data = dict(row)
        data["question_ids"] = tuple(json.loads(data["question_ids"]))
        data["result"] = json.loads(data["result"]) if data["result"] else None
        return cls(**data)

    @property
    def running(self) -> bool:
        return self.status == "running"


@dataclass(frozen=True)
class MockAnswerRecord:
    question_id: str
    position: int
    chosen: tuple[str, ...]  # empty: flagged but not answered
    changes: int
    flagged: bool
    answered_at: int | None


@dataclass(frozen=True)
class FinishedMock:
    id: int
    exam_code: str
    length: str
    mode: str
    status: str
    finished_at: int
    raw_percent: float


@dataclass(frozen=True)
class ReadinessRule:
    required: int
    buffer: float


class MockAttempts:
    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def create(
        self, *, guild_id: int, user_id: int, exam_code: str, length: str, mode: str, question_ids: list[str],
        duration_minutes: int, started_at: int, deadline_at: int | None, now: int,
    ) -> int:
        return await self.tx.insert(
            "INSERT INTO mock_attempts (guild_id, user_id, exam_code, length, mode, question_ids, duration_minutes, "
            "started_at, deadline_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (guild_id, user_id, exam_code, length, mode, json.dumps(question_ids), duration_minutes, started_at,
             deadline_at, now, now),
        )

    async def get(self, attempt_id: int) -> AttemptRecord | None:
        row = await self.tx.fetchone(f"SELECT {_ATTEMPT_COLUMNS} FROM mock_attempts WHERE id = ?", (attempt_id,))
        return AttemptRecord.from_row(row) if row else None

    async def running_for(self, guild_id: int, user_id: int) -> AttemptRecord | None:
        row = await self.tx.fetchone(
            f"SELECT {_ATTEMPT_COLUMNS} FROM mock_attempts WHERE guild_id = ? AND user_id = ? AND status = 'running'",
            (guild_id, user_id),
        )
        return AttemptRecord.from_row(row) if row else None

    async def latest_for(self, guild_id: int, user_id: int) -> AttemptRecord | None:
        row = await self.tx.fetchone(
            f"SELECT {_ATTEMPT_COLUMNS} FROM mock_attempts WHERE guild_id = ? AND user_id = ? "
            "ORDER BY started_at DESC, id DESC LIMIT 1",
            (guild_id, user_id),
        )
        return AttemptRecord.from_row(row) if row else None

    async def set_position(self, attempt_id: int, position: int, now: int) -> None:
        await self.tx.execute(
            "UPDATE mock_attempts SET position = ?, updated_at = ? WHERE id = ? AND status = 'running'",
            (position, now, attempt_id),
        )

    async def set_message(self, attempt_id: int, *, shown_in: str, channel_id: int | None,
                          message_id: int | None, now: int) -> None:
        await self.tx.execute(
            "UPDATE mock_attempts SET shown_in = ?, channel_id = ?, message_id = ?, updated_at = ? WHERE id = ?",
            (shown_in, channel_id, message_id, now, attempt_id),
        )

    async def finish(
        self, attempt_id: int, *, status: str, finished_at: int, raw_percent: float | None,
        result: dict[str, Any] | None, now: int,
    ) -> bool:
        """Close a running attempt; False when it was already closed (a second finisher changes nothing)."""
        changed = await self.tx.execute(
            "UPDATE mock_attempts SET status = ?, finished_at = ?, raw_percent = ?, result = ?, updated_at = ? "
            "WHERE id = ? AND status = 'running'",
            (status, finished_at, raw_percent, json.dumps(result, sort_keys=True) if result is not None else None,
             now, attempt_id),
        )
        return changed == 1

    async def finished_for_exam(self, guild_id: int, user_id: int, exam_code: str) -> list[FinishedMock]:
        """Scored mocks (submitted or timed out) of one exam, oldest first."""
        rows = await self.tx.fetchall(
            "SELECT id, exam_code, length, mode, status, finished_at, raw_percent FROM mock_attempts "
            "WHERE guild_id = ? AND user_id = ? AND exam_code = ? AND status IN ('submitted', 'timed_out') "
            "AND raw_percent IS NOT NULL ORDER BY finished_at, id",
            (guild_id, user_id, exam_code),
        )
        return [FinishedMock(r["id"], r["exam_code"], r["length"], r["mode"], r["status"], r["finished_at"],
                             r["raw_percent"]) for r in rows]

    async def domain_tallies(self, guild_id: int, user_id: int, exam_code: str) -> dict[str, tuple[int, int]]:
        """Correct and total answers per domain across every scored mock of the exam."""
        rows = await self.tx.fetchall(
            "SELECT result FROM mock_attempts WHERE guild_id = ? AND user_id = ? AND exam_code = ? "
            "AND status IN ('submitted', 'timed_out') AND result IS NOT NULL",
            (guild_id, user_id, exam_code),
        )
        totals: dict[str, list[int]] = {}
        for row in rows:
            for domain, entry in (json.loads(row["result"]).get("per_domain") or {}).items():
                tally = totals.setdefault(domain, [0, 0])
                tally[0] += int(entry[0])
                tally[1] += int(entry[1])
        return {d: (c, t) for d, (c, t) in totals.items()}


class MockAnswers:
    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def for_attempt(self, attempt_id: int) -> dict[str, MockAnswerRecord]:
        rows = await self.tx.fetchall(
            "SELECT question_id, position, chosen, changes, flagged, answered_at FROM mock_answers "
            "WHERE attempt_id = ? ORDER BY position",
            (attempt_id,),
        )
        return {
            r["question_id"]: MockAnswerRecord(
                r["question_id"], r["position"], tuple(c for c in r["chosen"].split(",") if c), r["changes"],
                bool(r["flagged"]), r["answered_at"],
            )
            for r in rows
        }

    async def save(
        self, attempt_id: int, *, question_id: str, position: int, chosen: tuple[str, ...], changes: int,
        flagged: bool, answered_at: int | None,
    ) -> None:
        await self.tx.execute(
            "INSERT INTO mock_answers (attempt_id, question_id, position, chosen, changes, flagged, answered_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (attempt_id, question_id) DO UPDATE SET "
            "chosen = excluded.chosen, changes = excluded.changes, flagged = excluded.flagged, "
            "answered_at = excluded.answered_at",
            (attempt_id, question_id, position, ",".join(sorted(chosen)), changes, int(flagged), answered_at),
        )


class ReadinessSettings:
    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def get(self, guild_id: int) -> ReadinessRule | None:
        row = await self.tx.fetchone(
            "SELECT required_mocks, buffer_points FROM readiness_settings WHERE guild_id = ?", (guild_id,)
        )
        return ReadinessRule(row["required_mocks"], row["buffer_points"]) if row else None

    async def save(self, guild_id: int, rule: ReadinessRule, updated_by: int, now: int) -> None:
        await self.tx.execute(
            "INSERT INTO readiness_settings (guild_id, required_mocks, buffer_points, updated_by, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (guild_id) DO UPDATE SET required_mocks = excluded.required_mocks, "
            "buffer_points = excluded.buffer_points, updated_by = excluded.updated_by, "
            "updated_at = excluded.updated_at",
            (guild_id, rule.required, rule.buffer, updated_by, now),
        )


class ReadinessNotices:
    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def record(self, guild_id: int, user_id: int, exam_code: str, attempt_id: int, now: int) -> bool:
        """Remember that the gate-open notice for this opening was queued; False when it already was."""
        changed = await self.tx.execute(
            "INSERT INTO readiness_notices (guild_id, user_id, exam_code, attempt_id, sent_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (guild_id, user_id, exam_code, attempt_id) DO NOTHING",
            (guild_id, user_id, exam_code, attempt_id, now),
        )
        return changed == 1

    async def count(self, guild_id: int, user_id: int, exam_code: str) -> int:
        return int(await self.tx.scalar(
            "SELECT COUNT(*) FROM readiness_notices WHERE guild_id = ? AND user_id = ? AND exam_code = ?",
            (guild_id, user_id, exam_code),
        ) or 0)
