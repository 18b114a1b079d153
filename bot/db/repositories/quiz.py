"""Group quiz rounds: the round, who joined, and each participant's latest choice per question.

A round's end touches every player at once, so its reads here are set-based (one statement for all
players); its writes to answers, mastery and cards go through the batch methods of
``bot.db.repositories.practice`` (one ``executemany`` each), which own those tables' SQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.db.connection import Tx
from bot.domain.mastery import DomainMastery
from bot.domain.review import ReviewState

_COLUMNS = (
    "id, guild_id, channel_id, started_by, exam_code, focus_domain, question_count, seconds, question_ids, "
    "position, status, phase_ends_at, created_at, ended_at"
)
_ROUND_COLUMNS = ", ".join(f"r.{c.strip()}" for c in _COLUMNS.split(","))


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
class MemberInRound:
    """A round as one member sees it: whether they joined, how many did, their choice for the current question."""

    round: RoundRecord
    joined: bool
    participants: int
    choice: str | None


@dataclass(frozen=True)
class AnswerState:
    """One player's answer to a question with what counting it needs: their booked date, mastery and card."""

    user_id: int
    choice: str
    booked_date: str | None
    mastery: DomainMastery | None
    card: ReviewState | None


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

    async def for_member(self, round_id: int, user_id: int, *, count: bool = False) -> MemberInRound | None:
        """The round, whether the member joined and their current choice (and the head count when asked)."""
        counted = ("(SELECT COUNT(*) FROM quiz_participants p WHERE p.round_id = r.id)" if count else "0")
        row = await self.tx.fetchone(
            f"SELECT {_ROUND_COLUMNS}, "
            "EXISTS (SELECT 1 FROM quiz_participants p WHERE p.round_id = r.id AND p.user_id = ?) AS joined, "
            f"{counted} AS participants, "
            "(SELECT a.choice FROM quiz_answers a WHERE a.round_id = r.id AND a.position = r.position "
            "AND a.user_id = ?) AS choice "
            "FROM quiz_rounds r WHERE r.id = ?",
            (user_id, user_id, round_id),
        )
        if row is None:
            return None
        data = dict(row)
        extra = {k: data.pop(k) for k in ("joined", "participants", "choice")}
        return MemberInRound(RoundRecord.from_row(data), bool(extra["joined"]), int(extra["participants"]),
                             extra["choice"])

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

    async def add_points(self, round_id: int, user_ids: Iterable[int]) -> None:
        await self.tx.executemany(
            "UPDATE quiz_participants SET score = score + 1 WHERE round_id = ? AND user_id = ?",
            [(round_id, user_id) for user_id in user_ids],
        )

    async def participant_mastery(self, round_id: int, guild_id: int, exam_code: str) -> dict[int, dict[str, float]]:
        """Every participant's stored mastery per domain of the exam (members with none are absent)."""
        rows = await self.tx.fetchall(
            "SELECT p.user_id, m.domain, m.mastery FROM quiz_participants p "
            "JOIN domain_mastery m ON m.guild_id = ? AND m.user_id = p.user_id AND m.exam_code = ? "
            "WHERE p.round_id = ?",
            (guild_id, exam_code, round_id),
        )
        found: dict[int, dict[str, float]] = {}
        for r in rows:
            found.setdefault(r["user_id"], {})[r["domain"]] = r["mastery"]
        return found

    async def report_percents(
        self, round_id: int, guild_id: int, exam_code: str, *, position: int | None = None
    ) -> dict[int, dict[str, float]]:
        """The estimated domain percents of each member's latest score report for the exam: every participant,
        or only those who answered ``position``."""
        if position is None:
            source, params = "quiz_participants p WHERE p.round_id = ?", (round_id,)
        else:
            source, params = "quiz_answers p WHERE p.round_id = ? AND p.position = ?", (round_id, position)
        rows = await self.tx.fetchall(
            "SELECT p.user_id, d.domain_number, d.estimated_percent FROM score_report_domains d "
            "JOIN (SELECT p.user_id, (SELECT r.id FROM score_reports r WHERE r.guild_id = ? AND r.user_id = p.user_id "
            "AND r.exam_code = ? ORDER BY r.created_at DESC, r.id DESC LIMIT 1) AS report_id "
            f"FROM {source}) p ON d.report_id = p.report_id WHERE d.estimated_percent IS NOT NULL",
            (guild_id, exam_code, *params),
        )
        found: dict[int, dict[str, float]] = {}
        for r in rows:
            found.setdefault(r["user_id"], {})[r["domain_number"]] = r["estimated_percent"]
        return found

    # --- answers --------------------------------------------------------------------------------
    async def set_answer(self, round_id: int, position: int, user_id: int, choice: str, now: int) -> None:
        """Record or change a choice."""
        await self.tx.execute(
            "INSERT INTO quiz_answers (round_id, position, user_id, choice, answered_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (round_id, position, user_id) DO UPDATE SET choice = excluded.choice, "
            "answered_at = excluded.answered_at",
            (round_id, position, user_id, choice, now),
        )

    async def answers(self, round_id: int, position: int) -> dict[int, str]:
        rows = await self.tx.fetchall(
            "SELECT user_id, choice FROM quiz_answers WHERE round_id = ? AND position = ? ORDER BY user_id",
            (round_id, position),
        )
        return {r["user_id"]: r["choice"] for r in rows}

    async def answer_states(
        self, round_id: int, position: int, *, guild_id: int, exam_code: str, question_id: str, domain: str
    ) -> list[AnswerState]:
        """Everyone's answer to ``position`` with their booked date, mastery of ``domain`` and card for the question."""
        rows = await self.tx.fetchall(
            "SELECT a.user_id, a.choice, e.booked_date, m.domain, m.mastery, m.answered, m.correct, c.state "
            "FROM quiz_answers a "
            "LEFT JOIN member_exams e ON e.guild_id = ? AND e.user_id = a.user_id AND e.exam_code = ? "
            "LEFT JOIN domain_mastery m ON m.guild_id = ? AND m.user_id = a.user_id AND m.exam_code = ? "
            "AND m.domain = ? "
            "LEFT JOIN review_cards c ON c.guild_id = ? AND c.user_id = a.user_id AND c.exam_code = ? "
            "AND c.question_id = ? "
            "WHERE a.round_id = ? AND a.position = ? ORDER BY a.user_id",
            (guild_id, exam_code, guild_id, exam_code, domain, guild_id, exam_code, question_id, round_id, position),
        )
        return [
            AnswerState(
                r["user_id"], r["choice"], r["booked_date"],
                DomainMastery(r["domain"], r["mastery"], r["answered"], r["correct"]) if r["domain"] is not None
                else None,
                ReviewState.from_dict(json.loads(r["state"])) if r["state"] is not None else None,
            )
            for r in rows
        ]
