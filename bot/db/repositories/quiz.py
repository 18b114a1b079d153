"""Group quiz rounds: the round, who joined, and each participant's latest choice per question."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.db.connection import Tx

_COLUMNS = (
    "id, guild_id, channel_id, started_by, exam_code, focus_domain, question_count, seconds, question_ids, "
    "position, status, phase_ends_at, created_at, ended_at"
)


@dataclass(frozen=True)
class RoundRecord:
    id: int
    guild_id: int
    channel_id: int
    started_by: int
    exam_code: str
    focus_domain: str | None
    question_count: int
    seconds: int
    question_ids: tuple[str, ...]
    position: int
    status: str  # joining | asking | finished | stopped
    phase_ends_at: int
    created_at: int
    ended_at: int | None

    @classmethod
    def from_row(cls, row: Any) -> RoundRecord:
        data = dict(row)
        data["question_ids"] = tuple(json.loads(data["question_ids"]))
        return cls(**data)

    @property
    def live(self) -> bool:
        return self.status in ("joining", "asking")


@dataclass(frozen=True)
class ParticipantRecord:
    user_id: int
    score: int
    joined_at: int


class QuizRounds:
    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def create(
        self, *, guild_id: int, channel_id: int, started_by: int, exam_code: str, focus_domain: str | None,
        question_count: int, seconds: int, phase_ends_at: int, now: int,
    ) -> int:
        return await self.tx.insert(
            "INSERT INTO quiz_rounds (guild_id, channel_id, started_by, exam_code, focus_domain, question_count, "
            "seconds, phase_ends_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (guild_id, channel_id, started_by, exam_code, focus_domain, question_count, seconds, phase_ends_at, now),
        )

    async def get(self, round_id: int) -> RoundRecord | None:
        row = await self.tx.fetchone(f"SELECT {_COLUMNS} FROM quiz_rounds WHERE id = ?", (round_id,))
        return RoundRecord.from_row(row) if row else None

    async def live_in_channel(self, channel_id: int) -> RoundRecord | None:
        row = await self.tx.fetchone(
            f"SELECT {_COLUMNS} FROM quiz_rounds WHERE channel_id = ? AND status IN ('joining', 'asking')",
            (channel_id,),
        )
        return RoundRecord.from_row(row) if row else None

    async def begin(self, round_id: int, question_ids: list[str], phase_ends_at: int) -> None:
        await self.tx.execute(
            "UPDATE quiz_rounds SET question_ids = ?, position = 0, status = 'asking', phase_ends_at = ? WHERE id = ?",
            (json.dumps(question_ids), phase_ends_at, round_id),
        )

    async def move_to(self, round_id: int, position: int, phase_ends_at: int) -> None:
        await self.tx.execute(
            "UPDATE quiz_rounds SET position = ?, phase_ends_at = ? WHERE id = ?",
            (position, phase_ends_at, round_id),
        )

    async def end(self, round_id: int, status: str, now: int) -> bool:
        changed = await self.tx.execute(
            "UPDATE quiz_rounds SET status = ?, ended_at = ? WHERE id = ? AND status IN ('joining', 'asking')",
            (status, now, round_id),
        )
        return changed == 1

    # --- participants ---------------------------------------------------------------------------
    async def join(self, round_id: int, guild_id: int, user_id: int, now: int) -> bool:
        """Add a participant; False when they had joined already."""
        changed = await self.tx.execute(
            "INSERT INTO quiz_participants (round_id, guild_id, user_id, joined_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (round_id, user_id) DO NOTHING",
            (round_id, guild_id, user_id, now),
        )
        return changed == 1

    async def participants(self, round_id: int) -> list[ParticipantRecord]:
        rows = await self.tx.fetchall(
            "SELECT user_id, score, joined_at FROM quiz_participants WHERE round_id = ? "
            "ORDER BY score DESC, joined_at, user_id",
            (round_id,),
        )
        return [ParticipantRecord(r["user_id"], r["score"], r["joined_at"]) for r in rows]

    async def add_point(self, round_id: int, user_id: int) -> None:
        await self.tx.execute(
            "UPDATE quiz_participants SET score = score + 1 WHERE round_id = ? AND user_id = ?", (round_id, user_id)
        )

    # --- answers --------------------------------------------------------------------------------
    async def set_answer(self, round_id: int, position: int, user_id: int, choice: str, now: int) -> bool:
        """Record or change a choice; True when it replaced an earlier one."""
        before = await self.tx.scalar(
            "SELECT choice FROM quiz_answers WHERE round_id = ? AND position = ? AND user_id = ?",
            (round_id, position, user_id),
        )
        await self.tx.execute(
            "INSERT INTO quiz_answers (round_id, position, user_id, choice, answered_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (round_id, position, user_id) DO UPDATE SET choice = excluded.choice, "
            "answered_at = excluded.answered_at",
            (round_id, position, user_id, choice, now),
        )
        return before is not None

    async def answers(self, round_id: int, position: int) -> dict[int, str]:
        rows = await self.tx.fetchall(
            "SELECT user_id, choice FROM quiz_answers WHERE round_id = ? AND position = ? ORDER BY user_id",
            (round_id, position),
        )
        return {r["user_id"]: r["choice"] for r in rows}
