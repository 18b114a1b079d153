"""Practice sessions, answers, per-domain mastery and spaced-review cards (each row one member's data).

Answers, mastery and cards are written for one member at a time (``add``/``save``) or, at a quiz round's
reveal, for every player at once (``add_many``/``save_many``, one ``executemany`` each); both share one
statement per table, so the two paths cannot drift apart.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.clock import to_epoch
from bot.db.connection import Tx
from bot.domain.mastery import DomainMastery
from bot.domain.review import ReviewState

_SESSION_COLUMNS = (
    "id, guild_id, user_id, exam_code, focus_domain, question_ids, position, stage, answered, correct, "
    "created_at, updated_at"
)

_ANSWER_INSERT = (
    "INSERT INTO practice_answers (guild_id, user_id, exam_code, question_id, domain, session_id, round_id, "
    "position, chosen, correct, answered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_MASTERY_UPSERT = (
    "INSERT INTO domain_mastery (guild_id, user_id, exam_code, domain, mastery, answered, correct, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, user_id, exam_code, domain) DO UPDATE SET "
    "mastery = excluded.mastery, answered = excluded.answered, correct = excluded.correct, "
    "updated_at = excluded.updated_at"
)
_CARD_UPSERT = (
    "INSERT INTO review_cards (guild_id, user_id, exam_code, question_id, state, lapses, due_at, "
    "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (guild_id, user_id, exam_code, question_id) DO UPDATE SET state = excluded.state, "
    "lapses = excluded.lapses, due_at = excluded.due_at, updated_at = excluded.updated_at"
)


async def _write_many(tx: Tx, sql: str, rows: list[tuple[Any, ...]]) -> None:
    # An empty batch would still be a round trip, and a reveal where nobody earned a card is common.
    if rows:
        await tx.executemany(sql, rows)


def _answer_row(
    guild_id: int, user_id: int, exam_code: str, question_id: str, domain: str, session_id: int | None,
    round_id: int | None, position: int, chosen: tuple[str, ...], correct: bool, now: int,
) -> tuple[Any, ...]:
    return (guild_id, user_id, exam_code, question_id, domain, session_id, round_id, position,
            ",".join(sorted(chosen)), int(correct), now)


def _mastery_row(guild_id: int, user_id: int, exam_code: str, value: DomainMastery, now: int) -> tuple[Any, ...]:
    return (guild_id, user_id, exam_code, value.domain, value.mastery, value.answered, value.correct, now)


def _card_row(guild_id: int, user_id: int, exam_code: str, state: ReviewState, now: int) -> tuple[Any, ...]:
    return (guild_id, user_id, exam_code, state.question_id, json.dumps(state.to_dict(), sort_keys=True, default=str),
            state.lapses, to_epoch(state.due), now, now)


@dataclass(frozen=True)
class SessionRecord:
    id: int
    guild_id: int
    user_id: int
    exam_code: str
    focus_domain: str | None
    question_ids: tuple[str, ...]
    position: int
    stage: str  # asking | why | feedback | finished | replaced
    answered: int
    correct: int
    created_at: int
    updated_at: int

    @classmethod
    def from_row(cls, row: Any) -> SessionRecord:
        data = dict(row)
        data["question_ids"] = tuple(json.loads(data["question_ids"]))
        return cls(**data)

    @property
    def live(self) -> bool:
        return self.stage in ("asking", "why", "feedback")


@dataclass(frozen=True)
class AnswerRecord:
    id: int
    question_id: str
    domain: str
    position: int
    chosen: tuple[str, ...]
    correct: bool
    reason: str | None
    answered_at: int


class Sessions:
    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def replace_live(self, guild_id: int, user_id: int, now: int) -> int:
        """Close the member's unfinished sessions: a new /practice takes over from them."""
        return await self.tx.execute(
            "UPDATE practice_sessions SET stage = 'replaced', updated_at = ? "
            "WHERE guild_id = ? AND user_id = ? AND stage IN ('asking', 'why', 'feedback')",
            (now, guild_id, user_id),
        )

    async def create(
        self, guild_id: int, user_id: int, exam_code: str, focus_domain: str | None, question_ids: list[str], now: int
    ) -> int:
        return await self.tx.insert(
            "INSERT INTO practice_sessions (guild_id, user_id, exam_code, focus_domain, question_ids, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (guild_id, user_id, exam_code, focus_domain, json.dumps(question_ids), now, now),
        )

    async def get(self, session_id: int) -> SessionRecord | None:
        row = await self.tx.fetchone(
            f"SELECT {_SESSION_COLUMNS} FROM practice_sessions WHERE id = ?", (session_id,)
        )
        return SessionRecord.from_row(row) if row else None

    async def set_stage(
        self, session_id: int, *, stage: str, position: int, now: int, answered: int = 0, correct: int = 0
    ) -> None:
        """Move the session on; ``answered``/``correct`` are added to its running counts."""
        await self.tx.execute(
            "UPDATE practice_sessions SET stage = ?, position = ?, answered = answered + ?, "
            "correct = correct + ?, updated_at = ? WHERE id = ?",
            (stage, position, answered, correct, now, session_id),
        )


class Answers:
    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def add(
        self, *, guild_id: int, user_id: int, exam_code: str, question_id: str, domain: str, position: int,
        chosen: tuple[str, ...], correct: bool, now: int, session_id: int | None = None, round_id: int | None = None,
    ) -> int:
        return await self.tx.insert(_ANSWER_INSERT, _answer_row(
            guild_id, user_id, exam_code, question_id, domain, session_id, round_id, position, chosen, correct, now
        ))

    async def add_many(
        self, *, guild_id: int, exam_code: str, question_id: str, domain: str, position: int,
        answers: Iterable[tuple[int, tuple[str, ...], bool]], now: int, session_id: int | None = None,
        round_id: int | None = None,
    ) -> None:
        """One answer row per (user id, chosen, correct) to the same question, in one ``executemany``."""
        await _write_many(self.tx, _ANSWER_INSERT, [
            _answer_row(guild_id, user_id, exam_code, question_id, domain, session_id, round_id, position, chosen,
                        correct, now)
            for user_id, chosen, correct in answers
        ])

    async def for_session(self, session_id: int, position: int) -> AnswerRecord | None:
        row = await self.tx.fetchone(
            "SELECT id, question_id, domain, position, chosen, correct, reason, answered_at FROM practice_answers "
            "WHERE session_id = ? AND position = ?",
            (session_id, position),
        )
        return _answer(row) if row else None

    async def set_reason(self, answer_id: int, reason: str) -> None:
        await self.tx.execute("UPDATE practice_answers SET reason = ? WHERE id = ?", (reason, answer_id))

    async def domain_tallies(self, guild_id: int, user_id: int, exam_code: str) -> dict[str, tuple[int, int]]:
        """Correct and total relaxed-practice answers per domain (solo sessions and group rounds)."""
        rows = await self.tx.fetchall(
            "SELECT domain, SUM(correct) AS right_answers, COUNT(*) AS answered FROM practice_answers "
            "WHERE guild_id = ? AND user_id = ? AND exam_code = ? GROUP BY domain",
            (guild_id, user_id, exam_code),
        )
        return {r["domain"]: (int(r["right_answers"] or 0), int(r["answered"])) for r in rows}

    async def miss_reasons(self, guild_id: int, user_id: int, exam_code: str) -> list[str]:
        rows = await self.tx.fetchall(
            "SELECT reason FROM practice_answers WHERE guild_id = ? AND user_id = ? AND exam_code = ? "
            "AND correct = 0 AND reason IS NOT NULL ORDER BY answered_at, id",
            (guild_id, user_id, exam_code),
        )
        return [r["reason"] for r in rows]

    async def recent_question_ids(self, guild_id: int, user_id: int, exam_code: str, since: int) -> list[str]:
        rows = await self.tx.fetchall(
            "SELECT DISTINCT question_id FROM practice_answers WHERE guild_id = ? AND user_id = ? "
            "AND exam_code = ? AND answered_at >= ?",
            (guild_id, user_id, exam_code, since),
        )
        return [r["question_id"] for r in rows]


def _answer(row: Any) -> AnswerRecord:
    chosen = tuple(c for c in row["chosen"].split(",") if c)
    return AnswerRecord(row["id"], row["question_id"], row["domain"], row["position"], chosen,
                        bool(row["correct"]), row["reason"], row["answered_at"])


class Mastery:
    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def for_exam(self, guild_id: int, user_id: int, exam_code: str) -> dict[str, DomainMastery]:
        rows = await self.tx.fetchall(
            "SELECT domain, mastery, answered, correct FROM domain_mastery "
            "WHERE guild_id = ? AND user_id = ? AND exam_code = ?",
            (guild_id, user_id, exam_code),
        )
        return {r["domain"]: DomainMastery(r["domain"], r["mastery"], r["answered"], r["correct"]) for r in rows}

    async def save(self, guild_id: int, user_id: int, exam_code: str, value: DomainMastery, now: int) -> None:
        await self.tx.execute(_MASTERY_UPSERT, _mastery_row(guild_id, user_id, exam_code, value, now))

    async def save_many(
        self, guild_id: int, exam_code: str, values: Iterable[tuple[int, DomainMastery]], now: int
    ) -> None:
        """Save one domain estimate per (user id, mastery), in one ``executemany``."""
        await _write_many(self.tx, _MASTERY_UPSERT,
                          [_mastery_row(guild_id, user_id, exam_code, value, now) for user_id, value in values])


class Cards:
    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def get(self, guild_id: int, user_id: int, exam_code: str, question_id: str) -> ReviewState | None:
        row = await self.tx.fetchone(
            "SELECT state FROM review_cards WHERE guild_id = ? AND user_id = ? AND exam_code = ? AND question_id = ?",
            (guild_id, user_id, exam_code, question_id),
        )
        return ReviewState.from_dict(json.loads(row["state"])) if row else None

    async def for_exam(self, guild_id: int, user_id: int, exam_code: str) -> list[ReviewState]:
        rows = await self.tx.fetchall(
            "SELECT state FROM review_cards WHERE guild_id = ? AND user_id = ? AND exam_code = ? "
            "ORDER BY due_at, question_id",
            (guild_id, user_id, exam_code),
        )
        return [ReviewState.from_dict(json.loads(r["state"])) for r in rows]

    async def save(self, guild_id: int, user_id: int, exam_code: str, state: ReviewState, now: int) -> None:
        await self.tx.execute(_CARD_UPSERT, _card_row(guild_id, user_id, exam_code, state, now))

    async def save_many(
        self, guild_id: int, exam_code: str, states: Iterable[tuple[int, ReviewState]], now: int
    ) -> None:
        """Save one card per (user id, card), in one ``executemany``."""
        await _write_many(self.tx, _CARD_UPSERT,
                          [_card_row(guild_id, user_id, exam_code, state, now) for user_id, state in states])
